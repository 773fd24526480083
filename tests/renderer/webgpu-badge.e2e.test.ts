/**
 * The backend indicator with a real WebGPU adapter that is a software renderer: Chromium's
 * SwiftShader (--enable-unsafe-webgpu --enable-features=Vulkan). The worker must judge it a
 * CPU renderer, stay on WASM and say so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasWebGpuAdapter, noChromium, startE2eApp, type E2eApp } from './e2e-harness.ts';

let app: E2eApp;

before(async () => {
  if (noChromium) return;
  app = await startE2eApp({
    userDataPrefix: 'slim-gpu-',
    dialogs: null,
    build: 'if-missing',
    webgpu: true,
  });
});

after(async () => {
  await app?.close();
});

test(
  'a SwiftShader WebGPU adapter is named, judged a software renderer, and WASM is used',
  { skip: noChromium, timeout: 60_000 },
  async () => {
    const { page } = app;
    const badge = page.getByTestId('backend');
    await badge.getByText(/WASM · \d+ thread/).waitFor({ timeout: 30_000 });
    const hasAdapter = await hasWebGpuAdapter(page);
    const text = await badge.innerText();
    if (!hasAdapter) {
      // This Chromium build exposes no adapter at all: the plain fallback notice.
      assert.match(text, /No WebGPU adapter: using WASM/);
      return;
    }
    assert.match(text, /software renderer/i);
    assert.match(text, /using WASM instead/);
    assert.match((await badge.getAttribute('title')) ?? '', /swiftshader/i);
    await app.shot('07-backend-software-adapter');
  },
);
