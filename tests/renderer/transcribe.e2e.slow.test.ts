/**
 * The whole user path with the real engine, in headless Chromium: the built renderer and worker
 * served by the `npm run web` server with the real main-process handlers behind the bridge; a
 * real clip added through the file chooser (uploaded, as a browser does); the real base model's
 * files served by models:files/models:read, parsed, converted to Slim and packed in the worker;
 * the encoder on onnxruntime-web WASM, the decoder on the WASM kernels; the transcript shown;
 * a word corrected inline; SRT exported through the (scripted) save dialog and parsed with the
 * `subtitle` package. Screenshots of each view go to test-artifacts/.
 * The OS dialogs are the one stand-in (ScriptedDialogs): a headless test cannot click them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parseSync, type NodeCue } from 'subtitle';
import { sharedPath } from '../helpers/shared.ts';
import { ScriptedDialogs, tempDir } from '../main/helpers.ts';
import { ARTIFACTS, noChromium, startE2eApp, words, type E2eApp } from './e2e-harness.ts';

const JFK = sharedPath('audio', 'jfk.wav');

let app: E2eApp;
let page: Page;
const dialogs = new ScriptedDialogs();

const shot = (name: string): Promise<void> => app.shot(name);
const nav = (label: string): Promise<void> => app.nav(label);

before(async () => {
  if (noChromium) return;
  app = await startE2eApp({
    userDataPrefix: 'slim-e2e-real-',
    // WASM by name: the test machine's WebGPU (if any) must not change what is measured here.
    settings: { backend: 'wasm', language: 'en' },
    dialogs,
    chromiumArgs: ['--autoplay-policy=no-user-gesture-required'],
  });
  page = app.page;
});

after(async () => {
  await app?.close();
});

test(
  'jfk.wav through the file chooser: the real base model on WASM transcribes it in the worker',
  { skip: noChromium, timeout: 240_000 },
  async () => {
    await page
      .getByTestId('backend')
      .getByText(/WASM · \d+ thread/)
      .waitFor();
    await page.getByTestId('file-input').setInputFiles(JFK);
    const row = page.getByTestId('queue-row').filter({ hasText: 'jfk.wav' });
    await row.waitFor();
    await page
      .getByTestId('engine-status')
      .getByText(/Loading the model/)
      .waitFor({ timeout: 60_000 });
    await shot('10-real-loading-model');
    await row.locator('.chip.done').waitFor({ timeout: 220_000 });
    await page
      .getByTestId('engine-status')
      .getByText(/Slim decoder on WASM kernels/)
      .waitFor();
    await shot('11-real-queue-done');

    await page
      .getByTestId('queue-row')
      .filter({ hasText: 'jfk.wav' })
      .getByRole('button', { name: 'Open' })
      .click();
    await page.getByRole('heading', { name: 'Transcript' }).waitFor();
    const text = await page.getByTestId('segment').allInnerTexts();
    assert.match(words(text.join(' ')), /ask not what your country can do for you/);
    // Word timings came with it: every segment's words are clickable spans.
    assert.ok((await page.getByTestId('word').count()) >= 20);
    await shot('12-real-transcript');
  },
);

test(
  'a word corrected inline is journaled and exported to SRT',
  { skip: noChromium, timeout: 60_000 },
  async () => {
    const word = page
      .getByTestId('word')
      .filter({ hasText: /^\s*country/i })
      .first();
    await word.dblclick();
    await page.locator('input.word-edit').fill('nation');
    await page.locator('input.word-edit').press('Enter');
    await page.getByTestId('segment').getByText('nation', { exact: false }).first().waitFor();

    await nav('Export');
    await page.getByTestId('export-preview').getByText('-->').first().waitFor();
    await shot('13-real-export');
    const target = join(tempDir('slim-export-real-'), 'jfk.srt');
    dialogs.save.push(target);
    await page.getByRole('button', { name: 'Export SRT…' }).click();
    await page.getByText(`Last saved: ${target}`).waitFor();
    const cues = parseSync(readFileSync(target, 'utf8'))
      .filter((n): n is NodeCue => n.type === 'cue')
      .map((n) => n.data);
    assert.ok(cues.length >= 1, `${cues.length} cues`);
    cues.forEach((c, i) => {
      assert.ok(c.end > c.start, `cue ${i + 1} has a positive length`);
      if (i > 0) assert.ok(c.start >= cues[i - 1]!.end, 'cues do not overlap');
    });
    assert.ok(cues.at(-1)!.end <= 11_100, 'cues end within the clip');
    const all = words(cues.map((c) => c.text).join(' '));
    assert.match(all, /ask not what your nation can do for you/);
    assert.match(all, /what you can do for your country/, 'only the edited word changed');
  },
);

test('settings and the model manager', { skip: noChromium }, async () => {
  await nav('Settings');
  await page.getByTestId('model-row').filter({ hasText: 'Whisper base (bundled, 8-bit)' }).waitFor();
  await shot('14-real-settings');
  // The model manager is the Models card of the settings view.
  const models = page
    .locator('section, .card')
    .filter({ has: page.getByTestId('model-row') })
    .last();
  await models.screenshot({ path: join(ARTIFACTS, '15-real-model-manager.png') });
});

test('no errors in the page console', { skip: noChromium }, () => {
  assert.deepEqual(app.pageErrors, []);
});
