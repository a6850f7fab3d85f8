/*! Stagecraft loader: turns Dockerfile blocks of a documentation page into live
 * Stagecraft embeds. Plain JavaScript, no build step, no dependencies.
 *
 *   <script src="https://YOUR-HOST/stagecraft/loader.js" defer></script>
 *   <pre data-stagecraft data-panels="editor,graph" data-readonly>
 *   FROM golang:1.22 AS build
 *   ...
 *   </pre>
 *
 * Which elements: `[data-stagecraft]` on a <pre> (its text, or its <code>'s), or on any
 * wrapper holding one (Hugo and MkDocs put attributes on a wrapper). With
 * `data-selector="code.language-dockerfile"` on the <script>, every such block is embedded
 * (mdBook, Docusaurus and Hugo render ```dockerfile fences so), no attribute needed.
 *
 * Options, as data attributes of the block (all optional):
 *   data-panels     editor,graph,image,steps,problems (default editor,graph)
 *   data-readonly   present (or "true"): the text cannot be edited
 *   data-theme      light | dark | auto (default auto: the visitor's system theme)
 *   data-target     the stage to build (default: the last)
 *   data-step       a step number, or "auto" to play the step-through
 *   data-height     the iframe's height in pixels (200-2000, default 420)
 *   data-load       "click": a light placeholder; the playground loads on click or Enter
 *   data-origin     origins allowed to drive the embed by postMessage (see the README)
 *   data-id         a name echoed in the embed's messages
 *   data-build-args KEY=VALUE pairs separated by commas or new lines
 * Script options: data-base (where the app lives; default: beside this script),
 * data-selector (more blocks to embed, see above).
 *
 * The block stays in the page (hidden) as the no-JavaScript fallback. The Dockerfile goes
 * into the iframe's address as a share fragment (`#v1.` + base64url of raw-DEFLATE'd
 * JSON, the app's own format), so each embed's address is a shareable link and its state
 * never touches the visitor's saved playground. `window.Stagecraft.scan(root)` embeds
 * blocks added later; a MutationObserver already does that for single-page doc sites.
 */
(() => {
  'use strict';
  if (window.Stagecraft && window.Stagecraft.scan) return; // loaded twice

  const script = document.currentScript;
  const scriptUrl = (script && script.src) || location.href;
  const base = new URL((script && script.dataset.base) || './', scriptUrl);
  const selector = ['[data-stagecraft]', script && script.dataset.selector].filter(Boolean).join(', ');
  const PASSED = ['panels', 'readonly', 'theme', 'target', 'step', 'origin', 'id'];
  const MIN_HEIGHT = 200;
  const MAX_HEIGHT = 2000;
  const DEFAULT_HEIGHT = 420;
  const DONE = 'stagecraftDone';

  const STYLE = `
.stagecraft-embed{margin:1em 0;border:1px solid rgba(127,127,127,.35);border-radius:8px;overflow:hidden;max-width:100%}
.stagecraft-embed iframe{display:block;width:100%;border:0}
.stagecraft-load{all:unset;box-sizing:border-box;display:flex;flex-direction:column;width:100%;height:100%;padding:.75em 1em;cursor:pointer;background:rgba(127,127,127,.07);color:inherit}
.stagecraft-load:focus-visible{outline:2px solid #0969da;outline-offset:-2px}
.stagecraft-load:hover .stagecraft-cta{filter:brightness(1.1)}
.stagecraft-preview{flex:1;overflow:hidden;white-space:pre;font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;opacity:.8;-webkit-mask-image:linear-gradient(#000 60%,transparent);mask-image:linear-gradient(#000 60%,transparent)}
.stagecraft-cta{align-self:center;margin-top:.5em;padding:.45em 1.1em;border-radius:6px;background:#0969da;color:#fff;font:600 14px/1.4 system-ui,sans-serif}`;

  function addStyle() {
    if (document.getElementById('stagecraft-loader-style')) return;
    const style = document.createElement('style');
    style.id = 'stagecraft-loader-style';
    style.textContent = STYLE;
    document.head.appendChild(style);
  }

  /** The <pre> to replace and where its text is, for a matched element. */
  function blockOf(element) {
    if (element.matches('pre')) return { pre: element, source: element.querySelector('code') || element };
    if (element.matches('code')) return { pre: element.closest('pre') || element, source: element };
    const pre = element.querySelector('pre');
    return pre ? { pre, source: pre.querySelector('code') || pre, wrapper: element } : null;
  }

  /** The text without the HTML source's common indentation and trailing blank lines. */
  function dockerfileText(source) {
    const lines = source.textContent.replace(/\r\n?/g, '\n').split('\n');
    while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
    while (lines.length && !lines[0].trim()) lines.shift();
    const indents = lines.filter((l) => l.trim()).map((l) => l.match(/^[ \t]*/)[0].length);
    const cut = indents.length ? Math.min(...indents) : 0;
    return lines.map((l) => l.slice(cut)).join('\n') + '\n';
  }

  function option(element, name) {
    for (const el of [element, element.closest('pre'), element.querySelector && element.querySelector('pre')]) {
      if (el && el.dataset && el.dataset[name] !== undefined) return el.dataset[name];
    }
    return undefined;
  }

  function buildArgs(text) {
    const args = {};
    for (const pair of (text || '').split(/[,\n]/)) {
      const at = pair.indexOf('=');
      const key = (at < 0 ? pair : pair.slice(0, at)).trim();
      if (key) args[key] = at < 0 ? '' : pair.slice(at + 1).trim();
    }
    return args;
  }

  /** Raw DEFLATE, as the app's share links use; stored (uncompressed) blocks where the
   * browser has no CompressionStream: longer, but the same format. */
  async function deflateRaw(bytes) {
    if (typeof CompressionStream === 'function') {
      try {
        const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'));
        return new Uint8Array(await new Response(stream).arrayBuffer());
      } catch (_) {
        /* fall through to stored blocks */
      }
    }
    return storedDeflate(bytes);
  }

  function storedDeflate(bytes) {
    const blocks = Math.max(1, Math.ceil(bytes.length / 65535));
    const out = new Uint8Array(bytes.length + blocks * 5);
    let at = 0;
    for (let i = 0; i < blocks; i++) {
      const chunk = bytes.subarray(i * 65535, (i + 1) * 65535);
      const n = chunk.length;
      out.set([i === blocks - 1 ? 1 : 0, n & 255, n >> 8, ~n & 255, (~n >> 8) & 255], at);
      out.set(chunk, at + 5);
      at += 5 + n;
    }
    return out;
  }

  function base64url(bytes) {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  /** The share fragment of a state, as `stagecraft_share::encode` writes it. */
  async function shareFragment(state) {
    const json = new TextEncoder().encode(JSON.stringify(state));
    return 'v1.' + base64url(await deflateRaw(json));
  }

  async function embedUrl(element, text) {
    const query = new URLSearchParams({ embed: '1' });
    for (const name of PASSED) {
      const value = option(element, name);
      if (value === undefined) continue;
      // A bare boolean attribute (`data-readonly`) means on.
      query.set(name, value === '' && name === 'readonly' ? '1' : value);
    }
    const state = { dockerfile: text };
    const args = buildArgs(option(element, 'buildArgs'));
    if (Object.keys(args).length) state.build_args = args;
    const url = new URL(base);
    url.search = query.toString();
    url.hash = await shareFragment(state);
    return url.href;
  }

  function heightOf(element) {
    const height = parseInt(option(element, 'height'), 10);
    return Number.isFinite(height) ? Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, height)) : DEFAULT_HEIGHT;
  }

  function frame(url, title, height) {
    const iframe = document.createElement('iframe');
    iframe.src = url;
    iframe.title = title;
    iframe.loading = 'lazy';
    iframe.style.height = `${height}px`;
    iframe.setAttribute('allow', 'clipboard-write');
    iframe.dataset.stagecraftFrame = '';
    return iframe;
  }

  async function embed(element) {
    const block = blockOf(element);
    if (!block || block.pre.dataset[DONE] || element.dataset[DONE]) return;
    element.dataset[DONE] = '1';
    block.pre.dataset[DONE] = '1';
    const text = dockerfileText(block.source);
    const from = text.split('\n').find((l) => /^\s*FROM\s/i.test(l));
    const title = `Stagecraft playground${from ? `: ${from.trim()}` : ''}`;
    const height = heightOf(element);
    let url;
    try {
      url = await embedUrl(element, text);
    } catch (error) {
      // The block stays as it is: a readable Dockerfile beats a broken widget.
      console.warn('Stagecraft: this block could not be embedded', error);
      return;
    }
    addStyle();
    const box = document.createElement('div');
    box.className = 'stagecraft-embed';
    box.dataset.stagecraftEmbed = '';
    if (option(element, 'load') === 'click') {
      box.style.height = `${height}px`;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'stagecraft-load';
      button.setAttribute('aria-label', `Load the ${title}`);
      const preview = document.createElement('span');
      preview.className = 'stagecraft-preview';
      preview.textContent = text.split('\n').slice(0, Math.max(3, Math.floor((height - 80) / 20))).join('\n');
      const cta = document.createElement('span');
      cta.className = 'stagecraft-cta';
      cta.textContent = '▶ Load playground';
      button.append(preview, cta);
      button.addEventListener('click', () => {
        const iframe = frame(url, title, height);
        iframe.loading = 'eager';
        box.replaceChildren(iframe);
        box.style.height = '';
        iframe.focus();
      });
      box.append(button);
    } else {
      box.append(frame(url, title, height));
    }
    const anchor = block.wrapper || block.pre;
    anchor.before(box);
    anchor.hidden = true;
  }

  function scan(root) {
    const scope = root || document;
    const found = [];
    if (scope.matches && scope.matches(selector)) found.push(scope);
    found.push(...scope.querySelectorAll(selector));
    return Promise.all(found.map((el) => embed(el)));
  }

  let pending = false;
  function rescanSoon() {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      scan(document);
    }, 50);
  }

  function start() {
    scan(document);
    new MutationObserver((records) => {
      if (records.some((r) => r.addedNodes.length)) rescanSoon();
    }).observe(document.body, { childList: true, subtree: true });
  }

  window.Stagecraft = { version: 1, scan, shareFragment };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start, { once: true });
  } else {
    start();
  }
})();
