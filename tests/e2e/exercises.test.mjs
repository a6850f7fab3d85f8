// Browser tests of workshop exercises: a built-in exercise from starter to solution with
// the checklist turning green, progress across reloads without touching the playground's
// own text, hints and the solution, a pack fetched from a second (CORS) server through
// `?pack=`, a pack picked from files, and malformed packs. Screenshots go to target/e2e/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { assertNoHorizontalOverflow, editor, openPage, root, serve, shot, type, useBrowser } from './helpers.mjs';

const env = useBrowser();

/** The built-in exercise's solution, read from its data file. */
function solutionOf(id) {
  const text = fs.readFileSync(path.join(root, 'crates/exercises/data/exercises', `${id}.toml`), 'utf8');
  const match = text.match(/^solution = '''\n([\s\S]*?)'''/m);
  assert.ok(match, `${id} has a solution`);
  return match[1];
}

const PACK = {
  'pack.toml': [
    'id = "e2e-pack"',
    'title = "E2E workshop"',
    'exercises = ["exercises/alpine.toml", "exercises/user.md"]',
    '',
  ].join('\n'),
  'exercises/alpine.toml': [
    'id = "use-alpine"',
    'title = "Use Alpine"',
    'instructions = "Base the image on **alpine**, see <script>alert(1)</script>."',
    "starter = '''",
    'FROM debian:12',
    "'''",
    "solution = '''",
    'FROM alpine:3.20',
    "'''",
    'hints = ["Look at `FROM`."]',
    '[[check]]',
    'kind = "final_base_in"',
    'values = ["alpine"]',
    '',
  ].join('\n'),
  'exercises/user.md': [
    '+++',
    'id = "not-root"',
    'title = "Not root"',
    "starter = '''",
    'FROM alpine:3.20',
    "'''",
    '[[check]]',
    'kind = "not_root"',
    '+++',
    '',
    'Add a `USER` so the container does not run as root.',
    '',
  ].join('\n'),
  // Broken packs, one per folder.
  'bad-toml/pack.toml': 'id = "bad"\ntitle = "Bad\nexercises = ["a.toml"]\n',
  'unknown-kind/pack.toml': 'id = "unknown"\ntitle = "Unknown"\nexercises = ["a.toml"]\n',
  'unknown-kind/a.toml': [
    'id = "a"',
    'title = "A"',
    'instructions = "x"',
    'starter = "FROM alpine\\n"',
    '[[check]]',
    'kind = "final_size_max"',
    'value = 10',
    '',
  ].join('\n'),
  'missing/pack.toml': 'id = "missing"\ntitle = "Missing"\nexercises = ["here.toml", "gone.toml"]\n',
  'missing/here.toml': 'id = "here"\ntitle = "Here"\ninstructions = "x"\nstarter = "FROM alpine\\n"\n[[check]]\nkind = "no_shell"\n',
};

let packs;
let uncorsed;
let folder;
before(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-packs-'));
  for (const [name, text] of Object.entries(PACK)) {
    fs.mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    fs.writeFileSync(path.join(folder, name), text);
  }
  packs = await serve(folder, { cors: true });
  uncorsed = await serve(folder);
});
after(() => {
  packs?.server.close();
  uncorsed?.server.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

/** A page whose failed fetches (404s, CORS) are expected: the browser logs those itself. */
const openTolerant = (t, url, options = {}) =>
  openPage(t, env.browser, url, options, { ignoreConsole: /Failed to load resource|CORS policy|net::ERR_/ });

const checks = (page) => page.locator('.exercise-panel [data-check-kind]');
const failing = (page) => page.locator('.exercise-panel [data-check-kind][data-passed="false"]');

async function openBuiltin(page, title, screenshot) {
  await page.getByRole('button', { name: 'Exercises', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Exercises' });
  if (screenshot) await page.screenshot({ path: shot(screenshot) });
  await dialog.getByRole('button', { name: new RegExp(`^${title}`) }).click();
  await dialog.waitFor({ state: 'detached' });
  await checks(page).first().waitFor({ timeout: 10_000 });
}

async function waitAllPass(page) {
  await page
    .waitForFunction(
      () =>
        document.querySelectorAll('.exercise-panel [data-check-kind]').length > 0 &&
        document.querySelectorAll('.exercise-panel [data-check-kind][data-passed="false"]').length === 0 &&
        document.querySelector('.exercise-success[data-all-pass="true"]') !== null,
      null,
      { timeout: 10_000 },
    )
    .catch(async () => {
      const left = await failing(page).allInnerTexts();
      assert.fail(`checks still failing: ${left.join(' | ')}`);
    });
}

test('a built-in exercise goes from starter to solution, the checklist turning green', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await openBuiltin(page, 'Ship a Node app on distroless', 'exercise-dialog.png');
  assert.match(await page.locator('.exercise-title').innerText(), /distroless/);
  assert.match(await editor(page).inputValue(), /^FROM node:20\n/);
  assert.equal(await page.getByRole('tab', { name: 'Exercise' }).getAttribute('aria-selected'), 'true');
  // The starter fails, each failure saying what the simulation sees.
  assert.ok((await failing(page).count()) >= 2, 'the starter fails several checks');
  const size = page.locator('[data-check-kind="final_size_mb_max"]');
  assert.equal(await size.getAttribute('data-passed'), 'false');
  assert.match(await size.innerText(), /MB/);
  assert.match(await page.locator('.exercise-verdict').innerText(), /\d of \d checks pass/);
  assert.match(await page.locator('.exercise-bar .score').innerText(), /^\d\/\d checks$/);
  await page.screenshot({ path: shot('exercise-starter.png') });

  // "Show in editor" selects the problem in the Dockerfile.
  const show = page.locator('[data-passed="false"] .link-button').first();
  if ((await show.count()) > 0) {
    await show.click();
    assert.ok(await editor(page).evaluate((el) => document.activeElement === el));
  }

  await editor(page).fill(solutionOf('node-distroless'));
  await waitAllPass(page);
  assert.match(await page.locator('.exercise-success').innerText(), /All checks pass/);
  assert.match(await page.locator('.exercise-bar .score').innerText(), /^✓ \d\/\d checks$/);
  await page.screenshot({ path: shot('exercise-passed.png') });
  // The pack list ticks it.
  await page.locator('.exercise-list summary').click();
  const item = page.locator('.exercise-list .exercise-item[aria-current="true"]');
  assert.equal(await item.getAttribute('data-passed'), 'true');
  // "Next exercise" moves on to an unsolved starter.
  await page.getByRole('button', { name: 'Next exercise ›' }).click();
  await page.waitForFunction(() => document.querySelector('.exercise-panel')?.dataset.exercise === 'go-scratch');
  assert.ok((await failing(page).count()) >= 1);
});

test('the exercise panel in the dark theme and at 360 px', async (t) => {
  const dark = await openPage(t, env.browser, `${env.url}?exercise=node-distroless`, { colorScheme: 'dark' });
  await checks(dark).first().waitFor({ timeout: 10_000 });
  await dark.getByRole('button', { name: 'Show a hint' }).click();
  await dark.screenshot({ path: shot('exercise-dark.png') });

  const narrow = await openPage(t, env.browser, `${env.url}?exercise=node-distroless`, {
    viewport: { width: 360, height: 740 },
  });
  await checks(narrow).first().waitFor({ timeout: 10_000 });
  await assertNoHorizontalOverflow(narrow, 'exercise at 360 px');
  await narrow.screenshot({ path: shot('exercise-360.png') });
  // The strip above the editor leads to the checklist, far below on a phone.
  await narrow.locator('.exercise-bar').getByRole('button', { name: 'Checklist' }).click();
  await narrow.waitForTimeout(300);
  await narrow.screenshot({ path: shot('exercise-360-checklist.png') });
  await assertNoHorizontalOverflow(narrow, 'exercise at 360 px, scrolled');
  await narrow.getByRole('button', { name: 'Exercises', exact: true }).click();
  await assertNoHorizontalOverflow(narrow, 'exercise dialog at 360 px');
  await narrow.screenshot({ path: shot('exercise-360-dialog.png') });
  // Escape closes it and gives the focus back to the toolbar's button.
  await narrow.keyboard.press('Escape');
  await narrow.getByRole('dialog', { name: 'Exercises' }).waitFor({ state: 'detached' });
  assert.equal(await narrow.evaluate(() => document.activeElement?.id), 'exercises-button');

  // A 600x400 iframe-sized frame keeps the strip, the editor and the panel usable.
  const frame = await openPage(t, env.browser, `${env.url}?exercise=cache-order`, {
    viewport: { width: 600, height: 400 },
  });
  await checks(frame).first().waitFor({ timeout: 10_000 });
  await assertNoHorizontalOverflow(frame, 'exercise at 600x400');
  await frame.screenshot({ path: shot('exercise-600x400.png') });
});

test('progress survives a reload and the playground keeps its own text', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  const mine = 'FROM alpine:3.20\nRUN echo my own playground\n';
  await type(page, mine);
  await openBuiltin(page, 'Ship a Node app on distroless');
  const attempt = 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\n';
  await editor(page).fill(attempt);
  await page.waitForFunction(() => /exercise=node-distroless/.test(location.search));
  await page.waitForTimeout(200);
  const saved = await page.evaluate(() => ({
    playground: JSON.parse(localStorage.getItem('stagecraft.v1')).text,
    progress: JSON.parse(localStorage.getItem('stagecraft.progress.v1.stagecraft-basics')),
  }));
  assert.equal(saved.playground, mine, 'the attempt never overwrites the playground save');
  assert.equal(saved.progress.exercises['node-distroless'].attempt, attempt);
  assert.equal(saved.progress.current, 'node-distroless');

  await page.reload();
  await checks(page).first().waitFor({ timeout: 10_000 });
  assert.equal(await editor(page).inputValue(), attempt, 'the attempt is back after a reload');

  await page.locator('.exercise-bar').getByRole('button', { name: 'Leave' }).click();
  assert.equal(await editor(page).inputValue(), mine);
  assert.equal(await page.locator('.exercise-panel').count(), 0);
  assert.equal(await page.getByRole('tab', { name: 'Exercise' }).count(), 0);
  assert.equal(await page.evaluate(() => location.search), '');
  await page.reload();
  assert.equal(await editor(page).inputValue(), mine, 'the playground reloads as it was');

  // Unreadable saved progress is set aside with a notice, never a crash.
  await page.evaluate(() => localStorage.setItem('stagecraft.progress.v1.stagecraft-basics', '{"v":1,'));
  await openBuiltin(page, 'Ship a Node app on distroless');
  assert.match(await page.locator('.exercise-notice').innerText(), /could not be read/);
  assert.equal(
    await page.evaluate(() => localStorage.getItem('stagecraft.progress.v1.stagecraft-basics.unreadable')),
    '{"v":1,',
  );
});

test('hints one at a time; the solution, used, keeps the attempt; export and reset', async (t) => {
  const page = await openPage(t, env.browser, `${env.url}?exercise=node-distroless`);
  await checks(page).first().waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Show a hint' }).click();
  assert.equal(await page.locator('.exercise-hints li').count(), 1);
  await page.getByRole('button', { name: /Show another hint/ }).click();
  assert.equal(await page.locator('.exercise-hints li').count(), 2);

  const attempt = 'FROM node:20\nRUN echo my attempt\n';
  await editor(page).fill(attempt);
  await page.getByRole('button', { name: 'Reveal solution' }).click();
  // Asked first, in the page (sandboxed iframes refuse confirm()).
  await page.getByRole('group', { name: 'Reveal the solution?' }).getByRole('button', { name: 'Reveal' }).click();
  const solution = solutionOf('node-distroless');
  assert.equal(await page.locator('.solution-text').innerText(), solution);
  await page.getByRole('button', { name: 'Use this solution' }).click();
  assert.equal(await editor(page).inputValue(), solution);
  await waitAllPass(page);
  await page.getByRole('button', { name: 'Back to my attempt' }).click();
  assert.equal(await editor(page).inputValue(), attempt);
  assert.ok((await failing(page).count()) >= 1);

  await page.getByRole('button', { name: 'Reset to starter' }).click();
  assert.match(await editor(page).inputValue(), /^FROM node:20\nWORKDIR/);
  await page.getByRole('button', { name: 'Back to my attempt' }).click();
  assert.equal(await editor(page).inputValue(), attempt);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export progress' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'stagecraft-progress-stagecraft-basics.json');
  const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  assert.equal(exported.pack, 'stagecraft-basics');
  assert.equal(exported.exercises['node-distroless'].hints, 2);
  assert.equal(exported.exercises['node-distroless'].passed, true);
  assert.equal(exported.exercises['node-distroless'].attempt, attempt);

  await page.getByRole('button', { name: 'Reset progress…' }).click();
  await page.getByRole('group', { name: 'Reset progress?' }).getByRole('button', { name: 'Reset progress' }).click();
  assert.match(await editor(page).inputValue(), /^FROM node:20\nWORKDIR/);
  assert.equal(await page.locator('.exercise-hints li').count(), 0);
  const after = await page.evaluate(() => JSON.parse(localStorage.getItem('stagecraft.progress.v1.stagecraft-basics')));
  assert.deepEqual(after.exercises, {});
});

test('a pack served by another origin loads through ?pack= and grades', async (t) => {
  const url = `${packs.url}pack.toml`;
  const page = await openPage(t, env.browser, `${env.url}?pack=${encodeURIComponent(url)}`);
  await checks(page).first().waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.exercise-title').innerText(), 'Use Alpine');
  // Raw HTML in the instructions is text, never markup.
  assert.match(await page.locator('.exercise-instructions').innerText(), /<script>alert\(1\)<\/script>/);
  assert.equal(await page.locator('.exercise-instructions script').count(), 0);
  assert.equal(await page.locator('.exercise-instructions strong').innerText(), 'alpine');
  assert.equal(await failing(page).count(), 1);
  await editor(page).fill('FROM alpine:3.20\n');
  await waitAllPass(page);
  // The second exercise, written as Markdown with front matter.
  await page.getByRole('button', { name: 'Next exercise ›' }).click();
  await page.waitForFunction(() => document.querySelector('.exercise-panel')?.dataset.exercise === 'not-root');
  assert.equal(await page.locator('[data-check-kind="not_root"]').getAttribute('data-passed'), 'false');
  await editor(page).fill('FROM alpine:3.20\nUSER 1000\n');
  await waitAllPass(page);
  assert.match(await page.evaluate(() => location.search), /pack=.*exercise=not-root/);
  await page.reload();
  await checks(page).first().waitFor({ timeout: 10_000 });
  assert.equal(await editor(page).inputValue(), 'FROM alpine:3.20\nUSER 1000\n', 'reload refetches and resumes');
  await page.screenshot({ path: shot('exercise-url-pack.png') });
});

test('a pack picked from files opens; a lone exercise file too', async (t) => {
  const page = await openPage(t, env.browser, env.url);
  await page.getByRole('button', { name: 'Exercises', exact: true }).click();
  await page.locator('#pack-files').setInputFiles([
    path.join(folder, 'pack.toml'),
    path.join(folder, 'exercises/alpine.toml'),
    path.join(folder, 'exercises/user.md'),
  ]);
  await checks(page).first().waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.exercise-title').innerText(), 'Use Alpine');
  assert.match(await page.locator('.exercise-count').innerText(), /1 of 2/);

  await page.getByRole('button', { name: 'Exercises', exact: true }).click();
  await page.locator('#pack-files').setInputFiles([path.join(folder, 'exercises/user.md')]);
  await page.waitForFunction(() => document.querySelector('.exercise-panel')?.dataset.exercise === 'not-root');
  assert.match(await page.locator('.exercise-count').innerText(), /1 of 1/);
});

test('malformed packs show the file and line, and leave the Dockerfile alone', async (t) => {
  const cases = [
    [`${packs.url}bad-toml/pack.toml`, /pack\.toml:2:\d+/, /string|newline|quote/i],
    [`${packs.url}unknown-kind/pack.toml`, /a\.toml:6:\d+/, /unknown check kind `final_size_max`.*final_size_mb_max/],
    [`${packs.url}missing/pack.toml`, /gone\.toml/, /404/],
    [`${packs.url}nowhere/pack.toml`, /pack\.toml/, /404/],
    [`${uncorsed.url}pack.toml`, /pack\.toml/, /CORS/],
    ['javascript:alert(1)', /./, /only http and https/],
  ];
  for (const [url, place, message] of cases) {
    const page = await openTolerant(t, `${env.url}?pack=${encodeURIComponent(url)}`);
    const before = await editor(page).inputValue();
    const error = page.locator('.exercise-error');
    await error.waitFor({ timeout: 20_000 });
    const text = await error.innerText();
    assert.match(text, place, `${url}: ${text}`);
    assert.match(text, message, `${url}: ${text}`);
    assert.equal(await editor(page).inputValue(), before, 'the Dockerfile is untouched');
    assert.equal(await page.locator('.exercise-panel').count(), 0);
    if (url.includes('unknown-kind')) {
      await page.screenshot({ path: shot('exercise-error.png') });
      const problem = page.locator('.exercise-error [data-file="a.toml"][data-line="6"]');
      assert.equal(await problem.count(), 1);
    }
    await page.getByRole('button', { name: 'Dismiss' }).click();
    assert.equal(await error.count(), 0);
  }
  // An exercise id the built-in pack does not have.
  const page = await openPage(t, env.browser, `${env.url}?exercise=no-such-thing`);
  await page.locator('.exercise-error').waitFor();
  assert.match(await page.locator('.exercise-error').innerText(), /no exercise `no-such-thing`/);
});
