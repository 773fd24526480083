/**
 * The renderer bundle in headless Chromium, served by the `npm run web` server with the real
 * main-process handlers behind the HTTP bridge: add real clips (dialog and upload), watch them
 * go through the real worker (WAV decoding, ffmpeg for FLAC, log-mel), change settings and see
 * them persisted, open a saved job's transcript, seek and edit, export SRT through the save
 * dialog and parse it. Screenshots of each view go to test-artifacts/.
 * The settings name a model that is not installed, so that every job ends, quickly, with the
 * engine's real MODEL_NOT_FOUND error shown in place; transcribe.e2e.slow.test.ts runs the real
 * model through the same path.
 * The OS dialogs are the one stand-in (ScriptedDialogs): a headless test cannot click them. The
 * queued-cancel case holds one real audio:load call until its cancel has landed (no fake result).
 * Skipped where no Chromium is installed (.ci/run installs Debian's).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import type { WebServer } from '../../main/web/server.ts';
import { sharedPath } from '../helpers/shared.ts';
import { ScriptedDialogs, tempDir } from '../main/helpers.ts';
import { noChromium, startE2eApp, type E2eApp } from './e2e-harness.ts';
import { jfkFixtureSegments } from './fixture.ts';

const JFK = sharedPath('audio', 'jfk.wav');
const FLAC = sharedPath('audio', 'jfk-44k-stereo.flac');
const MISSING_MODEL = 'not-installed';

let app: E2eApp;
let server: WebServer;
let page: Page;
let userData: string;
const dialogs = new ScriptedDialogs();

const shot = (name: string): Promise<void> => app.shot(name);
const nav = (label: string): Promise<void> => app.nav(label);
const row = (name: string) => page.getByTestId('queue-row').filter({ hasText: name });

before(async () => {
  if (noChromium) return;
  app = await startE2eApp({
    userDataPrefix: 'slim-e2e-',
    settings: { model: MISSING_MODEL },
    dialogs,
    chromiumArgs: ['--autoplay-policy=no-user-gesture-required'],
  });
  ({ server, page, userData } = app);
});

after(async () => {
  await app?.close();
});

const skip = noChromium;

test('the page loads cross-origin isolated, on the bridge, and shows the backend', { skip }, async () => {
  await page
    .getByTestId('backend')
    .getByText(/WASM · \d+ thread/)
    .waitFor();
  const env = await page.evaluate(() => ({
    isolated: crossOriginIsolated,
    preload: 'slimWhisper' in window,
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
  }));
  assert.deepEqual([env.isolated, env.preload], [true, false]);
  assert.match(env.csp, /script-src 'self' 'wasm-unsafe-eval'/);
  await page.getByText('Drop audio or video files here').waitFor();
  await shot('01-empty-queue');
});

test(
  'files added through the dialog and by upload run through the real worker',
  { skip, timeout: 120_000 },
  async () => {
    dialogs.open.push([JFK]);
    await page.getByRole('button', { name: 'Add files…' }).click();
    await row('jfk.wav').waitFor();
    // The browser path: a picked file is uploaded, granted, and decoded by ffmpeg in "main".
    await page.getByTestId('file-input').setInputFiles(FLAC);
    await row('jfk-44k-stereo.flac').waitFor();
    await shot('02-queue-running');
    // The chosen model is not installed: the engine says so, in place, for each job.
    for (const name of ['jfk.wav', 'jfk-44k-stereo.flac']) {
      await row(name).locator('.chip.failed').waitFor({ timeout: 60_000 });
      const text = await row(name).getByRole('alert').innerText();
      assert.match(text, /MODEL_NOT_FOUND/);
      assert.match(text, new RegExp(`no installed model ${MISSING_MODEL}`));
    }
    assert.match(await row('jfk.wav').innerText(), /0:11/, 'duration shown');
    await shot('03-queue-errors');
    const jobs = await server.context.journals.list();
    assert.deepEqual(jobs.map((j) => [j.file.name, j.ended]).sort(), [
      ['jfk-44k-stereo.flac', 'failed'],
      ['jfk.wav', 'failed'],
    ]);
  },
);

test(
  'a queued file cancelled before it starts never starts; the job ahead of it ends as usual',
  { skip, timeout: 60_000 },
  async () => {
    // Without an installed model the first job ends within moments, so the second could start
    // before the click lands. Hold the first job's audio:load in the bridge (the real handler runs
    // once the cancel has happened), so that the second is surely still queued when cancelled.
    const h = server.context.handlers;
    const realLoad = h['audio:load'];
    const loaded: string[] = [];
    let entered!: () => void;
    const firstLoading = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const cancelled = new Promise<void>((resolve) => (release = resolve));
    h['audio:load'] = async (path) => {
      loaded.push(basename(path));
      if (basename(path) === 'wizard.wav') {
        entered();
        await cancelled;
      }
      return realLoad(path);
    };
    try {
      dialogs.open.push([sharedPath('audio', 'wizard.wav'), sharedPath('audio', 'horizon.wav')]);
      await page.getByRole('button', { name: 'Add files…' }).click();
      await firstLoading;
      await row('wizard.wav').locator('.chip.loading').waitFor();
      await row('horizon.wav').locator('.chip.queued').waitFor();
      await row('horizon.wav').getByRole('button', { name: 'Cancel' }).click();
      await row('horizon.wav').locator('.chip.cancelled').waitFor();
      release();
      // The first job goes on as every job in this file does: the engine's MODEL_NOT_FOUND.
      await row('wizard.wav').locator('.chip.failed').waitFor({ timeout: 60_000 });
      assert.match(await row('wizard.wav').getByRole('alert').innerText(), /MODEL_NOT_FOUND/);
      assert.equal(await row('horizon.wav').locator('.chip.cancelled').count(), 1, 'still cancelled');
      // Never started: its audio was never loaded and no job was begun for it.
      assert.deepEqual(loaded, ['wizard.wav']);
      const jobs = await server.context.journals.list();
      assert.deepEqual(
        jobs.filter((j) => /wizard|horizon/.test(j.file.name)).map((j) => [j.file.name, j.ended]),
        [['wizard.wav', 'failed']],
      );
      await row('horizon.wav').getByRole('button', { name: 'Remove horizon.wav' }).click();
      assert.equal(await row('horizon.wav').count(), 0);
    } finally {
      release();
      h['audio:load'] = realLoad;
    }
  },
);

test('a file dropped on the window is uploaded and queued', { skip, timeout: 60_000 }, async () => {
  const name = 'harvard-spk1_snt1.wav';
  const bytes = [...readFileSync(sharedPath('audio', name))];
  const drop = await page.evaluateHandle(
    ([b, n]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], n, { type: 'audio/wav' }));
      return dt;
    },
    [bytes, name] as const,
  );
  await page.dispatchEvent('.app', 'dragover', { dataTransfer: drop });
  await page.locator('.drop-overlay').waitFor();
  await shot('02b-drop-overlay');
  await page.dispatchEvent('.app', 'drop', { dataTransfer: drop });
  await page.locator('.drop-overlay').waitFor({ state: 'detached' });
  await row(name).locator('.chip.failed').waitFor({ timeout: 60_000 });
  assert.match(await row(name).getByRole('alert').innerText(), /MODEL_NOT_FOUND/);
});

test('settings change, persist in user data and survive a reload', { skip }, async () => {
  await nav('Settings');
  await page.getByLabel('Language').selectOption('de');
  await page.getByRole('radio', { name: 'Translate to English' }).click();
  await page.getByLabel('Backend').selectOption('wasm');
  await page.getByTestId('model-row').filter({ hasText: 'Whisper base (bundled, 8-bit)' }).waitFor();
  const path = join(userData, 'settings.json');
  for (let i = 0; i < 50 && !readFileSync(path, 'utf8').includes('"wasm"'); i++)
    await page.waitForTimeout(100);
  const stored = JSON.parse(readFileSync(path, 'utf8')) as {
    language: string;
    task: string;
    backend: string;
  };
  assert.deepEqual([stored.language, stored.task, stored.backend], ['de', 'translate', 'wasm']);
  await page.reload();
  await nav('Settings');
  assert.equal(await page.getByLabel('Language').inputValue(), 'de');
  assert.equal(
    await page.getByRole('radio', { name: 'Translate to English' }).getAttribute('aria-checked'),
    'true',
  );
  await page.getByTestId('backend').getByText(/WASM/).waitFor();
  await shot('04-settings');
});

test(
  'a saved job opens in the transcript view: seek by word, edit a word, search',
  { skip, timeout: 60_000 },
  async () => {
    // The journal is written through the real handlers, as a run of the engine would write it.
    const h = server.context.handlers;
    const file = { path: JFK, name: 'jfk.wav', size: readFileSync(JFK).byteLength };
    const jobId = 'fixture-jfk-0001';
    await h['jobs:begin']({
      jobId,
      file,
      durationMs: 11000,
      settings: { model: 'bundled-whisper-base', language: 'en', task: 'transcribe' },
    });
    const segs = jfkFixtureSegments();
    await h['jobs:append'](jobId, segs.slice(0, 2));
    await h['jobs:append'](jobId, segs.slice(2));
    await h['jobs:finish'](jobId, 'done');

    await page.reload();
    await page
      .getByTestId('saved-job')
      .filter({ hasText: '3 segments saved' })
      .getByRole('button', { name: 'Open' })
      .click();
    await page.getByRole('heading', { name: 'Transcript' }).waitFor();
    assert.equal(await page.getByTestId('segment').count(), 3);
    assert.equal(await page.locator('.word.low').count(), 1);
    assert.equal(await page.locator('.flag').count(), 1);

    await page.getByRole('button', { name: 'Load audio for playback' }).click();
    await page.getByTestId('player').waitFor();
    await page.waitForFunction(() => (document.querySelector('audio')?.readyState ?? 0) >= 1);
    const country = page.getByTestId('segment').nth(1).getByTestId('word').filter({ hasText: 'country' });
    await country.click();
    const t = await page.evaluate(() => document.querySelector('audio')!.currentTime);
    const expected = segs[1]!.words[4]!.startMs / 1000;
    assert.ok(Math.abs(t - expected) < 0.3, `seeked to ${t}, the word starts at ${expected}`);
    await page.evaluate(() => document.querySelector('audio')!.pause());
    await page.locator('.word.playing').filter({ hasText: 'country' }).waitFor();

    // Double-click a word, correct it: text changes, its timing stays.
    await page.getByTestId('segment').first().getByTestId('word').filter({ hasText: 'Americans' }).dblclick();
    await page.locator('input.word-edit').fill('citizens,');
    await page.locator('input.word-edit').press('Enter');
    await page.getByTestId('segment').first().getByText('citizens,').waitFor();

    // The correction is journaled (debounced), so it survives a crash too.
    for (
      let k = 0;
      k < 40 && !/citizens/.test((await server.context.journals.load(jobId)).segments[0]!.text);
      k++
    )
      await page.waitForTimeout(100);
    assert.match((await server.context.journals.load(jobId)).segments[0]!.text, /citizens/);

    await page.getByLabel('Search transcript').fill('country');
    await page.getByText('2 found').waitFor();
    assert.equal(await page.locator('.segment.match').count(), 2);
    await shot('05-transcript');
    await page.getByLabel('Search transcript').fill('');
  },
);

test(
  'export: preview per format, save SRT through the dialog, parse it',
  { skip, timeout: 30_000 },
  async () => {
    await nav('Export');
    const preview = page.getByTestId('export-preview');
    await preview.getByText('-->').first().waitFor();
    assert.match(await preview.innerText(), /citizens/);
    await page.getByRole('radio', { name: 'VTT' }).click();
    assert.match(await preview.innerText(), /^WEBVTT/);
    await page.getByRole('radio', { name: 'TXT' }).click();
    assert.match(await preview.innerText(), /ask not what your country can do for you/);
    await page.getByRole('radio', { name: 'SRT' }).click();
    await shot('06-export');

    const target = join(tempDir('slim-export-'), 'jfk.srt');
    dialogs.save.push(target);
    await page.getByRole('button', { name: 'Export SRT…' }).click();
    await page.getByText(`Last saved: ${target}`).waitFor();
    assert.ok(dialogs.calls.includes('save jfk.srt srt'));
    const cues = parseSrt(readFileSync(target, 'utf8'));
    assert.ok(cues.length >= 3, `${cues.length} cues`);
    cues.forEach((c, i) => {
      assert.equal(c.index, i + 1);
      assert.ok(c.endMs > c.startMs);
      if (i > 0) assert.ok(c.startMs >= cues[i - 1]!.endMs, 'cues do not overlap');
    });
    assert.equal(cues[0]!.startMs, 0);
    const all = cues.map((c) => c.text).join(' ');
    assert.match(all, /citizens/);
    assert.doesNotMatch(all, /Americans/);
    assert.ok(cues.at(-1)!.endMs <= 11000);
  },
);

test('no errors in the page console', { skip }, () => {
  assert.deepEqual(app.pageErrors, []);
});

function parseSrt(text: string): { index: number; startMs: number; endMs: number; text: string }[] {
  const ms = (t: string) => {
    const m = /^(\d+):(\d\d):(\d\d),(\d{3})$/.exec(t.trim());
    assert.ok(m, `bad SRT time ${t}`);
    return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
  };
  return text
    .replace(/\r\n/g, '\n')
    .trim()
    .split(/\n\n+/)
    .map((block) => {
      const [idx, times, ...lines] = block.split('\n');
      const [a, b] = times!.split(' --> ');
      return { index: Number(idx), startMs: ms(a!), endMs: ms(b!), text: lines.join(' ') };
    });
}
