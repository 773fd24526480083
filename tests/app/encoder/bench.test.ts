/** `bench/encoder.ts` end to end on a small Transformers.js-layout fixture folder. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { writeTransformersJsFolder } from '../../../models/fixtures/write-onnx.ts';
import { REPO_ROOT } from '../../helpers/shared.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-bench-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const modelDir = join(tmp, 'tjs');
const ckpt = makeFixtureCheckpoint({ seed: 21 });
writeTransformersJsFolder(ckpt, modelDir, 'fp32');
writeTransformersJsFolder(ckpt, modelDir, 'quantized');

function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'bench', 'encoder.ts'), ...args],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

interface Row {
  impl: string;
  backend: string;
  precision: string;
  msPerWindow: number;
}

test('bench:encoder --json: ours fp32/fp16 and every reference encoder_model*.onnx, on WASM', async () => {
  const r = await bench(['--model', modelDir, '--json', '--runs', '2', '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Row[];
  assert.deepEqual(
    rows.map((x) => `${x.impl} ${x.backend} ${x.precision}`),
    ['ours wasm fp32', 'ours wasm fp16', 'reference-onnx wasm fp32', 'reference-onnx wasm q8'],
  );
  for (const row of rows) {
    assert.deepEqual(Object.keys(row).sort(), ['backend', 'impl', 'msPerWindow', 'precision']);
    assert.ok(Number.isFinite(row.msPerWindow) && row.msPerWindow >= 0);
  }
});

test('bench:encoder prints a table; without --model it fails with the usage', async () => {
  const r = await bench(['--model', modelDir, '--runs', '1', '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^impl\s+backend\s+precision\s+ms\/window/);
  assert.match(r.stdout, /reference-onnx\s+wasm\s+q8/);
  const bad = await bench([]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /usage: bench:encoder --model/);
});
