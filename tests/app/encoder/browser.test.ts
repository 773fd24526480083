/**
 * Our encoder graph in a real browser: headless Chromium (playwright-core, /usr/bin/chromium,
 * WebGPU on SwiftShader through Vulkan) runs the fp32 graph of a tiny fixture checkpoint on
 * onnxruntime-web's WebGPU EP and on its WASM EP (both from the WebGPU build, bundled by esbuild);
 * the two outputs agree and match the float64 reference encoder computed in Node.
 * Skipped only where /usr/bin/chromium is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CHROMIUM, launchChromium } from '../../helpers/chromium.ts';
import { buildEncoderGraph } from '../../../models/encoder/graph.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { encodeReference } from '../../../models/reference/encoder.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import type { EncoderPageResult } from './browser-entry.ts';

/** Max |a − b| / max |b| allowed: WebGPU vs WASM, and each vs the float64 reference. */
const TOL = 1e-4;
/** onnxruntime-web's dist folder: the page fetches its .wasm (and any .mjs) from /ort/. */
const ORT_DIST = dirname(fileURLToPath(import.meta.resolve('onnxruntime-web/webgpu')));

const PAGE =
  '<!doctype html><meta charset="utf-8"><title>encoder</title><script type="module" src="/entry.js"></script>';

/** Max |a − b| over max |b|. */
function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return s === 0 ? m : m / s;
}

async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [join(import.meta.dirname, 'browser-entry.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** Serves the page, the bundle, the model and onnxruntime-web's dist files on 127.0.0.1. */
function serve(js: string, model: Uint8Array): Promise<Server> {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const ort = /^\/ort\/([\w.-]+\.(wasm|mjs))$/.exec(url);
    if (url === '/entry.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(js);
    } else if (url === '/encoder.onnx') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(model);
    } else if (ort && existsSync(join(ORT_DIST, ort[1]!))) {
      res.writeHead(200, { 'content-type': ort[2] === 'wasm' ? 'application/wasm' : 'text/javascript' });
      res.end(readFileSync(join(ORT_DIST, ort[1]!)));
    } else if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test(
  'encoder graph in headless Chromium: onnxruntime-web WebGPU EP = WASM EP = float64 reference (1e-4)',
  { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`, timeout: 120_000 },
  async () => {
    const ckpt = makeFixtureCheckpoint({ seed: 3 });
    const d = ckpt.dims;
    const shape = [1, d.nMels, 2 * d.nAudioCtx];
    assert.deepEqual(shape, [1, 80, 48]);
    const mel = new Rng(7).normals(d.nMels * 2 * d.nAudioCtx);
    const model = buildEncoderGraph(ckpt, { precision: 'fp32' });
    const ref = encodeReference(new Weights64(ckpt), d, Float64Array.from(mel));

    const server = await serve(await bundle(), model);
    const browser = await launchChromium({ webgpu: true });
    try {
      const page = await browser.newPage();
      const logs: string[] = [];
      page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => 'runEncoderInPage' in globalThis);
      const r: EncoderPageResult = await page.evaluate(
        ([m, s]) =>
          (
            globalThis as unknown as {
              runEncoderInPage(mel: number[], shape: number[]): Promise<EncoderPageResult>;
            }
          ).runEncoderInPage(m, s),
        [Array.from(mel), shape] as const,
      );
      assert.equal(r.error, undefined, `page: ${r.error}\n${logs.join('\n')}`);
      console.log(`# page adapter: ${r.adapter}`);
      assert.ok(r.webgpuDevice, 'onnxruntime-web did not set env.webgpu.device: WebGPU EP not started');
      assert.deepEqual(r.dims, [1, d.nAudioCtx, d.nAudioState]);
      assert.equal(r.webgpu.length, ref.length);
      assert.equal(r.wasm.length, ref.length);
      assert.ok(r.webgpu.every(Number.isFinite) && r.wasm.every(Number.isFinite), 'non-finite outputs');
      const gpuWasm = maxRelError(r.webgpu, r.wasm);
      const gpuRef = maxRelError(r.webgpu, ref);
      const wasmRef = maxRelError(r.wasm, ref);
      console.log(
        `# max |a−b|/max|b|: webgpu vs wasm ${gpuWasm.toExponential(2)}, ` +
          `webgpu vs ref ${gpuRef.toExponential(2)}, wasm vs ref ${wasmRef.toExponential(2)} (tol ${TOL})`,
      );
      assert.ok(gpuWasm <= TOL, `WebGPU vs WASM: ${gpuWasm}`);
      assert.ok(gpuRef <= TOL, `WebGPU vs float64 reference: ${gpuRef}`);
      assert.ok(wasmRef <= TOL, `WASM vs float64 reference: ${wasmRef}`);
    } finally {
      await browser.close();
      server.close();
    }
  },
);
