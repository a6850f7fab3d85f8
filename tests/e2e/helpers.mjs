// Shared by the browser tests and the budget script: a static server for dist/ on
// 127.0.0.1, Debian's chromium through playwright-core, and page helpers.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..');
export const dist = path.resolve(process.env.STAGECRAFT_DIST ?? path.join(root, 'dist'));
const tools = path.resolve(process.env.STAGECRAFT_TOOLS ?? path.join(root, 'target', 'tools'));
export const artifacts = path.resolve(process.env.STAGECRAFT_ARTIFACTS ?? path.join(root, 'target', 'e2e'));
const chromiumPath = process.env.STAGECRAFT_CHROMIUM ?? '/usr/bin/chromium';

// playwright-core lives in target/tools (installed by `cargo xtask install`), not beside us.
const { chromium } = createRequire(path.join(tools, 'package.json'))('playwright-core');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** A static file server for `dir` on 127.0.0.1 at a free port. With `cors`, every answer
 * (404s too) lets any origin read it, as a host of exercise packs must. */
export async function serve(dir = dist, { cors = false } = {}) {
  const allow = cors ? { 'access-control-allow-origin': '*' } : {};
  const server = http.createServer((request, response) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    } catch {
      response.writeHead(400).end();
      return;
    }
    const file = path.join(dir, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain', ...allow }).end('not found');
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      ...allow,
    });
    fs.createReadStream(file).pipe(response);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

export async function launch() {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), `no build in ${dist}: run trunk build --release`);
  fs.mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * Fails the test, when it ends, if `page` (or one of its frames) threw or logged a console
 * error; `ignore` matches console errors the test provokes on purpose (a 404 it asked for).
 * Closes `context` at the end.
 */
export function failOnPageErrors(t, context, page, ignore = null) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !(ignore && ignore.test(text))) problems.push(`console error: ${text}`);
  });
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, [], 'the page reported errors');
  });
}

/**
 * A page on the app in a fresh context (its own localStorage), failing the test on any
 * uncaught error or console error (but those `ignoreConsole` matches).
 */
export async function openPage(t, browser, url, options = {}, { ignoreConsole = null } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  const page = await context.newPage();
  failOnPageErrors(t, context, page, ignoreConsole);
  await page.goto(url);
  await editor(page).waitFor({ timeout: 20_000 });
  return page;
}

export const editor = (page) => page.getByRole('textbox', { name: 'Dockerfile' });

/** Puts `text` in the editor in one input event, as a paste does. */
export async function paste(page, text) {
  await editor(page).evaluate((el, value) => {
    el.focus();
    el.value = value;
    el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, text);
}

/** Replaces the editor's text by typing `text` key by key, as a person would. */
export async function type(page, text) {
  await editor(page).fill('');
  await editor(page).pressSequentially(text);
  assert.equal(await editor(page).inputValue(), text);
}

export async function waitForCount(page, selector, count) {
  await page
    .waitForFunction(([s, n]) => document.querySelectorAll(s).length === n, [selector, count], {
      timeout: 10_000,
    })
    .catch(async () => {
      const found = await page.locator(selector).count();
      assert.fail(`expected ${count} ${selector}, found ${found}`);
    });
}

/** Fails if the page scrolls sideways. */
export async function assertNoHorizontalOverflow(page, what) {
  const [scroll, width] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    document.documentElement.clientWidth,
  ]);
  assert.ok(scroll <= width, `${what}: the page is ${scroll}px wide in a ${width}px viewport`);
}

export function shot(name) {
  return path.join(artifacts, name);
}

/** Serves dist/ and launches Chromium once for a test file, closing both after it. The
 * returned object's `browser` and `url` are set once the file's tests start. */
export function useBrowser() {
  const shared = { browser: undefined, url: undefined, server: undefined };
  before(async () => {
    ({ server: shared.server, url: shared.url } = await serve());
    shared.browser = await launch();
  });
  after(async () => {
    await shared.browser?.close();
    shared.server?.close();
  });
  return shared;
}

/** A three-stage file whose target skips the test stage and copies one missing path. */
export const MULTI_STAGE = [
  'FROM golang:1.22 AS build',
  'WORKDIR /src',
  'COPY . .',
  'RUN go build -o /out/app .',
  '',
  'FROM build AS test',
  'RUN go test ./...',
  '',
  'FROM alpine:3.20',
  'COPY --from=build /out/app /usr/local/bin/app',
  'COPY --from=build /out/missing /usr/local/bin/missing',
  'CMD ["app"]',
  '',
].join('\n');

/** Loads an example through the toolbar's gallery, by its card title, and waits for the
 * gallery to close. */
export async function loadExample(page, title) {
  await page.getByRole('button', { name: 'Examples', exact: true }).click();
  const gallery = page.getByRole('dialog', { name: 'Examples' });
  await gallery.getByRole('button', { name: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).click();
  await gallery.waitFor({ state: 'detached' });
}
