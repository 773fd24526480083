/**
 * The whole WebGPU decoder step (Slim K-cache, X-cache, mixed; baseline) against the float64
 * decoders on fixture models: prefill + steps, batch 3 over two audio groups, reorder, top-k
 * with a suppress mask, fp16 weights, E handed over as a GPUBuffer, device loss, and the cache
 * bytes of real GPU allocations at whisper-base size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { ReferenceDecoder } from '../../../models/reference/decoder.ts';
import { convertDecoder } from '../../../models/slim/convert.ts';
import { SlimReferenceDecoder, type SelfForm } from '../../../models/slim/decoder64.ts';
import { relativeError } from '../../../models/slim/precision.ts';
import { roundHalf } from '../../../models/numerics/half.ts';
import { SlimError } from '../../../models/errors.ts';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { packDecoder } from '../../../kernels/decoder/weights.ts';
import { WebGPUDecoderSession } from '../../../kernels/webgpu/session.ts';
import { createGpuContext } from '../../../kernels/webgpu/device.ts';
import { BASE_DIMS, randomPackedDecoder } from '../../../kernels/webgpu/random-decoder.ts';
import type { WeightPrecision } from '../../../kernels/webgpu/wgsl.ts';
import type { Tuning } from '../../../kernels/webgpu/tuning.ts';
import { TEST_GPU_OPTIONS, testGpu } from './gpu.ts';

const TOL = 1e-4;

interface Oracle {
  newState(xa: Float64Array): object;
  forward(state: never, tokens: readonly number[]): Float64Array;
}

type Config = { name: string; variant: 'baseline' } | { name: string; variant: 'slim'; forms: SelfForm[] };

const CONFIGS: Config[] = [
  { name: 'baseline', variant: 'baseline' },
  { name: 'Slim K-cache', variant: 'slim', forms: ['k-cache', 'k-cache', 'k-cache'] },
  { name: 'Slim X-cache', variant: 'slim', forms: ['x-cache', 'x-cache', 'x-cache'] },
  { name: 'Slim mixed', variant: 'slim', forms: ['k-cache', 'x-cache', 'k-cache'] },
];

/**
 * Fixture seeds 2, 7, 8 have cond(W_K) ≤ 350 in every layer. The K-cache form multiplies fp32
 * rounding by about cond(W_K) (DESIGN.md §1): seed 3 (cond 1.7e4 in layer 2) gives 2e-4 there,
 * as expected of an fp32 K-cache, which is why the conversion measures each layer.
 */
function fixture(seed: number): WhisperCheckpoint {
  return makeFixtureCheckpoint({ seed, dims: { nTextLayer: 3 } });
}

function build(
  ckpt: WhisperCheckpoint,
  c: Config,
): { oracle: Oracle; packed: ReturnType<typeof packDecoder> } {
  const w = new Weights64(ckpt);
  if (c.variant === 'baseline') {
    return {
      oracle: new ReferenceDecoder(w, ckpt.dims) as unknown as Oracle,
      packed: packDecoder(ckpt, 'baseline'),
    };
  }
  const layers = convertDecoder(w, ckpt);
  return {
    oracle: new SlimReferenceDecoder(w, ckpt.dims, layers, c.forms) as unknown as Oracle,
    packed: packDecoder(ckpt, 'slim', { layers, forms: c.forms }),
  };
}

function lastRow(logits: Float64Array, V: number): Float64Array {
  return logits.subarray(logits.length - V);
}

function rowError(got: Float32Array, row: number, want: Float64Array, V: number): number {
  return relativeError(Float64Array.from(got.subarray(row * V, (row + 1) * V)), want);
}

/** Runs prompts on 3 sequences (groups 0, 0, 1), steps, a reorder, more steps; checks every logit row. */
async function checkDecoder(
  ckpt: WhisperCheckpoint,
  c: Config,
  weights: WeightPrecision = 'f32',
  tuning: Partial<Tuning> = {},
): Promise<number> {
  const ctx = await testGpu();
  const { dims } = ckpt;
  const V = dims.nVocab;
  const rng = new Rng(17);
  const xa = [rng.normals(dims.nAudioCtx * dims.nTextState), rng.normals(dims.nAudioCtx * dims.nTextState)];
  const { oracle, packed } = build(ckpt, c);
  const session = new WebGPUDecoderSession(ctx, packed, {
    maxBatch: 3,
    maxGroups: 2,
    maxPrefillRows: 4,
    weights,
    tuning,
  });
  let worst = 0;
  try {
    await session.setAudio(xa);
    const groups = [0, 0, 1];
    const prompts = [[1, 2, 3], [7, 8, 9, 10, 11, 12], [5]]; // the 6-token prompt runs in two chunks of ≤ 4 rows
    let states = groups.map((g) => oracle.newState(Float64Array.from(xa[g]!)));
    for (let s = 0; s < 3; s++) {
      const got = await session.prefill(s, groups[s]!, prompts[s]!);
      const want = lastRow(oracle.forward(states[s] as never, prompts[s]!), V);
      worst = Math.max(worst, rowError(got, 0, want, V));
      assert.equal(session.length(s), prompts[s]!.length);
    }
    const steps = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const tokens = Int32Array.from({ length: 3 }, () => rng.int(0, V - 1));
        const r = await session.step(tokens, { logits: true, topK: 2 });
        for (let s = 0; s < 3; s++) {
          const want = oracle.forward(states[s] as never, [tokens[s]!]);
          const err = rowError(r.logits!, s, want, V);
          worst = Math.max(worst, err);
          assert.ok(err <= TOL, `${c.name} step ${i} seq ${s}: relative error ${err}`);
          let best = 0;
          for (let v = 1; v < V; v++) if (r.logits![s * V + v]! > r.logits![s * V + best]!) best = v;
          assert.equal(r.topIds![s * 2], best, 'top-1 is the argmax of the returned logits');
        }
      }
    };
    await steps(3);
    const src = [1, 0, 1]; // beams: swap 0 and 1, sequence 2 (group 1) continues sequence 1 (group 0)
    await session.reorder(src);
    states = src.map((s) => structuredClone(states[s]!));
    assert.deepEqual(
      [0, 1, 2].map((s) => session.length(s)),
      [9, 6, 9],
    );
    await steps(3);
  } finally {
    session.dispose();
  }
  assert.ok(worst <= TOL, `${c.name}: worst relative error ${worst}`);
  return worst;
}

for (const c of CONFIGS) {
  test(`WebGPU ${c.name} decoder = float64 (prefill, 6 steps at batch 3 over 2 audio groups, reorder): ≤ ${TOL}`, async () => {
    const worst = await checkDecoder(fixture(2), c);
    console.log(`# ${c.name}: worst logits relative error ${worst.toExponential(2)}`);
  });
}

test('WebGPU Slim mixed decoder with the per-head attention core (the fallback for wide models) = float64', async () => {
  const worst = await checkDecoder(fixture(2), CONFIGS[3]!, 'f32', { slimAttention: 'heads' });
  console.log(`# Slim mixed, per-head attention: worst logits relative error ${worst.toExponential(2)}`);
});

test('WebGPU Slim mixed decoder with the attention keys split over workgroups (8 keys each) = float64', async () => {
  const tuning = { attendRows: { workgroup: 128, chunk: 8, splitKeys: 8 } };
  const worst = await checkDecoder(fixture(2), CONFIGS[3]!, 'f32', tuning);
  console.log(`# Slim mixed, split keys: worst logits relative error ${worst.toExponential(2)}`);
});

/** The checkpoint with the matrices the fp16 path stores rounded to binary16. */
function halfMatrices(ckpt: WhisperCheckpoint): WhisperCheckpoint {
  const tensors = new Map(ckpt.tensors);
  for (const [name, t] of ckpt.tensors) {
    const matrix =
      name.startsWith('decoder.') &&
      name.endsWith('.weight') &&
      t.shape.length === 2 &&
      !name.endsWith('positional_embedding');
    if (matrix) tensors.set(name, { shape: t.shape, data: t.data.map(roundHalf) });
  }
  return { ...ckpt, tensors };
}

for (const c of [CONFIGS[0]!, CONFIGS[3]!]) {
  test(`fp16 weights (u32 pairs, fp32 arithmetic), ${c.name} = float64 with the same rounded weights`, async () => {
    const worst = await checkDecoder(halfMatrices(fixture(7)), c, 'f16');
    console.log(`# fp16 ${c.name}: worst logits relative error ${worst.toExponential(2)}`);
  });
}

test('top-k with a suppress mask = CPU top-k of the returned logits; E as a GPUBuffer = E as floats', async () => {
  const ctx = await testGpu();
  const ckpt = fixture(8);
  const { dims } = ckpt;
  const V = dims.nVocab;
  const { packed } = build(ckpt, CONFIGS[1]!);
  const rng = new Rng(3);
  const xa = rng.normals(dims.nAudioCtx * dims.nTextState);
  const eBuf = ctx.device.createBuffer({
    size: xa.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
  });
  ctx.device.queue.writeBuffer(eBuf, 0, xa);
  const a = new WebGPUDecoderSession(ctx, packed, { maxBatch: 2, maxGroups: 1 });
  const b = new WebGPUDecoderSession(ctx, packed, { maxBatch: 2, maxGroups: 1 });
  try {
    await a.setAudio([xa]);
    await b.setAudio([eBuf]);
    const la = await a.prefill(0, 0, [1, 2]);
    const lb = await b.prefill(0, 0, [1, 2]);
    assert.deepEqual(lb, la);
    await a.prefill(1, 0, [3]);
    const mask = new Float32Array(V);
    for (let v = 0; v < V; v += 3) mask[v] = -Infinity;
    const r = await a.step(Int32Array.from([4, 5]), { logits: true, topK: 5, suppress: mask });
    for (let s = 0; s < 2; s++) {
      const row = r.logits!.subarray(s * V, (s + 1) * V);
      const allowed = [...row.keys()].filter((v) => mask[v] === 0);
      const m = Math.max(...allowed.map((v) => row[v]!));
      const logZ = m + Math.log(allowed.reduce((acc, v) => acc + Math.exp(row[v]! - m), 0));
      const best = allowed.sort((x, y) => row[y]! - row[x]! || x - y).slice(0, 5);
      assert.deepEqual([...r.topIds!.subarray(s * 5, s * 5 + 5)], best);
      best.forEach((v, i) => assert.ok(Math.abs(r.topLogProbs![s * 5 + i]! - (row[v]! - logZ)) < 1e-5));
    }
  } finally {
    a.dispose();
    b.dispose();
    eBuf.destroy();
  }
});

test('a lost device surfaces as SlimError DEVICE_LOST on the next call', async () => {
  const ctx = await createGpuContext(TEST_GPU_OPTIONS);
  const ckpt = fixture(6);
  const session = new WebGPUDecoderSession(ctx, build(ckpt, CONFIGS[0]!).packed, {
    maxBatch: 1,
    maxGroups: 1,
  });
  await session.setAudio([new Float32Array(ckpt.dims.nAudioCtx * ckpt.dims.nTextState)]);
  ctx.device.destroy();
  await ctx.device.lost;
  await assert.rejects(
    session.prefill(0, 0, [1]),
    (e: unknown) => e instanceof SlimError && e.code === 'DEVICE_LOST',
  );
});

test('cache bytes from real GPU buffers at whisper-base size, ctx 448: Slim / baseline ≈ 1 / 5.6', async () => {
  const ctx = await testGpu();
  const dims = { ...BASE_DIMS, nVocab: 64 }; // the vocabulary does not touch the caches
  const mem = (variant: 'slim' | 'baseline') => {
    const s = new WebGPUDecoderSession(ctx, randomPackedDecoder(dims, variant, { zeros: true }), {
      maxBatch: 1,
      maxGroups: 1,
    });
    const m = s.memory();
    s.dispose();
    return m;
  };
  const slim = mem('slim');
  const base = mem('baseline');
  const { nTextLayer: L, nTextCtx: t, nTextState: d, nAudioCtx: A } = dims;
  assert.equal(slim.cacheBytesTotal, 4 * (L * t * d + A * d));
  assert.equal(base.cacheBytesTotal, 4 * (2 * L * t * d + 2 * L * A * d));
  assert.equal(slim.cacheBytesPerSequence, 4 * L * t * d);
  const ratio = base.cacheBytesTotal / slim.cacheBytesTotal;
  console.log(
    `# base, ctx 448, batch 1: Slim ${slim.cacheBytesTotal} B, baseline ${base.cacheBytesTotal} B, ratio 1/${ratio.toFixed(2)}`,
  );
  assert.ok(Math.abs(ratio - 5.6) < 0.05, `ratio ${ratio}`);
});

test('bad calls are SlimError INVALID_ARGUMENT, and the session stays usable', async () => {
  const ctx = await testGpu();
  const ckpt = fixture(8);
  const { dims } = ckpt;
  const session = new WebGPUDecoderSession(ctx, build(ckpt, CONFIGS[2]!).packed, {
    maxBatch: 2,
    maxGroups: 1,
  });
  const bad = (e: unknown) => e instanceof SlimError && e.code === 'INVALID_ARGUMENT';
  try {
    const e = new Float32Array(dims.nAudioCtx * dims.nTextState);
    await assert.rejects(session.setAudio([e, e]), bad); // more groups than maxGroups
    await assert.rejects(session.setAudio([new Float32Array(5)]), bad); // wrong size
    await session.setAudio([e]);
    await assert.rejects(session.step(Int32Array.of(1), {}), bad); // not prefilled
    await assert.rejects(session.prefill(0, 1, [1]), bad); // no such group
    await assert.rejects(session.prefill(0, 0, [dims.nVocab]), bad); // token out of range
    await assert.rejects(session.prefill(2, 0, [1]), bad); // no such sequence
    await session.prefill(0, 0, [1, 2]);
    await assert.rejects(session.step(Int32Array.of(3), { topK: 65 }), bad);
    const r = await session.step(Int32Array.of(3), { topK: 3 });
    assert.equal(r.topIds!.length, 3);
    assert.equal(session.length(0), 3);
  } finally {
    session.dispose();
  }
  await assert.rejects(session.step(Int32Array.of(1), {}), bad); // disposed
});
