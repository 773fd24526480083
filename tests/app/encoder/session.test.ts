/**
 * Our encoder graph on onnxruntime-web's WASM EP against the float64 reference encoder, on
 * small random checkpoints of several shapes (80 and 128 mels, 1 to 6 heads, d_k 8 to 64).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioEncoder } from '../../../app/encoder/session.ts';
import type { EncoderPrecision } from '../../../models/encoder/graph.ts';
import type { AttentionForm } from '../../../models/encoder/layers.ts';
import { SlimError } from '../../../models/errors.ts';
import { makeFixtureCheckpoint, type FixtureOptions } from '../../../models/fixtures/checkpoint.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { encoderModelBytes } from '../../../models/fixtures/write-onnx.ts';
import { encodeReference } from '../../../models/reference/encoder.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { fmt, gap } from './compare.ts';

const SHAPES: FixtureOptions[] = [
  { seed: 1 },
  { seed: 2, dims: { nMels: 128, nAudioCtx: 16, nAudioState: 96, nAudioHead: 6, nAudioLayer: 3 } },
  { seed: 3, dims: { nAudioCtx: 10, nAudioState: 128, nAudioHead: 2, nAudioLayer: 1 } },
  { seed: 4, dims: { nAudioCtx: 12, nAudioState: 40, nAudioHead: 5, nAudioLayer: 4 } },
];

/**
 * Tolerances (‖Δ‖/‖ref‖, max|Δ|/max|ref|). fp32: float32 rounding through the layers, measured
 * ≤ 3.8e-7 / 4.7e-7. fp16: binary16 weights (unit roundoff 4.9e-4), measured ≤ 6.4e-4 / 6.1e-4
 * with fp32 compute and ≤ 7.4e-4 / 8.7e-4 with fp16 compute; the bound leaves ~2.5× room.
 */
const TOL: Record<string, { rel: number; max: number }> = {
  'fp32/fp32': { rel: 1e-5, max: 1e-5 },
  'fp16/fp32': { rel: 2e-3, max: 2e-3 },
  'fp16/fp16': { rel: 2e-3, max: 3e-3 },
};

function melFor(ckpt: WhisperCheckpoint, seed: number): Float32Array {
  // Log-mel values lie in about [−1.5, 1.5] after Whisper's (x + 4) / 4 scaling.
  return new Rng(seed).normals(ckpt.dims.nMels * 2 * ckpt.dims.nAudioCtx, 0.5, -0.3);
}

for (const shape of SHAPES) {
  test(`WASM encoder equals the float64 reference (fixture seed ${shape.seed}, ${JSON.stringify(shape.dims ?? {})})`, async () => {
    const ckpt = makeFixtureCheckpoint(shape);
    const mel = melFor(ckpt, 100 + shape.seed!);
    const ref = encodeReference(new Weights64(ckpt), ckpt.dims, Float64Array.from(mel));
    const variants: Array<[EncoderPrecision, EncoderPrecision, AttentionForm]> = [
      ['fp32', 'fp32', 'ops'],
      ['fp16', 'fp32', 'ops'],
      ['fp16', 'fp16', 'ops'],
      ['fp32', 'fp32', 'mha'],
      ['fp16', 'fp16', 'mha'],
    ];
    for (const [precision, compute, attention] of variants) {
      const enc = await AudioEncoder.create(ckpt, { backend: 'wasm', precision, compute, attention });
      try {
        const out = await enc.encode(mel);
        assert.equal(out.length, ckpt.dims.nAudioCtx * ckpt.dims.nAudioState);
        const g = gap(out, ref);
        const tol = TOL[`${precision}/${compute}`]!;
        const what = `${precision} weights, ${compute} compute, ${attention} attention`;
        assert.ok(g.rel <= tol.rel && g.maxRel <= tol.max, `${what}: ${fmt(g)}`);
      } finally {
        await enc.dispose();
      }
    }
  });
}

test('AudioEncoder: run() keeps the output as a tensor on the CPU for WASM; info says what runs', async () => {
  const ckpt = makeFixtureCheckpoint({ seed: 6 });
  const enc = await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp32' });
  try {
    assert.equal(enc.info.backend, 'wasm');
    assert.equal(enc.info.precision, 'fp32');
    assert.ok(enc.info.threads >= 1);
    assert.ok(enc.info.modelBytes > 0);
    const out = await enc.run(melFor(ckpt, 7));
    assert.equal(out.location, 'cpu');
    assert.deepEqual(out.dims, [1, ckpt.dims.nAudioCtx, ckpt.dims.nAudioState]);
    assert.throws(() => out.gpuBuffer, SlimError);
    const data = await out.getData();
    out.dispose();
    assert.ok(data.every(Number.isFinite));
  } finally {
    await enc.dispose();
  }
  const half = await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp16' });
  assert.equal(half.info.compute, 'fp32', 'fp16 weights run with fp32 arithmetic on WASM by default');
  await half.dispose();
});

test('AudioEncoder: concurrent encode calls queue and give the same results as one at a time', async () => {
  const ckpt = makeFixtureCheckpoint({ seed: 8 });
  const enc = await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp32' });
  try {
    const mels = [1, 2, 3].map((k) => melFor(ckpt, 200 + k));
    const together = await Promise.all(mels.map((m) => enc.encode(m)));
    for (let k = 0; k < mels.length; k++) assert.deepEqual(await enc.encode(mels[k]!), together[k]);
    assert.notDeepEqual(together[0], together[1]);
  } finally {
    await enc.dispose();
  }
});

test('AudioEncoder: bad input is INVALID_ARGUMENT (wrong mel shape, 128 vs 80 mels, NaN, not float32, disposed)', async () => {
  const ckpt = makeFixtureCheckpoint({ seed: 9 });
  const enc = await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp32' });
  const n = ckpt.dims.nMels * 2 * ckpt.dims.nAudioCtx;
  const invalid = (e: unknown): boolean => e instanceof SlimError && e.code === 'INVALID_ARGUMENT';
  const withNaN = new Float32Array(n);
  withNaN[17] = NaN;
  for (const bad of [
    new Float32Array(n - 1),
    new Float32Array(128 * 2 * ckpt.dims.nAudioCtx),
    new Float32Array(0),
    withNaN,
    new Float64Array(n) as unknown as Float32Array,
  ]) {
    await assert.rejects(enc.run(bad), invalid);
    await assert.rejects(enc.encode(bad), invalid);
  }
  assert.match(
    await enc.encode(new Float32Array(n - 1)).then(
      () => 'resolved',
      (e: Error) => e.message,
    ),
    /\[80, 48\] log-mel window \(3840 values\), got 3839/,
  );
  await enc.dispose();
  await assert.rejects(enc.encode(new Float32Array(n)), invalid);
});

test('our graph equals the Transformers.js-layout fixture encoder (independently written graph) on WASM', async () => {
  const ckpt = makeFixtureCheckpoint({ seed: 10, dims: { nMels: 128 } });
  const d = ckpt.dims;
  const io = {
    input: 'input_features',
    output: 'last_hidden_state',
    nMels: d.nMels,
    nAudioCtx: d.nAudioCtx,
    nAudioState: d.nAudioState,
  };
  const theirs = await AudioEncoder.fromModel(encoderModelBytes(ckpt, 'fp32'), io, { backend: 'wasm' });
  const ours = await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp32' });
  try {
    const mel = melFor(ckpt, 11);
    const g = gap(await ours.encode(mel), await theirs.encode(mel));
    assert.ok(g.rel <= 1e-5 && g.maxRel <= 1e-5, fmt(g));
  } finally {
    await theirs.dispose();
    await ours.dispose();
  }
});

test('AudioEncoder.fromModel: bytes that are not a model are a BACKEND error', async () => {
  const io = { input: 'mel', output: 'xa', nMels: 80, nAudioCtx: 24, nAudioState: 64 };
  await assert.rejects(
    AudioEncoder.fromModel(new Uint8Array([1, 2, 3, 4, 5]), io, { backend: 'wasm' }),
    (e: unknown) => e instanceof SlimError && e.code === 'BACKEND',
  );
});
