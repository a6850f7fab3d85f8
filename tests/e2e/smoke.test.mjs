// Browser smoke test: serves the release build in dist/ on 127.0.0.1, drives Debian's
// chromium with playwright-core, types Dockerfiles and checks what the page shows.
//
// Run by `cargo xtask test` (after `trunk build --release`); by hand:
//   node --test tests/e2e/
// Screenshots go to target/e2e/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const dist = path.resolve(process.env.STAGECRAFT_DIST ?? path.join(root, 'dist'));
const tools = path.resolve(process.env.STAGECRAFT_TOOLS ?? path.join(root, 'target', 'tools'));
const artifacts = path.resolve(process.env.STAGECRAFT_ARTIFACTS ?? path.join(root, 'target', 'e2e'));
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

/** A static file server for `dir` on 127.0.0.1 at a free port. */
async function serve(dir) {
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
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    fs.createReadStream(file).pipe(response);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

let server;
let url;
let context;
let userDataDir;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), `no build in ${dist}: run trunk build --release`);
  fs.mkdirSync(artifacts, { recursive: true });
  ({ server, url } = await serve(dist));
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-e2e-'));
  context = await chromium.launchPersistentContext(userDataDir, {
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
    viewport: { width: 1280, height: 860 },
  });
});

after(async () => {
  await context?.close();
  server?.close();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

/** A fresh page on the app, failing the test on any uncaught error or console error. */
async function openPage(t) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  t.after(async () => {
    await page.close();
    assert.deepEqual(problems, [], 'the page reported errors');
  });
  await page.goto(url);
  await page.getByLabel('Dockerfile').waitFor({ timeout: 20_000 });
  return page;
}

/** Replaces the editor's text by typing `text` key by key, as a person would. */
async function type(page, text) {
  const editor = page.getByLabel('Dockerfile');
  await editor.fill('');
  await editor.pressSequentially(text);
  assert.equal(await editor.inputValue(), text);
}

async function waitForCount(page, selector, count) {
  await page.waitForFunction(
    ([s, n]) => document.querySelectorAll(s).length === n,
    [selector, count],
    { timeout: 10_000 },
  ).catch(async () => {
    const found = await page.locator(selector).count();
    assert.fail(`expected ${count} ${selector}, found ${found}`);
  });
}

test('the page opens on an analyzed example', async (t) => {
  const page = await openPage(t);
  assert.equal(await page.title(), 'Stagecraft: a Dockerfile playground');
  await waitForCount(page, '[data-stage]', 3);
  const stages = page.locator('[data-stage]');
  assert.deepEqual(
    await stages.evaluateAll((els) => els.map((el) => [el.dataset.stage, el.dataset.built])),
    [['0', 'true'], ['1', 'false'], ['2', 'true']],
    'the test stage is not needed by the runtime target',
  );
  assert.match(await stages.nth(0).innerText(), /build[\s\S]*rust:1\.95/);
  assert.equal(await page.locator('[data-code].error').count(), 0);
  await page.screenshot({ path: path.join(artifacts, 'example.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(artifacts, 'example-dark.png'), fullPage: true });
});

test('typing a two-stage Dockerfile shows both stages', async (t) => {
  const page = await openPage(t);
  await type(page, 'FROM alpine:3.20 AS base\nRUN apk add curl\n\nFROM base\nCMD ["curl", "--version"]\n');
  await waitForCount(page, '[data-stage]', 2);
  const stages = page.locator('[data-stage]');
  assert.match(await stages.nth(0).innerText(), /base[\s\S]*alpine:3\.20/);
  assert.match(await stages.nth(1).innerText(), /#1[\s\S]*FROM base/);
  assert.deepEqual(
    await stages.evaluateAll((els) => els.map((el) => el.dataset.built)),
    ['true', 'true'],
  );
  await page.screenshot({ path: path.join(artifacts, 'two-stages.png'), fullPage: true });
});

test('a FROM with no image shows an error on its line, and clicking it selects it', async (t) => {
  const page = await openPage(t);
  await type(page, 'FROM alpine AS base\nRUN echo hi\nFROM\n');
  const error = page.locator('[data-code][data-line="3"].error').first();
  await error.waitFor({ timeout: 10_000 });
  assert.notEqual(await error.getAttribute('data-code'), '');
  assert.match(await error.innerText(), /^3:\d+/);
  assert.match(await page.locator('.diagnostics .summary').innerText(), /[1-9]\d* errors?/);
  await page.screenshot({ path: path.join(artifacts, 'error.png'), fullPage: true });

  await error.getByRole('button').click();
  const selection = await page.getByLabel('Dockerfile').evaluate((el) => ({
    focused: document.activeElement === el,
    start: el.selectionStart,
  }));
  assert.ok(selection.focused, 'the editor has the focus');
  const lineStart = 'FROM alpine AS base\nRUN echo hi\n'.length;
  assert.ok(selection.start >= lineStart, `selection starts on line 3 (at ${selection.start})`);

  // Fixing the line clears the error.
  await type(page, 'FROM alpine AS base\nRUN echo hi\nFROM base\n');
  await waitForCount(page, '[data-code].error', 0);
  await waitForCount(page, '[data-stage]', 2);
});
