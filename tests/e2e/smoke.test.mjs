// Browser smoke test: the release build in dist/ loads in Debian's chromium, analyses its
// example and shows the graph, the problems list and the three panels without an error.
// The full behaviour is in playground.test.mjs; shared set-up in helpers.mjs.
//
// Run by `cargo xtask test` (after `trunk build --release`); by hand:
//   node --test tests/e2e/

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { openPage, shot, type, useBrowser, waitForCount } from './helpers.mjs';

const env = useBrowser();

test('the page loads, analyses as you type and every panel renders', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  assert.equal(await page.title(), 'Stagecraft: a Dockerfile playground');
  await waitForCount(page, '[data-stage]', 2);
  await type(page, 'FROM alpine:3.20 AS base\nRUN apk add curl\n\nFROM base\nCMD ["curl", "--version"]\n');
  await waitForCount(page, '[data-stage]', 2);
  assert.deepEqual(
    await page.locator('[data-stage]').evaluateAll((els) => els.map((el) => el.dataset.built)),
    ['true', 'true'],
  );
  await page.getByRole('tab', { name: 'Image' }).click();
  await page.locator('[data-image-size-mb]').waitFor();
  await page.getByRole('tab', { name: 'Steps' }).click();
  await page.getByRole('button', { name: 'Next step' }).click();
  assert.match(await page.locator('.step-count').innerText(), /^Step 2 of/);
  await page.screenshot({ path: shot('smoke.png') });
});
