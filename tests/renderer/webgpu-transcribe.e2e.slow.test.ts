/**
 * The WebGPU path in the page: Chromium's SwiftShader adapter (--enable-unsafe-webgpu
 * --enable-features=Vulkan) with the backend set to WebGPU by name, so the worker decodes on our
 * WebGPU kernels even though the adapter is a software renderer. A short real clip, added through
 * the (scripted) open dialog, is transcribed by the real base model; the badge names the adapter
 * and warns that it is a software renderer. Screenshot in test-artifacts/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { sharedPath } from '../helpers/shared.ts';
import { ScriptedDialogs } from '../main/helpers.ts';
import { hasWebGpuAdapter, noChromium, startE2eApp, type E2eApp } from './e2e-harness.ts';

const CLIP = 'harvard-spk2_snt2.wav'; // 1.8 s: "What joy there is in living."
let app: E2eApp;
let page: Page;
const dialogs = new ScriptedDialogs();

before(async () => {
  if (noChromium) return;
  app = await startE2eApp({
    userDataPrefix: 'slim-e2e-gpu-',
    settings: { backend: 'webgpu', language: 'en' },
    dialogs,
    webgpu: true,
  });
  page = app.page;
});

after(async () => {
  await app?.close();
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
    if (!(await hasWebGpuAdapter(page))) return t.skip('this Chromium exposes no WebGPU adapter');
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
    await app.shot('16-webgpu-transcript');
    assert.deepEqual(app.pageErrors, []);
  },
);
