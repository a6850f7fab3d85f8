// Browser tests of the editor's stage navigation and hover cards: Ctrl+click on a stage
// use selects its `AS name`, F12 / Ctrl+B cycles through a stage's uses, occurrences of the
// name under the caret are marked, and hovering an underline shows the diagnostic's card.
// Screenshots go to target/e2e/.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MULTI_STAGE, editor, openPage, shot, useBrowser, waitForCount } from './helpers.mjs';

const env = useBrowser();

const DEF = MULTI_STAGE.indexOf('build');
const USES = [...MULTI_STAGE.matchAll(/build/g)].map((m) => m.index).filter((i) => i !== DEF && MULTI_STAGE.slice(i - 3, i) !== 'go ');

async function load(t) {
  const page = await openPage(t, env.browser, env.url);
  await editor(page).fill(MULTI_STAGE);
  await waitForCount(page, '[data-stage]', 3);
  return page;
}

const selection = (page) =>
  editor(page).evaluate((el) => [el.selectionStart, el.selectionEnd]);

/** The stage-name span of line `line` (1-based) in the highlight layer. */
const stageSpan = (page, line) => page.locator('.hl-line').nth(line - 1).locator('.tok-stage-name').first();

test('Ctrl+click on a --from value selects the stage definition', async (t) => {
  const page = await load(t);
  const span = stageSpan(page, 10);
  assert.equal(await span.textContent(), 'build');
  const box = await span.boundingBox();
  assert.ok(box, 'the --from value is on screen');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.keyboard.down('Control');
  await page.mouse.down();
  await page.mouse.up();
  await page.keyboard.up('Control');
  await page.waitForFunction(
    (def) => document.querySelector('textarea[aria-label="Dockerfile"]').selectionStart === def,
    DEF,
    { timeout: 5_000 },
  );
  assert.deepEqual(await selection(page), [DEF, DEF + 'build'.length]);
  // Every occurrence of the name under the caret is marked.
  await page.waitForFunction(() => document.querySelectorAll('.occurrence').length >= 4, null, {
    timeout: 5_000,
  });
  await page.screenshot({ path: shot('editor-go-to-definition.png') });
});

test('F12 and Ctrl+B on the definition cycle through the uses', async (t) => {
  const page = await load(t);
  assert.equal(USES.length, 3);
  await editor(page).focus();
  await editor(page).evaluate((el, at) => el.setSelectionRange(at + 2, at + 2), DEF);
  await page.keyboard.press('F12');
  assert.deepEqual(await selection(page), [USES[0], USES[0] + 5], 'first use');
  await page.keyboard.press('F12');
  assert.deepEqual(await selection(page), [DEF, DEF + 5], 'back to the definition');
  await page.keyboard.press('Control+b');
  assert.deepEqual(await selection(page), [USES[1], USES[1] + 5], 'second use');
  await page.keyboard.press('Control+b');
  await page.keyboard.press('Control+b');
  assert.deepEqual(await selection(page), [USES[2], USES[2] + 5], 'third use');
  await page.keyboard.press('F12');
  await page.keyboard.press('F12');
  assert.deepEqual(await selection(page), [USES[0], USES[0] + 5], 'wraps around');
  // The text is untouched.
  assert.equal(await editor(page).inputValue(), MULTI_STAGE);
});

test('hovering an underline shows a card with the diagnostic, Escape hides it', async (t) => {
  const page = await load(t);
  const codes = await page.locator('[data-code]').evaluateAll((els) =>
    els.filter((el) => el.tagName === 'LI').map((el) => el.dataset.code),
  );
  assert.ok(codes.length > 0, 'the example has diagnostics');
  const underline = page.locator('.hl-line [class*="squiggle-"]').first();
  const box = await underline.boundingBox();
  assert.ok(box, 'an underline is on screen');
  await page.mouse.move(box.x + Math.min(box.width / 2, 6), box.y + box.height / 2);
  const card = page.locator('.hover-card');
  await card.waitFor({ timeout: 5_000 });
  const code = await card.getAttribute('data-code');
  assert.ok(codes.includes(code), `${code} is one of ${codes}`);
  assert.equal(await card.locator('.code').textContent(), code);
  assert.ok((await card.locator('.hover-card-message').textContent()).length > 0);
  await page.screenshot({ path: shot('editor-hover-card.png') });
  // Typing is not blocked: the textarea keeps the keys, and the card goes away.
  await editor(page).focus();
  await page.mouse.move(box.x + Math.min(box.width / 2, 6), box.y + box.height / 2 + 1);
  await card.waitFor({ timeout: 5_000 });
  await page.keyboard.press('Escape');
  await card.waitFor({ state: 'detached', timeout: 5_000 });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Dockerfile');
  // Leaving with the pointer hides it too.
  await page.mouse.move(box.x + Math.min(box.width / 2, 6), box.y + box.height / 2);
  await card.waitFor({ timeout: 5_000 });
  await page.mouse.move(5, 5);
  await card.waitFor({ state: 'detached', timeout: 5_000 });
});

test('the hover card offers the one-click fix', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await editor(page).fill('FROM alpine:3.20 AS Build\nRUN echo hi\n');
  await page.locator('[data-code="StageNameCasing"]').waitFor();
  const underline = page.locator('.hl-line').first().locator('[class*="squiggle-"]').last();
  const box = await underline.boundingBox();
  assert.ok(box, 'the underline is on screen');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const card = page.locator('.hover-card[data-code="StageNameCasing"]');
  await card.waitFor({ timeout: 5_000 });
  const fix = card.getByRole('button', { name: /^Fix:/ });
  const target = await fix.boundingBox();
  assert.ok(target, 'the fix button is on screen');
  // The pointer travels straight from the underline into the card: it stays open.
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 8 });
  await page.screenshot({ path: shot('editor-hover-fix.png') });
  await fix.click();
  assert.equal(await editor(page).inputValue(), 'FROM alpine:3.20 AS build\nRUN echo hi\n');
  await waitForCount(page, '[data-code="StageNameCasing"]', 0);
  await card.waitFor({ state: 'detached', timeout: 5_000 });
});

test('near the bottom of the editor the card opens above the line, inside the editor', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  const lines = Array.from({ length: 21 }, (_, i) => `# note ${i + 1}`);
  await editor(page).fill([...lines, 'FROM alpine:3.20 AS Build', ''].join('\n'));
  await page.locator('[data-code="StageNameCasing"]').waitFor();
  const underline = page.locator('.hl-line').nth(21).locator('[class*="squiggle-"]').last();
  const box = await underline.boundingBox();
  const frame = await page.locator('.editor-frame').boundingBox();
  assert.ok(box && frame);
  assert.ok(box.y + box.height + 130 > frame.y + frame.height, 'the line is near the bottom');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const card = page.locator('.hover-card[data-code="StageNameCasing"]');
  await card.waitFor({ timeout: 5_000 });
  const cardBox = await card.boundingBox();
  assert.ok(cardBox.y + cardBox.height <= box.y + 1, 'the card is above the line');
  assert.ok(cardBox.y >= frame.y && cardBox.x + cardBox.width <= frame.x + frame.width + 1, 'inside the editor');
  await page.screenshot({ path: shot('editor-hover-above.png') });
});
