/**
 * The WebGPU path in the page: Chromium's SwiftShader adapter (--enable-unsafe-webgpu
 * --enable-features=Vulkan) with the backend set to WebGPU by name, so the worker decodes on our
 * WebGPU kernels even though the adapter is a software renderer. A short real clip, added through
 * the (scripted) open dialog, is transcribed by the real base model; the badge names the adapter
 * and warns that it is a software renderer. Screenshot in test-artifacts/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { BUNDLED_MODELS, RENDERER_DIR } from '../../main/paths.ts';
import { startWebServer, type WebServer } from '../../main/web/server.ts';
import { launchChromium, noChromium } from '../helpers/chromium.ts';
import { REPO_ROOT, sharedPath } from '../helpers/shared.ts';
import { ScriptedDialogs, tempDir } from '../main/helpers.ts';

const CLIP = 'harvard-spk2_snt2.wav'; // 1.8 s: "What joy there is in living."
let server: WebServer;
let browser: Browser;
let page: Page;
const dialogs = new ScriptedDialogs();
const pageErrors: string[] = [];

before(async () => {
  if (noChromium) return;
  const b = spawnSync(process.execPath, ['scripts/build-renderer.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const userData = tempDir('slim-e2e-gpu-');
  writeFileSync(join(userData, 'settings.json'), JSON.stringify({ backend: 'webgpu', language: 'en' }));
  server = await startWebServer({
    root: RENDERER_DIR,
    deps: { userData, dialogs, version: '0.0.0-e2e', bundledModels: BUNDLED_MODELS },
  });
  browser = await launchChromium({ webgpu: true });
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
  'WebGPU asked for on a software adapter: the badge warns, the Slim decoder runs on WebGPU',
  { skip: noChromium, timeout: 420_000 },
  async (t) => {
    const badge = page.getByTestId('backend');
    await badge
      .getByText(/WebGPU|WASM/)
      .first()
      .waitFor({ timeout: 30_000 });
    const hasAdapter = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      return !!(gpu && (await gpu.requestAdapter()));
    });
    if (!hasAdapter) return t.skip('this Chromium exposes no WebGPU adapter');
    await badge.getByText(/WebGPU ·/).waitFor();
    assert.match(await badge.innerText(), /software renderer.*expect it to be slow/is);
    assert.match((await badge.getAttribute('title')) ?? '', /software renderer/);

    dialogs.open.push([sharedPath('audio', CLIP)]);
    await page.getByRole('button', { name: 'Add files…' }).click();
    const row = page.getByTestId('queue-row').filter({ hasText: CLIP });
    // SwiftShader runs the WebGPU kernels on the CPU: slow, but the same kernels as on a GPU.
    await row.locator('.chip.done').waitFor({ timeout: 400_000 });
    const status = await page.getByTestId('engine-status').innerText();
    assert.match(status, /Slim decoder on WebGPU \(.*swiftshader.*\)/i);
    assert.match(await badge.innerText(), /WebGPU ·/, 'no fallback to WASM');
    await row.getByRole('button', { name: 'Open' }).click();
    const text = (await page.getByTestId('segment').allInnerTexts()).join(' ');
    assert.match(text.toLowerCase().replace(/[^a-z ]/g, ''), /what joy there is in living/);
    mkdirSync(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'test-artifacts', '16-webgpu-transcript.png') });
    assert.deepEqual(pageErrors, []);
  },
);
