/**
 * The model manager in the browser shell: a catalog model (a stand-in served by the local fake
 * hub) is downloaded through the UI — Download, progress bar, Pause (the part is kept), Resume —
 * and shows as installed, with its row in the Models table. Progress is pushed (server-sent
 * 'downloads:changed'), never polled: a download the page did not start shows up with its
 * progress without a single downloads:list call. Screenshots go to test-artifacts/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BUNDLED_MODELS, RENDERER_DIR } from '../../main/paths.ts';
import { startWebServer, type WebServer } from '../../main/web/server.ts';
import { dispatch } from '../../main/ipc/dispatch.ts';
import { bytesText } from '../../renderer/logic/time.ts';
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
  const listCalls: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes(`/bridge/call/${encodeURIComponent('downloads:list')}`)) listCalls.push(r.url());
  });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  const row = page.getByTestId('catalog-row').filter({ hasText: 'fake' });
  await row.getByRole('button', { name: 'Download' }).waitFor();
  const listed = listCalls.length;
  assert.ok(listed >= 1, 'the model manager looked once when shown');
  // Started elsewhere (not by this page), held part-way by the hub: only a push can tell the page.
  hub.faults.holdAfter.set('model.safetensors', 700_000);
  const started = await dispatch(server.context.handlers, 'downloads:start', ['fake']);
  assert.equal(started.ok, true);
  await page.locator('[data-testid="catalog-row"][data-state="downloading"]').waitFor();
  await row.getByText(new RegExp(`${bytesText(700_000).replace('.', '\\.')} of `)).waitFor();
  assert.equal(listCalls.length, listed, 'the progress came pushed, not polled');
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
