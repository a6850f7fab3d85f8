// Browser tests of embedding: the example host page (dist/embed-example.html) with the
// loader's embeds, read-only and click-to-load blocks, the postMessage API and its origin
// restriction (a second server is a second origin), the 600x400 layout, the autosave left
// alone, and the full app's Embed dialog. Screenshots go to target/e2e/embed-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';

import { MULTI_STAGE, editor, failOnPageErrors, openPage, serve, shot, useBrowser } from './helpers.mjs';

const env = useBrowser();
/** The same build on another port: another origin. */
let other;
before(async () => {
  other = await serve();
});
after(() => other?.server.close());

/** A share fragment, as `stagecraft_share::encode` writes it (raw DEFLATE, base64url). */
const fragment = (state) => `v1.${zlib.deflateRawSync(Buffer.from(JSON.stringify(state))).toString('base64url')}`;

const SENTINEL = '{"v":1,"text":"FROM my-own-work\\n","target":null,"build_args":""}';
const FRAMES = 'iframe[data-stagecraft-frame]';

/**
 * The example page in a fresh context whose localStorage already holds the visitor's own
 * autosave, failing the test on any error of the page or its frames.
 */
async function openHost(t, { viewport = { width: 1100, height: 900 }, colorScheme = 'light' } = {}) {
  const context = await env.browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  failOnPageErrors(t, context, page);
  // The visitor's own work, saved before any embed runs (init scripts run first).
  await context.addInitScript((saved) => {
    if (window.top === window) localStorage.setItem('stagecraft.v1', saved);
  }, SENTINEL);
  await page.goto(`${env.url}embed-example.html`);
  return page;
}

const frame = (page, index) => page.frameLocator(FRAMES).nth(index);

async function waitForCount(locator, count, what) {
  const deadline = Date.now() + 20_000;
  let found = -1;
  while (Date.now() < deadline) {
    found = await locator.count();
    if (found === count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${what}: expected ${count}, found ${found}`);
}

/** The first message the host page got (from the `after`th on) with every field of `filter`. */
async function message(page, filter, { timeout = 10_000, after = 0 } = {}) {
  const handle = await page.waitForFunction(
    ([f, n]) => (window.stagecraftMessages ?? []).slice(n).find((m) => Object.entries(f).every(([k, v]) => m[k] === v)),
    [filter, after],
    { timeout },
  );
  return handle.jsonValue();
}

const received = (page) => page.evaluate(() => window.stagecraftMessages.length);

function post(page, selector, data) {
  return page.evaluate(([s, d]) => document.querySelector(s).contentWindow.postMessage(d, '*'), [selector, data]);
}

test('two embeds on one page render and edit independently, and leave the autosave alone', async (t) => {
  const page = await openHost(t);
  await waitForCount(page.locator(FRAMES), 2, 'iframes before any click');
  const first = frame(page, 0);
  const second = frame(page, 1);
  await waitForCount(first.locator('[data-stage]'), 3, 'stages of the first embed');
  // The second shows the image first (data-panels="editor,image,graph").
  await second.locator('[data-image-size-mb]').waitFor({ timeout: 20_000 });
  // The blocks are still in the page, hidden, as the no-JavaScript fallback.
  assert.equal(await page.locator('pre[data-stagecraft][hidden]').count(), 3);
  // Both speak: each said ready and sent its analysis, named by its data-id.
  assert.equal((await message(page, { embed: 'first', type: 'analysis' })).stages, 3);
  assert.equal((await message(page, { embed: 'second', type: 'analysis' })).stages, 2);
  await page.screenshot({ path: shot('embed-example.png'), fullPage: true });

  const secondText = await editor(second).inputValue();
  await editor(first).fill('FROM alpine AS base\nRUN echo hi\n');
  await waitForCount(first.locator('[data-stage]'), 1, 'stages after the edit');
  assert.equal(await editor(second).inputValue(), secondText, 'the other embed is unchanged');
  await second.getByRole('tab', { name: 'Graph' }).click();
  await waitForCount(second.locator('[data-stage]'), 2, 'stages of the untouched embed');
  assert.equal(await second.locator('html').getAttribute('data-theme'), 'dark');
  assert.equal(await first.locator('html').getAttribute('data-theme'), null, 'auto follows the system');

  const storage = await page.evaluate(() => ({ saved: localStorage.getItem('stagecraft.v1'), theme: localStorage.getItem('stagecraft.theme') }));
  assert.deepEqual(storage, { saved: SENTINEL, theme: null }, 'embeds neither read nor write the autosave');
  assert.doesNotMatch(await editor(first).inputValue(), /my-own-work/);
});

test('a read-only embed cannot be edited and offers no fixes; an editable one does', async (t) => {
  const page = await openHost(t);
  const second = frame(page, 1);
  const textarea = editor(second);
  await textarea.waitFor({ timeout: 20_000 });
  assert.notEqual(await textarea.getAttribute('readonly'), null);
  const before = await textarea.inputValue();
  await textarea.click();
  await page.keyboard.type('RUN oops');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  assert.equal(await textarea.inputValue(), before, 'typing does nothing');
  // Still selectable, so it can be copied.
  const selected = await textarea.evaluate((el) => {
    el.select();
    return el.selectionEnd - el.selectionStart;
  });
  assert.equal(selected, before.length);
  assert.equal(await second.getByText('read-only', { exact: true }).count(), 1);

  // A fixable finding (MAINTAINER): the editable embed offers its fix, the read-only one not.
  const fixable = fragment({ dockerfile: 'FROM alpine:3.20\nMAINTAINER someone\n' });
  for (const [readonly, fixes] of [['0', 1], ['1', 0]]) {
    await page.evaluate(([src, id]) => {
      const iframe = document.createElement('iframe');
      iframe.src = src;
      iframe.id = id;
      iframe.style.cssText = 'width:700px;height:400px';
      document.body.append(iframe);
    }, [`${env.url}?embed=1&readonly=${readonly}#${fixable}`, `fix-${readonly}`]);
    const embed = page.frameLocator(`#fix-${readonly}`);
    await editor(embed).waitFor({ timeout: 20_000 });
    await embed.locator('.hl-line').nth(1).waitFor();
    await editor(embed).click({ position: { x: 80, y: 30 } });
    await embed.locator('.at-caret').waitFor({ timeout: 10_000 });
    assert.equal(await embed.locator('.at-caret').getByRole('button', { name: /^Fix:/ }).count(), fixes, `readonly=${readonly}`);
  }
});

test('click-to-load shows a light placeholder; the playground loads on Enter', async (t) => {
  const page = await openHost(t);
  await waitForCount(page.locator(FRAMES), 2, 'iframes before the click');
  const placeholder = page.getByRole('button', { name: /Load the Stagecraft playground: FROM python/ });
  await placeholder.waitFor();
  assert.match(await placeholder.innerText(), /FROM python:3\.12-slim AS deps[\s\S]*Load playground/);
  const box = page.locator('[data-stagecraft-embed]').nth(2);
  assert.equal(await box.locator('iframe').count(), 0, 'no iframe before the click');
  await box.scrollIntoViewIfNeeded();
  await box.screenshot({ path: shot('embed-click-to-load.png') });

  await placeholder.focus();
  await page.keyboard.press('Enter');
  await waitForCount(page.locator(FRAMES), 3, 'iframes after Enter');
  const third = frame(page, 2);
  await waitForCount(third.locator('[data-stage]'), 2, 'stages of the loaded embed');
  // panels=graph,steps: no editor, two tabs.
  assert.equal(await editor(third).count(), 0);
  assert.deepEqual(await third.getByRole('tab').allInnerTexts(), ['Graph', 'Steps']);
  await box.screenshot({ path: shot('embed-click-loaded.png') });
});

test('the postMessage API: set, analysis event, get, errors for malformed messages', async (t) => {
  const page = await openHost(t);
  await message(page, { embed: 'first', type: 'analysis' }, { timeout: 20_000 });
  const ready = await message(page, { embed: 'first', type: 'ready' });
  assert.equal(ready.protocol, 1);

  // The page's own control: its textarea's Dockerfile (build, runtime, debug) to the first embed.
  let after = await received(page);
  await page.getByRole('button', { name: 'Send to the first embed' }).click();
  const analysis = await message(page, { embed: 'first', type: 'analysis' }, { after });
  assert.deepEqual(analysis.stageNames, ['build', 'runtime', 'debug']);
  assert.equal(typeof analysis.imageSizeMb, 'number');
  await page.getByText('first · analysis: 3 stages').first().waitFor();

  // Set by script: a four-stage file, a target and an arg.
  const four = `${MULTI_STAGE}FROM scratch AS extra\n`;
  after = await received(page);
  await post(page, FRAMES, { stagecraft: 1, type: 'set', dockerfile: four, target: 'test', buildArgs: { MODE: 'ci' } });
  const fourStages = await message(page, { embed: 'first', type: 'analysis' }, { after });
  assert.equal(fourStages.stages, 4);
  assert.equal(fourStages.target, 'test');
  assert.equal(await editor(frame(page, 0)).inputValue(), four, 'the embed shows what the host set');

  await post(page, FRAMES, { stagecraft: 1, type: 'get', id: 'q-42' });
  const state = await message(page, { embed: 'first', type: 'state', id: 'q-42' });
  assert.equal(state.dockerfile, four);
  assert.equal(state.target, 'test');
  assert.deepEqual(state.buildArgs, { MODE: 'ci' });

  // JSON text is read too; junk gets a reason, never an evaluation.
  await post(page, FRAMES, JSON.stringify({ stagecraft: 1, type: 'get', id: 7 }));
  await message(page, { type: 'state', id: 7 });
  await post(page, FRAMES, { stagecraft: 1, type: 'set', id: 'bad', dockerfile: 5 });
  assert.match((await message(page, { type: 'error', id: 'bad' })).reason, /`dockerfile` must be a string/);
  await post(page, FRAMES, { stagecraft: 2, type: 'get', id: 'v2' });
  assert.match((await message(page, { type: 'error', id: 'v2' })).reason, /version 1, not 2/);
  await post(page, FRAMES, { stagecraft: 1, type: 'eval', id: 'e', code: 'alert(1)' });
  assert.match((await message(page, { type: 'error', id: 'e' })).reason, /unknown message type `eval`/);
  // Too big to read: refused unparsed, the reply still names the request.
  await post(page, FRAMES, { stagecraft: 1, type: 'set', id: 'big', dockerfile: 'RUN x\n'.repeat(100_000) });
  const big = await message(page, { type: 'error', id: 'big' });
  assert.match(big.reason, /the message is \d+ bytes; the limit is/);
  assert.equal(big.request, 'set');
  // Other scripts' messages get no reply at all.
  const before = await page.evaluate(() => window.stagecraftMessages.length);
  await post(page, FRAMES, { type: 'get', id: 'not-ours' });
  await post(page, FRAMES, 'hello');
  await page.waitForTimeout(500);
  const replies = await page.evaluate((n) => window.stagecraftMessages.slice(n).filter((m) => m.type !== 'step'), before);
  assert.deepEqual(replies, []);
  await page.screenshot({ path: shot('embed-host-api.png') });
});

test('origin= restricts who may drive an embed and where its events go', async (t) => {
  const page = await openHost(t);
  const hostOrigin = new URL(env.url).origin;
  const state = fragment({ dockerfile: 'FROM alpine AS a\nFROM a\n' });
  // Embeds served from the second origin, framed by the example page at the first.
  await page.evaluate(([allowedSrc, deniedSrc]) => {
    for (const [id, src] of [['allowed', allowedSrc], ['denied', deniedSrc]]) {
      const iframe = document.createElement('iframe');
      iframe.id = id;
      iframe.src = src;
      iframe.style.cssText = 'width:600px;height:400px';
      document.body.append(iframe);
    }
  }, [
    `${other.url}?embed=1&id=allowed&origin=${encodeURIComponent(hostOrigin)}#${state}`,
    `${other.url}?embed=1&id=denied&origin=${encodeURIComponent('https://docs.example.com')}#${state}`,
  ]);
  assert.equal((await message(page, { embed: 'allowed', type: 'analysis' }, { timeout: 20_000 })).stages, 2);
  const denied = page.frameLocator('#denied');
  await waitForCount(denied.locator('[data-stage]'), 2, 'the denied embed still works for its visitor');

  for (const id of ['allowed', 'denied']) {
    await post(page, `#${id}`, { stagecraft: 1, type: 'set', dockerfile: 'FROM busybox\n' });
    await post(page, `#${id}`, { stagecraft: 1, type: 'get', id: `get-${id}` });
  }
  assert.equal((await message(page, { type: 'state', id: 'get-allowed' })).dockerfile, 'FROM busybox\n');
  await page.waitForTimeout(800);
  const heard = await page.evaluate(() => window.stagecraftMessages.filter((m) => m.embed === 'denied').length);
  assert.equal(heard, 0, 'nothing from the embed that allows another origin');
  assert.equal(await editor(denied).inputValue(), 'FROM alpine AS a\nFROM a\n', 'its text is untouched');
});

test('an embed in a 600x400 frame is usable; bad parameters leave a note, not a blank page', async (t) => {
  const context = await env.browser.newContext({ viewport: { width: 600, height: 400 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const state = fragment({ dockerfile: MULTI_STAGE });
  for (const [name, query, scheme] of [
    ['embed-600x400.png', 'embed=1&panels=editor,graph,steps', 'light'],
    ['embed-600x400-dark.png', 'embed=1&theme=dark&panels=editor,problems,graph', 'light'],
    ['embed-600x400-notes.png', 'embed=1&theme=pink&panels=editor,graph,chart&height=5', 'dark'],
  ]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${env.url}?${query}#${state}`);
    await editor(page).waitFor({ timeout: 20_000 });
    await waitForCount(page.locator('[data-stage]'), 3, name);
    const fits = await page.evaluate(() => {
      const inside = (selector) => {
        const r = document.querySelector(selector)?.getBoundingClientRect();
        return r ? r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight + 0.5 && r.right <= innerWidth + 0.5 && r.width > 100 : false;
      };
      return {
        scroll: document.documentElement.scrollWidth <= innerWidth && document.documentElement.scrollHeight <= innerHeight,
        editor: inside('.editor-frame'),
        graph: inside('.embed-right'),
        link: inside('.embed-open'),
      };
    });
    assert.deepEqual(fits, { scroll: true, editor: true, graph: true, link: true }, name);
    assert.equal(await page.locator('.toolbar').count(), 0, 'no toolbar');
    await page.screenshot({ path: shot(name) });
  }
  const note = page.locator('.embed-note');
  assert.match(await note.innerText(), /pink[\s\S]*chart[\s\S]*height/);
  await note.getByRole('button', { name: 'Dismiss the note' }).click();
  await note.waitFor({ state: 'detached' });

  // "Open in Stagecraft": a new tab with the full app and the same state.
  const link = page.getByRole('link', { name: /Open in Stagecraft/ });
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal(await link.getAttribute('rel'), 'noopener');
  const href = await link.getAttribute('href');
  assert.doesNotMatch(href, /embed=1/);
  const full = await context.newPage();
  await full.goto(href);
  await editor(full).waitFor({ timeout: 20_000 });
  assert.equal(await editor(full).inputValue(), MULTI_STAGE);
  assert.equal(await full.locator('.toolbar').count(), 1);

  // 360 px wide and tall: the panes stack.
  await page.setViewportSize({ width: 360, height: 640 });
  await page.goto(`${env.url}?embed=1#${state}`);
  await waitForCount(page.locator('[data-stage]'), 3, '360 wide');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'no sideways scroll');
  await page.screenshot({ path: shot('embed-360.png') });
  assert.deepEqual(errors, []);
});

test('the Embed dialog writes snippets for the current state with a live preview', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await editor(page).fill(MULTI_STAGE);
  const button = page.getByRole('button', { name: 'Embed', exact: true });
  await button.click();
  const dialog = page.getByRole('dialog', { name: 'Embed this Dockerfile' });
  await dialog.waitFor();
  const snippet = (id) => dialog.locator(`textarea[data-snippet="${id}"]`);
  assert.match(await snippet('iframe').inputValue(), /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed=1#v1\./);
  assert.match(await snippet('loader').inputValue(), /<script src="http:\/\/127\.0\.0\.1:\d+\/loader\.js" defer><\/script>\n<pre data-stagecraft>\nFROM golang:1\.22 AS build/);
  assert.match(await snippet('markdown').inputValue(), /^\[Open this Dockerfile in Stagecraft\]\(http:\/\/127\.0\.0\.1:\d+\/#v1\./);

  await dialog.getByLabel('Read-only').check();
  await dialog.getByLabel('Steps').check();
  await dialog.getByLabel('Click to load (loader)').check();
  assert.match(await snippet('iframe').inputValue(), /panels=editor,graph,steps&amp;readonly=1/);
  assert.match(await snippet('loader').inputValue(), /data-panels="editor,graph,steps" data-readonly data-load="click"/);
  const preview = dialog.frameLocator('iframe[title="Preview of the embed"]');
  await editor(preview).waitFor({ timeout: 20_000 });
  assert.notEqual(await editor(preview).getAttribute('readonly'), null);
  assert.equal(await editor(preview).inputValue(), MULTI_STAGE);
  await waitForCount(preview.getByRole('tab'), 2, 'preview tabs');
  await page.screenshot({ path: shot('embed-dialog.png') });

  // The pasted snippet works: the loader snippet in a page of its own.
  const loaderSnippet = await snippet('loader').inputValue();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Embed', 'the focus is back');
  assert.equal(await page.evaluate(() => localStorage.getItem('stagecraft.v1') !== null), true, 'the app still autosaves');

  const docs = await page.context().newPage();
  await docs.goto(`${env.url}loader.js`);
  await docs.setContent(`<!doctype html><h1>Docs</h1>${loaderSnippet}`);
  await docs.getByRole('button', { name: /Load the Stagecraft playground/ }).click();
  const embedded = docs.frameLocator(FRAMES);
  await waitForCount(embedded.locator('[data-stage]'), 3, 'stages in the pasted snippet');
  assert.equal(await editor(embedded).inputValue(), MULTI_STAGE);
  await docs.close();
});

test('dark theme dialog at 360 px', async (t) => {
  const page = await openPage(t, env.browser, env.url, { viewport: { width: 360, height: 740 }, colorScheme: 'dark' });
  await page.getByRole('button', { name: 'Embed', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Embed this Dockerfile' });
  await dialog.waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'no sideways scroll');
  await page.screenshot({ path: shot('embed-dialog-360-dark.png') });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'hidden' });
});

test('step=auto plays the step-through and tells the host', async (t) => {
  const page = await openHost(t);
  const state = fragment({ dockerfile: 'FROM alpine:3.20 AS a\nRUN echo one\nRUN echo two\nFROM a\nRUN echo three\n' });
  await page.evaluate((src) => {
    const iframe = document.createElement('iframe');
    iframe.id = 'player';
    iframe.src = src;
    iframe.style.cssText = 'width:600px;height:400px';
    document.body.append(iframe);
  }, `${env.url}?embed=1&id=player&step=auto#${state}`);
  const player = page.frameLocator('#player');
  await player.getByRole('button', { name: 'Pause' }).waitFor({ timeout: 20_000 });
  const moved = await message(page, { embed: 'player', type: 'step', step: 1 }, { timeout: 10_000 });
  assert.equal(moved.playing, true);
  assert.ok(moved.total >= 4, `${moved.total} steps`);
});

test('without CompressionStream the loader writes stored DEFLATE blocks the app still reads', async (t) => {
  const context = await env.browser.newContext({ viewport: { width: 1000, height: 900 } });
  t.after(() => context.close());
  // Only the host page loses it (older browsers); the app does not use it.
  await context.addInitScript(() => {
    if (window.top === window) delete window.CompressionStream;
  });
  const page = await context.newPage();
  await page.goto(`${env.url}embed-example.html`);
  const first = frame(page, 0);
  await waitForCount(first.locator('[data-stage]'), 3, 'stages from a stored-block fragment');
  const src = await page.locator(FRAMES).first().getAttribute('src');
  const payload = Buffer.from(src.split('#v1.')[1], 'base64url');
  assert.equal(payload[0] & 0b110, 0, 'a stored block (BTYPE 00)');
  assert.match(JSON.parse(zlib.inflateRawSync(payload)).dockerfile, /^FROM golang:1\.22 AS build\n/);
});
