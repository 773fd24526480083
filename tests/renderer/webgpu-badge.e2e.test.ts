/**
 * The backend indicator with a real WebGPU adapter that is a software renderer: Chromium's
 * SwiftShader (--enable-unsafe-webgpu --enable-features=Vulkan). The worker must judge it a
 * CPU renderer, stay on WASM and say so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { BUNDLED_MODELS, RENDERER_DIR } from '../../main/paths.ts';
import { startWebServer, type WebServer } from '../../main/web/server.ts';
import { REPO_ROOT } from '../helpers/shared.ts';
import { tempDir } from '../main/helpers.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
let server: WebServer;
let browser: Browser;

before(async () => {
  if (!CHROMIUM) return;
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    const b = spawnSync(process.execPath, ['scripts/build-renderer.mjs'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    assert.equal(b.status, 0, b.stderr);
  }
  server = await startWebServer({
    root: RENDERER_DIR,
    deps: {
      userData: tempDir('slim-gpu-'),
      dialogs: null,
      version: '0.0.0-e2e',
      bundledModels: BUNDLED_MODELS,
    },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--enable-unsafe-webgpu',
      '--enable-features=Vulkan',
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test(
  'a SwiftShader WebGPU adapter is named, judged a software renderer, and WASM is used',
  { skip: CHROMIUM ? false : 'no Chromium', timeout: 60_000 },
  async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await page.goto(server.url);
    const badge = page.getByTestId('backend');
    await badge.getByText(/WASM · \d+ thread/).waitFor({ timeout: 30_000 });
    const hasAdapter = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      return !!(gpu && (await gpu.requestAdapter()));
    });
    const text = await badge.innerText();
    if (!hasAdapter) {
      // This Chromium build exposes no adapter at all: the plain fallback notice.
      assert.match(text, /No WebGPU adapter: using WASM/);
      return;
    }
    assert.match(text, /software renderer/i);
    assert.match(text, /using WASM instead/);
    assert.match((await badge.getAttribute('title')) ?? '', /swiftshader/i);
    mkdirSync(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'test-artifacts', '07-backend-software-adapter.png') });
  },
);
