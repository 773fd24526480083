/**
 * The WebGPU decoder in a page: headless Chromium (playwright-core, /usr/bin/chromium, SwiftShader
 * through Vulkan) runs one small fixture step from an esbuild bundle of the kernels, and its
 * logits equal those of the same step in Node (Dawn through the `webgpu` package).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { launchChromium } from '../../helpers/chromium.ts';
import { REPO_ROOT } from '../../helpers/shared.ts';
import { runSmoke, type SmokeResult } from './browser-entry.ts';
import { testGpu, maxRelError } from './gpu.ts';

async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [join(REPO_ROOT, 'tests/kernels/webgpu/browser-entry.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'smoke',
    platform: 'browser',
    target: 'chrome120',
    external: ['webgpu', 'node:*'],
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** Serves the page and the bundle on 127.0.0.1 (a secure context, as WebGPU requires). */
function serve(js: string): Promise<Server> {
  const html = '<!doctype html><meta charset="utf-8"><title>smoke</title><script src="/bundle.js"></script>';
  const server = createServer((req, res) => {
    const isJs = req.url === '/bundle.js';
    res.writeHead(200, { 'content-type': isJs ? 'text/javascript' : 'text/html' });
    res.end(isJs ? js : html);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('headless Chromium runs a fixture Slim step on WebGPU; logits = Node (Dawn) logits', async () => {
  const js = await bundle();
  const server = await serve(js);
  const browser = await launchChromium({ webgpu: true });
  try {
    const page = await browser.newPage();
    const port = (server.address() as AddressInfo).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    const inPage = await page.evaluate(async () => {
      const w = globalThis as unknown as { smoke: { runSmoke(g: null): Promise<SmokeResult> } };
      return w.smoke.runSmoke(null);
    });
    const gpu = await testGpu();
    const inNode = await runSmoke(gpu);
    console.log(`# page adapter: ${inPage.adapter}`);
    assert.equal(inPage.prefill.length, inNode.prefill.length);
    const e1 = maxRelError(inPage.prefill, inNode.prefill);
    const e2 = maxRelError(inPage.step, inNode.step);
    console.log(
      `# page vs Node: prefill ${e1.toExponential(2)}, step ${e2.toExponential(2)} (max-abs relative)`,
    );
    assert.ok(e1 < 1e-5 && e2 < 1e-5, `page and Node differ: ${e1}, ${e2}`);
    assert.deepEqual(inPage.topIds, inNode.topIds);
  } finally {
    await browser.close();
    server.close();
  }
});
