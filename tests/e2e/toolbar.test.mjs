// Browser tests of the toolbar's controls: the examples gallery (keyboard, Undo), the
// build-arg editor, the build-context editor (presets, listing, errors) and the share
// link carrying the context. Screenshots in target/e2e/toolbar-*.png.
//
//   STAGECRAFT_DIST=$PWD/target/dist node --test tests/e2e/toolbar.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { assertNoHorizontalOverflow, editor, loadExample, openPage, shot, type, useBrowser, waitForCount } from './helpers.mjs';

const env = useBrowser();

const focusedExample = (page) => page.evaluate(() => document.activeElement?.dataset.exampleId ?? null);

test('the gallery opens and loads an example with the keyboard; Escape gives the focus back', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  const button = page.getByRole('button', { name: 'Examples', exact: true });
  await button.focus();
  await page.keyboard.press('Enter');
  const gallery = page.getByRole('dialog', { name: 'Examples' });
  await gallery.waitFor();
  assert.equal(await button.getAttribute('aria-expanded'), 'true');
  // The focus starts on the example on screen (the first one, Go).
  assert.equal(await focusedExample(page), 'go');
  assert.equal(await gallery.locator('.example-card[aria-current="true"]').getAttribute('data-example-id'), 'go');
  assert.ok((await gallery.getByRole('heading', { name: 'Multi-stage conversions' }).count()) === 1);
  assert.ok((await gallery.getByRole('heading', { name: 'BuildKit behaviour' }).count()) === 1);
  await page.screenshot({ path: shot('toolbar-gallery.png') });

  // Escape closes it and the focus is back on the button.
  await page.keyboard.press('Escape');
  await gallery.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Examples');

  // Arrow keys walk the cards (End, then back up), Enter loads.
  await page.keyboard.press('Enter');
  await gallery.waitFor();
  await page.keyboard.press('End');
  assert.equal(await focusedExample(page), 'args-in-from');
  await page.keyboard.press('Home');
  for (const expected of ['node', 'react', 'java']) {
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedExample(page), expected);
  }
  await page.keyboard.press('Enter');
  await gallery.waitFor({ state: 'detached' });
  assert.match(await editor(page).inputValue(), /FROM maven:3\.9-eclipse-temurin-17 AS build/);
  await waitForCount(page, '[data-stage]', 2);
  assert.match(await page.locator('[data-stage="0"]').textContent(), /maven/);
  assert.match(await page.locator('[data-stage="1"]').textContent(), /eclipse-temurin:17-jre-alpine/);
  // The Java example brings its context preset.
  assert.match(await page.locator('#open-context').innerText(), /Context: java/);
  assert.match(await page.locator('.notice').innerText(), /Loaded the example “Java: Maven → JRE”/);
  // Loading over an example as shipped loses nothing: no Undo.
  assert.equal(await page.locator('.notice').getByRole('button', { name: 'Undo' }).count(), 0);
});

test('Undo after loading an example brings the edited text back', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  const mine = 'FROM alpine:3.20\nRUN echo my own work\n';
  await type(page, mine);
  await waitForCount(page, '[data-stage]', 1);
  await loadExample(page, 'Rust → Debian slim');
  await waitForCount(page, '[data-stage]', 2);
  assert.match(await editor(page).inputValue(), /cargo build --release/);
  const notice = page.locator('.notice');
  await page.screenshot({ path: shot('toolbar-undo.png') });
  await notice.getByRole('button', { name: 'Undo' }).click();
  assert.equal(await editor(page).inputValue(), mine);
  await waitForCount(page, '[data-stage]', 1);
  assert.match(await notice.innerText(), /Restored what you had before/);
  assert.equal(await notice.getByRole('button', { name: 'Undo' }).count(), 0);
  // And the autosave holds the restored text.
  await page.reload();
  await editor(page).waitFor();
  assert.equal(await editor(page).inputValue(), mine);
});

test('the ARG editor lists declared args and a value changes the FROM', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await loadExample(page, 'Build args in FROM');
  const node = page.locator('[data-stage="0"]');
  await page.waitForFunction(() => /golang:1\.21/.test(document.querySelector('[data-stage="0"]')?.textContent ?? ''));
  await page.getByRole('button', { name: /^Build args/ }).click();
  const sheet = page.getByRole('dialog', { name: 'Build args' });
  await sheet.waitFor();
  const names = await sheet.locator('.arg-row').evaluateAll((rows) => rows.map((r) => r.dataset.arg));
  assert.deepEqual(names, ['GO_VERSION', 'VARIANT', 'APP_VERSION']);
  const version = sheet.getByLabel('GO_VERSION');
  assert.equal(await version.inputValue(), '1.21', 'the example sets it');
  assert.equal(await version.getAttribute('placeholder'), '1.22', 'the default shows as placeholder');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'build-arg-GO_VERSION', 'the first input has the focus');
  assert.match(await sheet.locator('[data-arg="APP_VERSION"]').innerText(), /build/);

  await version.fill('1.20');
  await page.waitForFunction(() => /golang:1\.20/.test(document.querySelector('[data-stage="0"]')?.textContent ?? ''));
  await sheet.getByLabel('VARIANT').pressSequentially('-alpine');
  await page.waitForFunction(() => /golang:1\.20-alpine/.test(document.querySelector('[data-stage="0"]')?.textContent ?? ''));
  // An arg nothing declares is listed as such.
  await sheet.getByLabel('New arg').fill('NOT_DECLARED=1');
  await sheet.getByLabel('New arg').press('Enter');
  await sheet.locator('.arg-row.undeclared[data-arg="NOT_DECLARED"]').waitFor();
  assert.match(await sheet.innerText(), /Not declared by any ARG/);
  assert.match(await page.getByRole('button', { name: /^Build args/ }).innerText(), /Build args \(3\)/);
  await page.screenshot({ path: shot('toolbar-args.png') });
  await sheet.getByRole('button', { name: 'Remove NOT_DECLARED' }).click();
  // Clearing the box goes back to the default.
  await sheet.getByLabel('VARIANT').fill('');
  await version.fill('');
  await page.waitForFunction(() => /golang:1\.22/.test(document.querySelector('[data-stage="0"]')?.textContent ?? ''));
  assert.match(await node.textContent(), /golang:1\.22/);
  await page.keyboard.press('Escape');
  await sheet.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'open-build-args');

  // A global ARG that no FROM uses (and no stage declares again) is called unused.
  await type(page, 'ARG NODE_ENV=production\nFROM node:20-alpine\nRUN echo $NODE_ENV\n');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByRole('button', { name: /^Build args/ }).click();
  await sheet.waitFor();
  assert.match(await sheet.locator('[data-arg="NODE_ENV"]').innerText(), /Unused: a global ARG is seen only by FROM lines/);
  await page.screenshot({ path: shot('toolbar-args-unused-dark.png') });
});

test('the context editor: presets, an edited listing, a bad line, and the share link', async (t) => {
  const context = await env.browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const problems = [];
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, []);
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(env.url);
  await editor(page).waitFor();
  const open = page.locator('#open-context');
  assert.match(await open.innerText(), /Context: go/, 'detected from the Go example');
  await open.click();
  const sheet = page.getByRole('dialog', { name: 'Build context' });
  await sheet.waitFor();
  const preset = sheet.getByLabel('Preset');
  assert.equal(await preset.inputValue(), '');
  assert.match(await preset.locator('option').first().innerText(), /Detected: go/);
  const listing = sheet.locator('#context-listing');
  assert.match(await listing.inputValue(), /^go\.sum +\d+$/m);

  // Another preset: the image changes with what `COPY . .` brings.
  await preset.selectOption('node');
  assert.match(await open.innerText(), /Context: node/);
  assert.match(await listing.inputValue(), /package\.json/);
  await preset.selectOption('');
  assert.match(await open.innerText(), /Context: go/);

  // Removing go.sum from the listing makes `COPY go.mod go.sum ./` miss a source.
  const without = (await listing.inputValue()).split('\n').filter((l) => !l.startsWith('go.sum')).join('\n');
  await listing.fill(without);
  await page.locator('[data-line][data-code]').filter({ hasText: 'go.sum' }).first().waitFor();
  assert.match(await open.innerText(), /\*/, 'marked as edited');

  // A malformed line: an error with its line number, the text stays as typed.
  const broken = `${without}\nREADME.md lots\n`;
  await listing.fill(broken);
  const error = sheet.locator('#context-listing-error');
  await error.waitFor();
  const line = broken.split('\n').indexOf('README.md lots') + 1;
  assert.equal(await error.getAttribute('data-line'), String(line));
  assert.match(await error.innerText(), new RegExp(`^Line ${line}: \x60lots\x60 is not a size`));
  assert.equal(await listing.inputValue(), broken);
  assert.equal(await listing.getAttribute('aria-invalid'), 'true');
  await page.screenshot({ path: shot('toolbar-context-error.png') });
  await listing.fill(without);
  await error.waitFor({ state: 'detached' });

  // A .dockerignore edit changes what is sent.
  const summary = sheet.locator('.context-summary');
  const before = Number(await summary.getAttribute('data-context-sent-bytes'));
  const ignore = sheet.getByLabel('.dockerignore');
  assert.match(await ignore.inputValue(), /^\.git$/m, "the preset's .dockerignore");
  await ignore.fill(`${await ignore.inputValue()}**/*.go\n`);
  await page.waitForFunction(
    (b) => Number(document.querySelector('.context-summary')?.dataset.contextSentBytes) !== b,
    before,
  );
  assert.ok(Number(await summary.getAttribute('data-context-sent-bytes')) < before, 'ignoring **/*.go as well sends less');
  await sheet.getByRole('button', { name: 'Reset to preset' }).last().click();

  // Choose java and edit its listing, then share: the link carries both.
  await preset.selectOption('java');
  const javaListing = `${await listing.inputValue()}extra/notes.txt 3KB\n`;
  await listing.fill(javaListing);
  await page.keyboard.press('Escape');
  await sheet.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Share' }).click();
  await page.locator('.notice').filter({ hasText: 'Share link copied' }).waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());

  const other = await env.browser.newContext();
  t.after(() => other.close());
  const opened = await other.newPage();
  await opened.goto(link);
  await editor(opened).waitFor();
  assert.match(await opened.locator('#open-context').innerText(), /Context: java\s*\*/);
  await opened.locator('#open-context').click();
  assert.equal(await opened.locator('#context-preset').inputValue(), 'java');
  assert.equal(await opened.locator('#context-listing').inputValue(), javaListing);
  // The autosave keeps the context across a reload too.
  await opened.reload();
  await editor(opened).waitFor();
  assert.match(await opened.locator('#open-context').innerText(), /Context: java\s*\*/);
});

test('the toolbar and its sheets at 360 px and in a 600x400 frame, light and dark', async (t) => {
  for (const [width, height, name] of [
    [360, 740, 'narrow'],
    [600, 400, 'frame'],
  ]) {
    for (const scheme of ['light', 'dark']) {
      const page = await openPage(t, env.browser, env.url, { viewport: { width, height }, colorScheme: scheme });
      await assertNoHorizontalOverflow(page, `${name} ${scheme}`);
      const bar = await page.locator('.toolbar').boundingBox();
      assert.ok(bar.width <= width, 'the toolbar fits');
      await page.screenshot({ path: shot(`toolbar-${name}-${scheme}.png`) });
      for (const [button, dialog] of [
        [/^Examples$/, 'Examples'],
        [/^Build args/, 'Build args'],
        [/^Context/, 'Build context'],
      ]) {
        await page.getByRole('button', { name: button }).click();
        const sheet = page.getByRole('dialog', { name: dialog });
        await sheet.waitFor();
        const box = await sheet.boundingBox();
        assert.ok(box.x >= 0 && box.x + box.width <= width, `${dialog} fits across at ${width}px`);
        assert.ok(box.y >= 0 && box.y + box.height <= height, `${dialog} fits down at ${height}px`);
        await assertNoHorizontalOverflow(page, `${dialog} ${name} ${scheme}`);
        await page.screenshot({ path: shot(`toolbar-${name}-${scheme}-${dialog.replace(' ', '-').toLowerCase()}.png`) });
        // A click beside the sheet closes it.
        await page.mouse.click(width - 5, height - 5);
        await sheet.waitFor({ state: 'detached' });
      }
    }
  }
});
