// Browser tests of the step-through (issue #4): keys, speed, the stage's filesystem at a
// step with the step's changes marked, and the COPY --from journey (with and without
// reduced motion). Screenshots in light, dark and 360 px go to target/e2e/steps-*.png.
//
//   STAGECRAFT_DIST=$PWD/target/dist-NAME node --test tests/e2e/steps.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  assertNoHorizontalOverflow,
  editor,
  openPage,
  shot,
  useBrowser,
  paste,
} from './helpers.mjs';

const env = useBrowser();

/** Two stages: a Node build that deletes its sources, and a scratch stage that takes a
 * binary from an external image and the app from the first stage. */
const TWO_STAGES = [
  'FROM node:20-alpine AS build',
  'WORKDIR /app',
  'COPY . .',
  'RUN rm -rf src',
  '',
  'FROM scratch',
  'COPY --from=busybox:1.36 /bin/busybox /bin/busybox',
  'COPY --from=build /app /app',
  'CMD ["/bin/busybox"]',
  '',
].join('\n');

async function openSteps(t, text, options = {}) {
  const page = await openPage(t, env.browser, env.url, options);
  if (options.reducedMotion) await page.emulateMedia({ reducedMotion: options.reducedMotion });
  await paste(page, text);
  await page.getByRole('tab', { name: 'Steps' }).click();
  await page.locator('.steps-panel').waitFor();
  return page;
}

const stepNumber = async (page) =>
  Number((await page.locator('.step-count').innerText()).match(/^Step (\d+) of/)[1]);

/** Goes forward until the step card shows `line`. */
async function goToLine(page, line) {
  const next = page.getByRole('button', { name: 'Next step' });
  for (let i = 0; i < 40; i++) {
    if ((await page.locator('.step-where').innerText()).includes(`line ${line} `)) return;
    await next.click();
  }
  assert.fail(`no step for line ${line}`);
}

test('arrows, Home, End and space drive the player; the editor and the scrubber keep their keys', async (t) => {
  const page = await openSteps(t, TWO_STAGES);
  const total = Number((await page.locator('.step-count').innerText()).match(/of (\d+)/)[1]);
  assert.equal(total, 8);
  await page.locator('.steps-panel').focus();
  await page.keyboard.press('End');
  assert.equal(await stepNumber(page), total);
  await page.keyboard.press('Home');
  assert.equal(await stepNumber(page), 1);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await stepNumber(page), 3);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await stepNumber(page), 2);
  // Each step marks its instruction in the editor.
  assert.match(await page.locator('.highlight .step-mark').first().innerText(), /WORKDIR/);

  // Space plays and pauses; the Play button keeps the focus as it turns into Pause.
  await page.keyboard.press(' ');
  await page.getByRole('button', { name: 'Pause' }).waitFor({ timeout: 2_000 });
  await page.keyboard.press(' ');
  await page.getByRole('button', { name: 'Play' }).waitFor({ timeout: 2_000 });
  await page.getByRole('button', { name: 'Play' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Pause');
  await page.keyboard.press('ArrowRight'); // stepping by hand stops the player
  await page.getByRole('button', { name: 'Play' }).waitFor({ timeout: 2_000 });

  // The scrubber moves one step per arrow (its own key, not taken twice).
  await page.keyboard.press('Home');
  await page.getByRole('slider', { name: 'Step' }).focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await stepNumber(page), 2);
  await page.keyboard.press('End');
  assert.equal(await stepNumber(page), total);

  // In the editor the arrows and Home move the caret, not the step.
  await page.keyboard.press('Home');
  await editor(page).focus();
  await editor(page).evaluate((el) => el.setSelectionRange(5, 5));
  await page.keyboard.press('ArrowLeft');
  assert.equal(await editor(page).evaluate((el) => el.selectionStart), 4);
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowRight');
  assert.equal(await stepNumber(page), 1);
});

test('a faster speed steps faster', async (t) => {
  const long = ['FROM alpine:3.20', ...Array.from({ length: 40 }, (_, i) => `RUN echo ${i} > /tmp/f${i}`)].join('\n');
  const page = await openSteps(t, `${long}\n`);
  const speed = page.getByRole('group', { name: 'Speed' });
  assert.equal(await speed.getByRole('button', { name: '1×' }).getAttribute('aria-pressed'), 'true');

  /** Steps the player advances in `ms` at the current speed. */
  async function advance(ms) {
    await page.keyboard.press('Home');
    await page.getByRole('button', { name: 'Play' }).click();
    const start = await stepNumber(page);
    await page.waitForTimeout(ms);
    const end = await stepNumber(page);
    await page.getByRole('button', { name: 'Pause' }).click();
    return end - start;
  }
  await page.locator('.steps-panel').focus();
  const normal = await advance(2_400);
  await speed.getByRole('button', { name: '4×' }).click();
  assert.equal(await speed.getByRole('button', { name: '4×' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await speed.getByRole('button', { name: '1×' }).getAttribute('aria-pressed'), 'false');
  const fast = await advance(2_400);
  t.diagnostic(`steps in 2.4 s: ${normal} at 1×, ${fast} at 4×`);
  assert.ok(normal >= 1 && normal <= 3, `1× advanced ${normal} steps`);
  assert.ok(fast >= 2 * normal + 2, `4× advanced ${fast} steps against ${normal} at 1×`);
});

test('the filesystem at a step marks what the step added and strikes out what it removed', async (t) => {
  const page = await openSteps(t, TWO_STAGES);
  await goToLine(page, 3); // COPY . .
  const tree = page.locator('.fs-tree');
  await tree.waitFor();
  assert.match(await page.locator('.fs-heading').innerText(), /Filesystem of build after this step/);
  // The step added /app/src/…: its directory opened by itself, marked as added.
  const src = tree.locator('[data-path="/app/src"]');
  assert.equal(await src.getAttribute('data-mark'), 'added');
  assert.equal(await src.getByRole('button').getAttribute('aria-expanded'), 'true');
  assert.ok((await tree.locator('[data-mark="added"]').count()) > 5);
  // Paths the step did not touch are there too, unmarked (the base image's /etc).
  const etc = tree.locator('[data-path="/etc"]');
  assert.equal(await etc.getAttribute('data-mark'), '');
  assert.equal(await etc.getByRole('button').getAttribute('aria-expanded'), 'false');
  await etc.getByRole('button', { name: 'Open /etc' }).click();
  assert.ok((await tree.locator('[data-path^="/etc/"]').count()) >= 1, '/etc opens');
  await page.screenshot({ path: shot('steps-fs-added.png') });

  await page.getByRole('button', { name: 'Next step' }).click(); // RUN rm -rf src
  const removed = tree.locator('[data-path="/app/src"]');
  await removed.waitFor();
  assert.equal(await removed.getAttribute('data-mark'), 'removed');
  assert.equal(await removed.locator('del').count(), 1, 'a removed path is struck through');
  assert.match(await page.locator('.fs-heading').innerText(), /\d+ paths/);
  await page.locator('.fs-view').screenshot({ path: shot('steps-fs-removed.png') });

  await page.getByRole('button', { name: 'Next step' }).click(); // FROM scratch
  assert.match(await page.locator('.fs-view').innerText(), /Empty: nothing in this filesystem yet/);
  assert.equal(await tree.locator('[data-path]').count(), 0);
});

/** The chips over the graph: label, running animations and x position of each. */
const chipState = (page) =>
  page.locator('.transfer-overlay .chip').evaluateAll((chips) =>
    chips.map((c) => ({
      label: c.dataset.chip,
      running: c.getAnimations().filter((a) => a.playState === 'running').length,
      x: c.getBoundingClientRect().x,
    })),
  );

/** Animations running in the overlay (finished ones that hold their end state do not count). */
const overlayAnimations = (page) =>
  page.evaluate(
    () =>
      document
        .getAnimations()
        .filter((a) => a.playState === 'running' && a.effect?.target?.closest?.('.transfer-overlay')).length,
  );

/**
 * Polls `probe` until `ok` holds of its value or `ms` pass, and returns the last value: the
 * animations run on the page's clock, which a loaded machine (CI) slows down.
 */
async function eventually(probe, ok, ms = 5_000) {
  const end = Date.now() + ms;
  let value = await probe();
  while (!ok(value) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 40));
    value = await probe();
  }
  return value;
}

const allRunning = (chips) => chips.length > 0 && chips.every((c) => c.running === 1);

test('a COPY --from step sends file chips along the edge, and again when stepped onto', async (t) => {
  const page = await openSteps(t, TWO_STAGES);
  await goToLine(page, 8); // COPY --from=build /app /app
  const first = await eventually(() => chipState(page), allRunning);
  assert.equal(first.length, 5, `four chips and "+N more": ${JSON.stringify(first)}`);
  assert.match(first[4].label, /^\+\d+ more$/);
  assert.ok(allRunning(first), 'every chip is on its way');
  const later = await eventually(() => chipState(page), (c) => c[0]?.x > first[0].x + 5, 2_000);
  assert.ok(later[0].x > first[0].x + 5, `the first chip moves right: ${first[0].x} → ${later[0].x}`);
  await page.locator('.steps-graph').screenshot({ path: shot('steps-copy-from-moving.png'), animations: 'allow' });
  // The box beside lists the copied paths with their bytes.
  const transfer = page.locator('.transfer');
  assert.match(await transfer.innerText(), /build[\s\S]*stage 1/);
  assert.match(await transfer.innerText(), /Copied\s+\/app\s+→\s+(to\s+)?\d+ paths under \/app/);
  assert.match(await transfer.locator('.landed').innerText(), /\/app\/[\s\S]*(kB|B)/);
  assert.equal(await eventually(() => overlayAnimations(page), (n) => n === 0), 0, 'the journey ends');
  const arrival = page.locator('.transfer-overlay .arrival');
  assert.match(await arrival.getAttribute('data-arrived'), /^\d+ paths$/);
  assert.equal(await arrival.evaluate((el) => getComputedStyle(el).opacity), '1');
  await page.screenshot({ path: shot('steps-copy-from.png') });

  // Back and forth: the journey starts again.
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowRight');
  assert.ok(allRunning(await eventually(() => chipState(page), allRunning)), 'moving again');

  // An external image is the source of its own COPY --from.
  await page.keyboard.press('ArrowLeft');
  const labels = () => chipState(page).then((chips) => chips.map((c) => c.label).join());
  assert.equal(await eventually(labels, (l) => l === 'busybox'), 'busybox');
  assert.match(await transfer.locator('.transfer-end.from').innerText(), /busybox:1\.36/);
  const arrived = () => arrival.getAttribute('data-arrived');
  assert.equal(await eventually(arrived, (a) => a === 'busybox'), 'busybox');
  await page.locator('.steps-graph').screenshot({ path: shot('steps-copy-from-image.png') });
});

test('with reduced motion nothing travels: what arrived waits at the destination', async (t) => {
  const page = await openSteps(t, TWO_STAGES, { reducedMotion: 'reduce' });
  await goToLine(page, 8);
  const arrival = page.locator('.transfer-overlay .arrival');
  await arrival.waitFor();
  assert.equal(await overlayAnimations(page), 0, 'no animation in the overlay');
  assert.equal(await page.locator('.transfer-overlay .chip').first().isVisible(), false);
  assert.equal(await arrival.evaluate((el) => getComputedStyle(el).opacity), '1');
  // It sits by the destination stage's node, and stays there.
  const target = await page.locator('.steps-panel [data-stage="1"]').boundingBox();
  const at = await arrival.boundingBox();
  assert.ok(Math.abs(at.x + at.width - target.x) < 20, `badge ends at ${at.x + at.width}, node at ${target.x}`);
  await page.waitForTimeout(300);
  assert.deepEqual(await arrival.boundingBox(), at);
  await page.locator('.steps-graph').screenshot({ path: shot('steps-reduced-motion.png') });
});

for (const [name, options] of [
  ['light', { colorScheme: 'light' }],
  ['dark', { colorScheme: 'dark' }],
  ['360', { colorScheme: 'light', viewport: { width: 360, height: 740 } }],
  ['iframe', { colorScheme: 'dark', viewport: { width: 600, height: 400 } }],
]) {
  test(`the steps panel in ${name}`, async (t) => {
    const page = await openSteps(t, TWO_STAGES, options);
    await goToLine(page, 8);
    await page.waitForTimeout(1_300);
    await assertNoHorizontalOverflow(page, `steps ${name}`);
    await page.screenshot({ path: shot(`steps-${name}.png`), fullPage: name === '360' });
  });
}
