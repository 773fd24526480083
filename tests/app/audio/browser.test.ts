/**
 * The renderer's audio path in a real browser: decodeWavBytes and the WASM resampler, bundled
 * for the web (a Node import would fail the bundle), run in a Chromium page and in a worker.
 * Skipped where no Chromium is installed (.ci/run installs Debian's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { BrowserResult } from './browser-entry.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

const PAGE = `<!doctype html><html><body><script src="audio.js"></script><script>
  globalThis.workerResult = new Promise((resolve) => {
    const w = new Worker('audio.js');
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => resolve({ error: 'worker: ' + e.message });
  });
</script></body></html>`;

async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [join(import.meta.dirname, 'browser-entry.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

function check(where: string, r: BrowserResult): void {
  assert.equal(r.error, undefined, `${where}: ${r.error}`);
  assert.ok(Math.abs(r.length - 32000) <= 2, `${where}: ${r.length} samples`);
  assert.ok(Math.abs(r.levelDb) < 0.1, `${where}: 1 kHz at ${r.levelDb} dB`);
  assert.ok(r.stopbandDb < -100, `${where}: 12 kHz at ${r.stopbandDb} dB`);
  assert.deepEqual(r.warnings, ['page.wav: 2 NaN/Inf samples replaced by 0']);
}

test(
  'decodeWavBytes and the resampler run in a Chromium page and in a worker',
  { skip: !CHROMIUM && 'no Chromium' },
  async () => {
    const js = await bundle();
    assert.doesNotMatch(js, /require\(["']node:/);
    const server = createServer((req, res) => {
      const isJs = req.url === '/audio.js';
      res.writeHead(200, { 'content-type': isJs ? 'text/javascript' : 'text/html' });
      res.end(isJs ? js : PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      check(
        'page',
        await page.evaluate(
          () => (globalThis as unknown as { audioResult: Promise<BrowserResult> }).audioResult,
        ),
      );
      check(
        'worker',
        await page.evaluate(
          () => (globalThis as unknown as { workerResult: Promise<BrowserResult> }).workerResult,
        ),
      );
    } finally {
      await browser.close();
      server.close();
    }
  },
);
