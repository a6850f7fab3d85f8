// Browser tests of the playground: serves the release build in dist/ on 127.0.0.1, drives
// Debian's chromium with playwright-core and checks what a person sees. Each test gets a
// fresh browser context (its own localStorage). Screenshots go to target/e2e/.
//
// Run by `cargo xtask test` (after `trunk build --release`); by hand:
//   node --test tests/e2e/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import {
  MULTI_STAGE,
  assertNoHorizontalOverflow,
  editor,
  loadExample,
  openPage,
  shot,
  type,
  useBrowser,
  waitForCount,
  paste,
} from './helpers.mjs';

const env = useBrowser();


test('the page opens on an analysed example with a graph', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  assert.equal(await page.title(), 'Stagecraft: a Dockerfile playground');
  await waitForCount(page, '[data-stage]', 2);
  const stages = page.locator('[data-stage]');
  assert.deepEqual(
    await stages.evaluateAll((els) => els.map((el) => [el.dataset.stage, el.dataset.built])),
    [['0', 'true'], ['1', 'true']],
  );
  assert.ok((await page.locator('[data-edge-kind="copy"]').count()) >= 1, 'a COPY --from edge');
  assert.equal(await page.locator('[data-code].error').count(), 0);
  await page.screenshot({ path: shot('example.png') });
});

test('typing a multi-stage Dockerfile shows nodes, edges and diagnostics', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await type(page, MULTI_STAGE);
  await waitForCount(page, '[data-stage]', 3);
  assert.deepEqual(
    await page.locator('[data-stage]').evaluateAll((els) => els.map((el) => el.dataset.built)),
    ['true', 'false', 'true'],
    'the test stage is not needed by the final stage',
  );
  const kinds = await page
    .locator('[data-edge-kind]')
    .evaluateAll((els) => els.map((el) => el.dataset.edgeKind));
  assert.ok(kinds.includes('from'), `FROM edges in ${kinds}`);
  assert.ok(kinds.includes('copy'), `COPY edges in ${kinds}`);
  assert.match(await page.locator('[data-stage="2"]').textContent(), /alpine/);
  assert.ok((await page.locator('.gnode.image').count()) >= 2, 'external images are nodes');

  // The COPY of a path the build stage does not have is diagnosed on its line.
  const missing = page.locator('[data-code][data-line="11"]').first();
  await missing.waitFor({ timeout: 10_000 });
  assert.match(await missing.innerText(), /missing/);
  // Underlined in the editor and marked in the gutter.
  assert.ok((await page.locator('.highlight [class*="squiggle-"]').count()) >= 1, 'an underline');
  assert.ok((await page.locator('.gutter [class*="marker-"]').count()) >= 1, 'a gutter marker');
  await page.screenshot({ path: shot('multi-stage.png') });

  // Pressing Enter on a diagnostic selects its range in the editor.
  await missing.getByRole('button').focus();
  await page.keyboard.press('Enter');
  const selection = await editor(page).evaluate((el) => ({
    focused: document.activeElement === el,
    start: el.selectionStart,
    end: el.selectionEnd,
  }));
  assert.ok(selection.focused, 'the editor has the focus');
  const line11 = MULTI_STAGE.split('\n').slice(0, 10).join('\n').length + 1;
  const line12 = MULTI_STAGE.split('\n').slice(0, 11).join('\n').length + 1;
  assert.ok(
    selection.start >= line11 && selection.end <= line12,
    `selection ${selection.start}..${selection.end} is on line 11 (${line11}..${line12})`,
  );
});

test('a FROM with no image is an error; fixing it clears the error', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await type(page, 'FROM alpine AS base\nRUN echo hi\nFROM\n');
  const error = page.locator('[data-code][data-line="3"].error').first();
  await error.waitFor({ timeout: 10_000 });
  assert.match(await error.innerText(), /^3:\d+/);
  assert.match(await page.locator('.diagnostics .summary').innerText(), /[1-9]\d* errors?/);
  await page.screenshot({ path: shot('error.png') });
  await error.getByRole('button').click();
  const start = await editor(page).evaluate((el) => el.selectionStart);
  assert.ok(start >= 'FROM alpine AS base\nRUN echo hi\n'.length, `selection at ${start}`);
  await type(page, 'FROM alpine AS base\nRUN echo hi\nFROM base\n');
  await waitForCount(page, '[data-code].error', 0);
  await waitForCount(page, '[data-stage]', 2);
});

test('stepping through a build shows the COPY --from transfer', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await page.getByRole('tab', { name: 'Steps' }).click();
  const next = page.getByRole('button', { name: 'Next step' });
  const previous = page.getByRole('button', { name: 'Previous step' });
  assert.ok(await previous.isDisabled(), 'the first step has no previous one');
  await page.getByRole('button', { name: 'Play' }).waitFor();
  let transfer = page.locator('.transfer');
  for (let i = 0; i < 20 && (await transfer.count()) === 0; i++) await next.click();
  await transfer.waitFor({ timeout: 5_000 });
  assert.match(await transfer.innerText(), /build/);
  assert.match(await transfer.innerText(), /\/out\/app/);
  assert.match(await transfer.innerText(), /MB|kB/);
  assert.match(await page.locator('.step-keyword').innerText(), /COPY/);
  // The instruction is marked in the editor; the graph lights the stage and the source.
  assert.match(await page.locator('.highlight .step-mark').first().innerText(), /COPY|--from/);
  assert.equal(await page.locator('.steps-panel .gnode.active').getAttribute('data-stage'), '1');
  assert.equal(await page.locator('.steps-panel .gnode.source').getAttribute('data-stage'), '0');
  assert.ok((await page.locator('.diff.added li').count()) >= 1, 'the diff lists the added file');
  await page.waitForTimeout(1_200); // let the transfer animation finish for the screenshot
  await page.screenshot({ path: shot('steps-transfer.png') });

  // Keys: left goes back a step, space plays.
  const count = page.locator('.step-count');
  const before = await count.innerText();
  await page.locator('.steps-panel').focus();
  await page.keyboard.press('ArrowLeft');
  assert.notEqual(await count.innerText(), before);
  await page.keyboard.press('ArrowRight');
  assert.equal(await count.innerText(), before);
  await page.keyboard.press(' ');
  await page.getByRole('button', { name: 'Pause' }).waitFor({ timeout: 2_000 });
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('button', { name: 'Play' }).waitFor();
  // A node of the small graph goes to the first step of its stage.
  await page.locator('.steps-panel [data-stage="0"]').click();
  assert.match(await count.innerText(), /^Step 1 of/);
});

test('the image panel shows size, layers, comparison, badges and files', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await loadExample(page, 'Node → distroless');
  await page.getByRole('tab', { name: 'Image' }).click();
  const size = page.locator('[data-image-size-mb]');
  await size.waitFor();
  const mb = Number(await size.getAttribute('data-image-size-mb'));
  assert.ok(mb > 50 && mb < 1000, `a plausible size: ${mb} MB`);
  assert.ok((await page.locator('.layer').count()) >= 3, 'a bar per layer');
  assert.match(await page.locator('.comparison').innerText(), /smaller than shipping/);
  assert.match(await page.locator('.badges').innerText(), /shell[\s\S]*package manager[\s\S]*user/);
  const tree = page.getByRole('tree');
  await tree.getByRole('button', { name: /^Open \/app$/ }).click();
  assert.match(await tree.innerText(), /node_modules/);
  await page.screenshot({ path: shot('image.png') });
});

test('graph nodes select their stage and move the editor to its FROM line', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await loadExample(page, 'Target pruning');
  await waitForCount(page, '[data-stage]', 5);
  assert.deepEqual(
    await page.locator('[data-stage]').evaluateAll((els) => els.map((el) => el.dataset.built)),
    ['true', 'false', 'true', 'false', 'false'],
  );
  const skipped = page.locator('[data-stage="1"]');
  assert.match((await skipped.getAttribute('aria-label')) ?? '', /skipped: not needed/);
  assert.match(await skipped.locator('title').textContent(), /skipped: not needed/);
  assert.equal(await page.locator('.gnode.target').count(), 1);
  await page.locator('[data-stage="3"]').click();
  assert.match(await page.locator('.highlight .step-mark').first().innerText(), /FROM/);
  assert.equal(await page.locator('.gnode.active').getAttribute('data-stage'), '3');
  // Keyboard: Enter on a focused node selects it too.
  await page.locator('[data-stage="4"]').focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('.gnode.active').getAttribute('data-stage'), '4');
  await page.screenshot({ path: shot('graph-target.png') });

  // Export SVG downloads the core's standalone drawing of the same graph.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export SVG' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'stages.svg');
  const svg = fs.readFileSync(await download.path(), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/data-stage="/g) ?? []).length, 5);
});

test('autosave survives a reload; an unreadable save is set aside with a notice', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  const text = 'FROM alpine:3.20 AS base\nRUN echo saved\n';
  await type(page, text);
  await page.reload();
  await editor(page).waitFor();
  assert.equal(await editor(page).inputValue(), text);

  await page.evaluate(() => localStorage.setItem('stagecraft.v1', '{"v":1,"text":'));
  await page.reload();
  await editor(page).waitFor();
  const notice = page.locator('.notice');
  await notice.waitFor();
  assert.match(await notice.innerText(), /could not be read[\s\S]*stagecraft\.v1\.unreadable/);
  assert.equal(
    await page.evaluate(() => localStorage.getItem('stagecraft.v1.unreadable')),
    '{"v":1,"text":',
  );
  await page.screenshot({ path: shot('unreadable-save.png') });
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await notice.waitFor({ state: 'detached' });
});

test('dark mode follows the system and the toggle', async (t) => {
  const page = await openPage(t, env.browser, env.url, { colorScheme: 'dark' });
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await background(), 'rgb(13, 17, 23)');
  await page.screenshot({ path: shot('dark.png') });
  await page.getByRole('tab', { name: 'Image' }).click();
  await page.screenshot({ path: shot('dark-image.png') });
  // Auto → Dark → Light: the toggle can force light on a dark system.
  const toggle = page.locator('.theme-toggle');
  await toggle.click();
  await toggle.click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  assert.equal(await background(), 'rgb(246, 248, 250)');
});

test('the editor: Tab indents, undo works, Escape leaves', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await type(page, 'FROM alpine\nRUN echo');
  await page.keyboard.press('Tab');
  assert.equal(await editor(page).inputValue(), 'FROM alpine\nRUN echo  ');
  await page.keyboard.press('Control+z');
  assert.equal(await editor(page).inputValue(), 'FROM alpine\nRUN echo');
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'tab');
});

for (const [width, height] of [
  [360, 740],
  [600, 400],
]) {
  test(`a ${width}x${height} viewport has no horizontal overflow`, async (t) => {
    const page = await openPage(t, env.browser, env.url, { viewport: { width, height } });
    await assertNoHorizontalOverflow(page, 'graph');
    await page.screenshot({ path: shot(`narrow-${width}.png`), fullPage: true });
    for (const tab of ['Image', 'Steps']) {
      await page.getByRole('tab', { name: tab }).click();
      await assertNoHorizontalOverflow(page, tab);
    }
    await page.screenshot({ path: shot(`narrow-${width}-steps.png`), fullPage: true });
  });
}

/**
 * Puts `text` in the editor as a paste does: one input event. (Playwright's fill goes
 * through execCommand('insertText'), which headless Chromium runs in time quadratic in
 * the number of lines even on a bare textarea: over 30 s for 5,000 lines.)
 */
test('a 5,000-line paste and binary junk keep the page responsive', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  const big = Array.from({ length: 1250 }, (_, i) =>
    `FROM alpine:3.20 AS s${i}\nRUN echo ${i}\nCOPY . /src\n`,
  ).join('\n');
  const started = Date.now();
  await paste(page, big);
  await page.locator('.editor-status').filter({ hasText: /Long file \(5000 lines\)/ }).waitFor();
  await page.waitForFunction(() => !document.querySelector('.tabpanel.stale'), null, { timeout: 30_000 });
  const settled = Date.now() - started;
  // A keystroke after the paste must not wait for the analysis.
  await editor(page).press('Control+End');
  const typed = Date.now();
  await page.keyboard.type('x');
  await page.waitForFunction(() => document.querySelector('textarea').value.endsWith('x'));
  const keyDone = Date.now() - typed;
  t.diagnostic(`paste to settled: ${settled} ms; a keystroke after it: ${keyDone} ms`);
  assert.ok(keyDone < 1000, `a keystroke took ${keyDone} ms`);
  assert.match(await page.locator('.editor-status').innerText(), /simulated build .* is off/);
  await waitForCount(page, '[data-stage]', 1250);
  await page.screenshot({ path: shot('big-paste.png') });

  const junk = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(((i * 7919) % 0x2ff) + 1)).join('');
  await paste(page, junk);
  await page.locator('.editor-status').filter({ hasText: /binary/ }).waitFor();
  await page.screenshot({ path: shot('binary.png') });
});

test('a panic shows the error banner, and its button copies the Dockerfile', async (t) => {
  const context = await env.browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(env.url);
  await editor(page).waitFor();
  const text = 'FROM alpine:3.20\nRUN echo keep me\n';
  await type(page, text);
  await page.goto(`${env.url}#stagecraft-test-panic`);
  await page.reload();
  const banner = page.getByRole('alert');
  await banner.waitFor({ timeout: 10_000 });
  assert.match(await banner.innerText(), /hit a bug[\s\S]*saved/);
  assert.ok(errors.some((e) => /Stagecraft crashed/.test(e)), 'the panic is logged');
  await page.screenshot({ path: shot('panic.png') });
  await banner.getByRole('button', { name: 'Copy my Dockerfile' }).click();
  await page.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), text);
});

test('the page is usable in a 600x400 iframe', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await page.setContent(
    `<!doctype html><body style="margin:0"><iframe src="${env.url}" width="600" height="400" title="Stagecraft" style="border:1px solid #888"></iframe></body>`,
  );
  const frame = page.frameLocator('iframe');
  const frameEditor = frame.getByRole('textbox', { name: 'Dockerfile' });
  await frameEditor.waitFor({ timeout: 20_000 });
  await frame.locator('[data-stage]').first().waitFor();
  const [scroll, width] = await frame
    .locator('html')
    .evaluate((el) => [el.scrollWidth, el.clientWidth]);
  assert.ok(scroll <= width, `the framed page is ${scroll}px wide in ${width}px`);
  await frameEditor.focus();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nEXPOSE 8080');
  await frame.getByRole('tab', { name: 'Image' }).click();
  await frame.locator('.badges').filter({ hasText: '8080' }).waitFor();
  await page.screenshot({ path: shot('iframe-600x400.png') });
});

test('the diagnostic under the caret is shown, with its one-click fix', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await type(page, 'FROM alpine:3.20 AS Build\nRUN echo hi\n');
  const item = page.locator('[data-code="StageNameCasing"]');
  await item.waitFor();
  await item.getByRole('button').click();
  const bar = page.locator('.at-caret');
  await bar.waitFor();
  assert.match(await bar.innerText(), /StageNameCasing/);
  await page.screenshot({ path: shot('fix.png') });
  await bar.getByRole('button', { name: /^Fix:/ }).click();
  assert.equal(await editor(page).inputValue(), 'FROM alpine:3.20 AS build\nRUN echo hi\n');
  await waitForCount(page, '[data-code="StageNameCasing"]', 0);
  // The fix is one step of the env.browser's undo.
  await editor(page).press('Control+z');
  assert.equal(await editor(page).inputValue(), 'FROM alpine:3.20 AS Build\nRUN echo hi\n');
});

test('a share link round-trips the state; a damaged one says why', async (t) => {
  const context = await env.browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(env.url);
  await editor(page).waitFor();
  await loadExample(page, 'Target pruning');
  await page.getByRole('tab', { name: 'Image' }).click();
  const text = await editor(page).inputValue();
  await page.getByRole('button', { name: 'Share' }).click();
  await page.locator('.notice').filter({ hasText: 'Share link copied' }).waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, /#v1\.[A-Za-z0-9_-]+$/);

  // A fresh env.browser (no autosave) opens the link on the same text, target and panel.
  const other = await env.browser.newContext();
  t.after(() => other.close());
  const opened = await other.newPage();
  await opened.goto(link);
  await editor(opened).waitFor();
  assert.equal(await editor(opened).inputValue(), text);
  assert.equal(await opened.getByLabel('Target stage').inputValue(), 'test');
  assert.equal(await opened.getByRole('tab', { name: 'Image' }).getAttribute('aria-selected'), 'true');
  assert.match(await opened.locator('.notice').innerText(), /shared Dockerfile/);
  assert.equal(new URL(opened.url()).hash, '', 'the fragment is dropped once loaded');

  const damaged = await other.newPage();
  await damaged.goto(`${env.url}#v1.$$$`);
  await editor(damaged).waitFor();
  assert.match(await damaged.locator('.notice').innerText(), /share link could not be opened.*damaged/);
  await damaged.screenshot({ path: shot('share-damaged.png') });
});
