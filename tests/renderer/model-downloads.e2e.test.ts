/**
 * The model manager in the browser shell: a catalog model (a stand-in served by the local fake
 * hub) is downloaded through the UI — Download, progress bar, Pause (the part is kept), Resume —
 * and shows as installed, with its row in the Models table. Screenshots go to test-artifacts/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BUNDLED_MODELS, RENDERER_DIR } from '../../main/paths.ts';
import { startWebServer, type WebServer } from '../../main/web/server.ts';
import { REPO_ROOT } from '../helpers/shared.ts';
import { ScriptedDialogs, tempDir } from '../main/helpers.ts';
import { fakeModel, startFakeHub, type FakeHub } from '../app/models/hf-server.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

let server: WebServer;
let browser: Browser;
let page: Page;
let hub: FakeHub;
const fake = fakeModel('fake');
const pageErrors: string[] = [];

before(async () => {
  if (!CHROMIUM) return;
  const b = spawnSync(process.execPath, ['scripts/build-renderer.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  hub = await startFakeHub();
  fake.serve(hub);
  server = await startWebServer({
    root: RENDERER_DIR,
    deps: {
      userData: tempDir('slim-e2e-dl-'),
      dialogs: new ScriptedDialogs(),
      version: '0.0.0-e2e',
      bundledModels: BUNDLED_MODELS,
      downloads: { catalog: [fake.entry], endpoint: hub.endpoint },
    },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu-sandbox', '--disable-background-networking', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  await page.goto(server.url);
});

after(async () => {
  await browser?.close();
  await server?.close();
  await hub?.close();
});

test('download a catalog model through the model manager', { skip: !CHROMIUM }, async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  const row = page.getByTestId('catalog-row').filter({ hasText: 'fake' });
  await row.getByRole('button', { name: 'Download' }).click();
  // The hub holds the weights part-way, so the download is seen running and can be paused.
  hub.faults.holdAfter.set('model.safetensors', 700_000);
  await page.locator('[data-testid="catalog-row"][data-state="downloading"]').waitFor();
  await row.getByTestId('download-status').waitFor();
  await row.getByRole('button', { name: 'Pause' }).waitFor();
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'model-download-running.png') });
  await row.getByRole('button', { name: 'Pause' }).click();
  await row.getByText(/paused, .* kept/).waitFor();
  await row.getByRole('button', { name: 'Resume' }).click();
  await row.getByText(/installed \(/).waitFor({ timeout: 30_000 });
  const installed = page.getByTestId('model-row').filter({ hasText: 'fake' });
  await installed.waitFor();
  assert.match((await installed.textContent()) ?? '', /Delete/);
  await page.screenshot({ path: join(ARTIFACTS, 'model-download-installed.png') });
  assert.deepEqual(pageErrors, []);
});
