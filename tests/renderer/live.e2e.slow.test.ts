/**
 * Live captions end to end in headless Chromium: Chromium's fake microphone plays jfk.wav
 * (16-bit PCM, once) into getUserMedia → the capture AudioWorklet → libsamplerate to 16 kHz →
 * the engine worker, where the real base model (WASM encoder with the live audio context, WASM
 * Slim decoder) streams it with LocalAgreement-2. The built renderer is served by the
 * `npm run web` server with the real main-process handlers. Checks: the confirmed captions
 * contain the speech, only ever grow (never rewritten), the overlay shows them, and the session
 * saves as SRT. Screenshots go to test-artifacts/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { parseSync, type NodeCue } from 'subtitle';
import { BUNDLED_MODELS, RENDERER_DIR } from '../../main/paths.ts';
import { startWebServer, type WebServer } from '../../main/web/server.ts';
import { launchChromium, noChromium } from '../helpers/chromium.ts';
import { REPO_ROOT, sharedPath } from '../helpers/shared.ts';
import { ScriptedDialogs, tempDir } from '../main/helpers.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const JFK = sharedPath('audio', 'jfk.wav');

let server: WebServer;
let browser: Browser;
let page: Page;
const dialogs = new ScriptedDialogs();
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

const words = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

before(async () => {
  if (noChromium) return;
  const b = spawnSync(process.execPath, ['scripts/build-renderer.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const userData = tempDir('slim-e2e-live-');
  writeFileSync(join(userData, 'settings.json'), JSON.stringify({ backend: 'wasm', language: 'en' }));
  server = await startWebServer({
    root: RENDERER_DIR,
    deps: { userData, dialogs, version: '0.0.0-e2e', bundledModels: BUNDLED_MODELS },
  });
  browser = await launchChromium({
    args: [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      // %noloop: the clip plays once, then the fake device gives silence.
      `--use-file-for-fake-audio-capture=${JFK}%noloop`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
  });
  await page.goto(server.url);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test(
  'jfk.wav through the fake microphone: captions confirmed by the real base model, never rewritten',
  // Skipped unless SLIM_WHISPER_LIVE_E2E=1: on a quiet machine the captions confirmed at Stop can
  // repeat the prompt over the trailing silence, and the run can time out (issue 6, open).
  {
    skip:
      noChromium ||
      (process.env.SLIM_WHISPER_LIVE_E2E !== '1' && 'set SLIM_WHISPER_LIVE_E2E=1 (known issue)'),
    timeout: 420_000,
  },
  async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: 'Live captions' })
      .click();
    await page.getByRole('heading', { name: 'Live captions' }).waitFor();
    await page.getByLabel('Overlay').check();
    await page.getByRole('button', { name: 'Start' }).click();
    // Every confirmed caption the page shows, as the test sees it change.
    const seen: string[] = [];
    const deadline = Date.now() + 380_000;
    let confirmed = '';
    while (Date.now() < deadline) {
      confirmed =
        (await page
          .getByTestId('confirmed')
          .first()
          .textContent()
          .catch(() => '')) ?? '';
      if (seen.length === 0 || seen[seen.length - 1] !== confirmed) seen.push(confirmed);
      if (seen.length === 3) await shot('30-live-running');
      if (/your country\.?\s*$/i.test(confirmed) && words(confirmed).split(' ').length >= 20) break;
      const status = (await page.getByTestId('live-status').textContent()) ?? '';
      assert.doesNotMatch(
        status,
        /Error/,
        (await page
          .locator('.live-error')
          .textContent()
          .catch(() => '')) ?? '',
      );
      await page.waitForTimeout(250);
    }
    await shot('31-live-captions');
    const whilePlaying = words(confirmed);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('live-status').getByText('Stopped').waitFor({ timeout: 120_000 });
    confirmed = (await page.getByTestId('confirmed').first().textContent()) ?? '';
    seen.push(confirmed);
    await shot('32-live-stopped');

    // Never rewritten: each caption the page showed begins with the one before.
    for (let i = 1; i < seen.length; i++)
      assert.ok(seen[i]!.startsWith(seen[i - 1]!), `"${seen[i - 1]}" was rewritten as "${seen[i]}"`);
    assert.ok(seen.length >= 3, `captions grew in steps while the clip played (${seen.length} states)`);
    const w = words(confirmed);
    assert.match(w, /my fellow americans/);
    assert.match(w, /ask not what your country can do for you/);
    assert.match(w, /ask what you can do for your country/);
    // No repeats while the clip played: "country" is said twice in it. (Known issue, issue 6: the
    // final pass at Stop can confirm a repeat of the prompt heard over the trailing silence, seen on
    // a quiet machine; the captions shown before Stop do not repeat.)
    assert.equal(whilePlaying.split(' ').filter((x) => x === 'country').length, 2, whilePlaying);
    // The overlay shows the end of the same captions.
    const overlay = words((await page.getByTestId('caption-overlay').textContent()) ?? '');
    assert.ok(w.endsWith(overlay), `overlay "${overlay}"`);

    const target = join(tempDir('slim-live-srt-'), 'live.srt');
    dialogs.save.push(target);
    await page.getByRole('button', { name: 'Save SRT…' }).click();
    await page.getByText(`Saved ${target}`).waitFor();
    const cues = parseSync(readFileSync(target, 'utf8'))
      .filter((n): n is NodeCue => n.type === 'cue')
      .map((n) => n.data);
    assert.ok(cues.length >= 1);
    assert.match(words(cues.map((c) => c.text).join(' ')), /ask not what your country can do for you/);
    cues.forEach((c, i) => {
      assert.ok(c.end > c.start);
      if (i > 0) assert.ok(c.start >= cues[i - 1]!.end);
    });
  },
);

test('no errors in the page console', { skip: noChromium }, () => {
  assert.deepEqual(pageErrors, []);
});
