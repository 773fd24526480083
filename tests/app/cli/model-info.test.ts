import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { writeHfFolder } from '../../../models/fixtures/write-hf.ts';
import { writeGgmlFile } from '../../../models/fixtures/write-ggml.ts';
import { writeTransformersJsFolder } from '../../../models/fixtures/write-onnx.ts';
import { cacheBytesPerWindow } from '../../../app/models/cache-bytes.ts';
import { runCli } from '../../helpers/cli.ts';
import { sharedPath } from '../../helpers/shared.ts';
import type { ModelInfo } from '../../../app/models/info.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const cacheDir = join(tmp, 'cache');
const env = { SLIM_WHISPER_CACHE_DIR: cacheDir };

const ckpt = makeFixtureCheckpoint({ seed: 4, dims: { nTextLayer: 3 }, rankDeficientKeyRows: { 2: 5 } });
const hfDir = join(tmp, 'hf');
writeHfFolder(ckpt, hfDir, 'f32');
const ggmlPath = join(tmp, 'ggml-fixture.bin');
writeGgmlFile(ckpt, ggmlPath, 'f32');
const tjsDir = join(tmp, 'tjs');
writeTransformersJsFolder(ckpt, tjsDir, 'fp32');

test('model info without calibration: every layer on the X-cache form, cond and rank reported', async () => {
  const r = await runCli(['model', 'info', hfDir, '--json', '--no-calibration', '--no-cache'], env);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as ModelInfo;
  assert.equal(info.source, 'hf-safetensors');
  assert.equal(info.dims.nTextLayer, 3);
  assert.equal(info.selfAttention.length, 3);
  for (const l of info.selfAttention) {
    assert.equal(l.form, 'x-cache');
    assert.equal(l.relErrFp32, null);
  }
  assert.equal(info.selfAttention[2]!.rank, ckpt.dims.nTextState - 5);
  assert.equal(info.selfAttention[0]!.rank, ckpt.dims.nTextState);
  const want = cacheBytesPerWindow(ckpt.dims);
  assert.equal(info.cacheBytes.baseline, want.baseline);
  assert.equal(info.cacheBytes.slim, want.slim);
});

test('model info calibrates on real speech, chooses forms per layer and caches the record', async () => {
  const clip = sharedPath('audio', 'jfk.wav');
  const first = await runCli(['model', 'info', hfDir, '--json', '--calibrate', clip], env);
  assert.equal(first.code, 0, first.stderr);
  const info = JSON.parse(first.stdout) as ModelInfo;
  assert.equal(info.calibration!.clips.length, 1);
  assert.deepEqual(
    info.selfAttention.map((l) => l.form),
    ['k-cache', 'k-cache', 'x-cache'],
  );
  for (const l of info.selfAttention) {
    assert.ok(l.relErrFp32! <= 1e-4, `layer ${l.layer}: ${l.relErrFp32}`);
    assert.equal(typeof l.kCache!.fp16, 'number');
  }
  assert.equal(readdirSync(cacheDir).length, 1);
  // The same weights in other formats have the same fingerprint: the record is found again.
  for (const path of [ggmlPath, tjsDir]) {
    const again = await runCli(['model', 'info', path, '--calibrate', clip], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /found in the cache/);
    assert.match(again.stdout, /k-cache/);
  }
});

test('model info on bad paths: clear messages and the model exit code', async () => {
  const empty = join(tmp, 'empty-dir');
  mkdirSync(empty);
  const truncated = join(tmp, 'truncated.bin');
  const bytes = new Uint8Array(64);
  new DataView(bytes.buffer).setUint32(0, 0x67676d6c, true);
  writeFileSync(truncated, bytes);
  const cases: Array<[string, RegExp]> = [
    [join(tmp, 'missing'), /no such file or folder/],
    [empty, /holds no Whisper model/],
    [truncated, /truncated\.bin/],
  ];
  for (const [path, message] of cases) {
    const r = await runCli(['model', 'info', path, '--no-calibration', '--no-cache'], env);
    assert.equal(r.code, 3, `${path}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /internal error|at .*\.ts:\d+/);
  }
  const usage = await runCli(['model', 'info', '--bogus-flag'], env);
  assert.equal(usage.code, 2);
});
