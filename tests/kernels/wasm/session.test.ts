/**
 * The whole WASM decoder step against the float64 decoders on fixture models: Slim (K-cache,
 * X-cache, mixed) against SlimReferenceDecoder and the baseline against ReferenceDecoder, over a
 * prefill and ≥ 10 steps, batch 4 on two interleaved audio groups, with a beam reorder
 * (duplicates and moves) midway. Logits ≤ 1e-4 relative (Frobenius, per sequence and step).
 *
 * The K-cache form turns the fp32 rounding of K into V errors amplified by cond(W_K) (DESIGN.md
 * §1): random fixture W_K reach cond ≈ 2e4 (seed 3, 1e-4 logit error, the form's own numerics,
 * not the kernels'). The scenarios use seed 8, where cond(W_K) ≤ 250 in every layer.
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
import type { ModelDimensions, WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { packDecoder } from '../../../kernels/decoder/weights.ts';
import type { DecoderSession } from '../../../kernels/decoder/types.ts';
import { openWasmDecoder } from '../../../kernels/wasm/load-node.ts';
import { ensureWasm } from './harness.ts';

const TOL = 1e-4;

/** Fixture dimensions the kernels take: d_k = 32 (a multiple of the 32-column panels). */
function fixture(seed: number, dims: Partial<Omit<ModelDimensions, 'nVocab'>> = {}): WhisperCheckpoint {
  return makeFixtureCheckpoint({ seed, dims: { nTextHead: 2, nTextLayer: 3, nAudioCtx: 37, ...dims } });
}

interface Oracle {
  newState(xa: Float64Array): unknown;
  forward(state: never, tokens: readonly number[]): Float64Array;
}

function oracleFor(ckpt: WhisperCheckpoint, forms: SelfForm[] | null): Oracle {
  const w = new Weights64(ckpt);
  if (!forms) return new ReferenceDecoder(w, ckpt.dims) as unknown as Oracle;
  return new SlimReferenceDecoder(w, ckpt.dims, convertDecoder(w, ckpt), forms) as unknown as Oracle;
}

async function sessionFor(
  ckpt: WhisperCheckpoint,
  forms: SelfForm[] | null,
  maxBatch: number,
  maxGroups: number,
) {
  await ensureWasm();
  const packed = forms
    ? packDecoder(ckpt, 'slim', { layers: convertDecoder(new Weights64(ckpt), ckpt), forms })
    : packDecoder(ckpt, 'baseline');
  return openWasmDecoder(packed, { maxBatch, maxGroups });
}

function lastRow(logits: Float64Array, nVocab: number): Float64Array {
  return logits.subarray(logits.length - nVocab);
}

function check(got: Float32Array, want: Float64Array, what: string): number {
  const err = relativeError(Float64Array.from(got), want);
  assert.ok(err <= TOL, `${what}: relative error ${err}`);
  return err;
}

/** Prefill 4 sequences on groups [1, 0, 1, 0], step 12 times with reorders before steps 6 and 9. */
async function runScenario(ckpt: WhisperCheckpoint, forms: SelfForm[] | null, seed: number): Promise<number> {
  const { nVocab, nAudioCtx, nTextState } = ckpt.dims;
  const rng = new Rng(seed);
  const xa = [0, 1].map(() => rng.normals(nAudioCtx * nTextState));
  const oracle = oracleFor(ckpt, forms);
  const dec = await sessionFor(ckpt, forms, 4, 2);
  await dec.setAudio(xa);
  const groups = [1, 0, 1, 0];
  let states = groups.map((g) => oracle.newState(Float64Array.from(xa[g]!)));
  let worst = 0;
  const tok = () => rng.int(0, nVocab - 1);
  for (let s = 0; s < 4; s++) {
    const prompt = Array.from({ length: 1 + s }, tok);
    const got = await dec.prefill(s, groups[s]!, prompt);
    worst = Math.max(
      worst,
      check(got, lastRow(oracle.forward(states[s] as never, prompt), nVocab), `prefill ${s}`),
    );
  }
  for (let step = 0; step < 12; step++) {
    if (step === 6) {
      const src = [1, 1, 3, 0]; // a duplicate, a move, a swap
      await dec.reorder(src);
      states = src.map((i) => structuredClone(states[i]));
    }
    if (step === 9) {
      await dec.reorder([2, 3]); // sequences 2, 3 stay and also seed 0, 1: both copied
      states = [structuredClone(states[2]), structuredClone(states[3]), states[2], states[3]];
    }
    const tokens = Int32Array.from({ length: 4 }, tok);
    const r = await dec.step(tokens, { logits: true, topK: 3 });
    for (let s = 0; s < 4; s++) {
      const want = oracle.forward(states[s] as never, [tokens[s]!]);
      worst = Math.max(
        worst,
        check(r.logits!.subarray(s * nVocab, (s + 1) * nVocab), want, `step ${step} seq ${s}`),
      );
      const best = [...want.keys()].sort((a, b) => want[b]! - want[a]!).slice(0, 3);
      assert.deepEqual(Array.from(r.topIds!.subarray(s * 3, s * 3 + 3)), best, `step ${step} seq ${s} top-3`);
    }
  }
  dec.dispose();
  return worst;
}

const CASES: Array<[string, (L: number) => SelfForm[] | null]> = [
  ['Slim K-cache', (L) => Array<SelfForm>(L).fill('k-cache')],
  ['Slim X-cache', (L) => Array<SelfForm>(L).fill('x-cache')],
  ['Slim mixed', (L) => Array.from({ length: L }, (_, l): SelfForm => (l % 2 ? 'x-cache' : 'k-cache'))],
  ['baseline', () => null],
];

for (const [name, forms] of CASES) {
  test(`${name}: prefill + 12 steps, batch 4 on 2 groups, beam reorder — logits ≤ 1e-4 of float64`, async () => {
    const ckpt = fixture(8);
    const worst = await runScenario(ckpt, forms(ckpt.dims.nTextLayer), 7);
    console.log(`  ${name}: worst relative logit error ${worst.toExponential(2)}`);
  });
}

test('a prompt longer than one chunk (70 tokens in chunks of 32) then steps', async () => {
  const ckpt = fixture(4, { nTextCtx: 96, nTextLayer: 2 });
  const { nVocab, nAudioCtx, nTextState } = ckpt.dims;
  const rng = new Rng(9);
  const xa = rng.normals(nAudioCtx * nTextState);
  for (const forms of [['x-cache', 'k-cache'] as SelfForm[], null]) {
    const oracle = oracleFor(ckpt, forms);
    const state = oracle.newState(Float64Array.from(xa));
    const dec = await sessionFor(ckpt, forms, 2, 1);
    await dec.setAudio([xa]);
    const prompt = Array.from({ length: 70 }, () => rng.int(0, nVocab - 1));
    check(
      await dec.prefill(0, 0, prompt),
      lastRow(oracle.forward(state as never, prompt), nVocab),
      'prefill 70',
    );
    assert.equal(dec.length(0), 70);
    for (let i = 0; i < 10; i++) {
      const t = rng.int(0, nVocab - 1);
      const r = await dec.step(Int32Array.of(t), { logits: true });
      check(r.logits!, oracle.forward(state as never, [t]), `step ${i}`);
    }
    dec.dispose();
  }
});

/** log-softmax of one row, float64. */
function logSoftmax(l: Float32Array): Float64Array {
  const mx = Math.max(...l);
  const logZ = mx + Math.log(l.reduce((s, x) => s + Math.exp(x - mx), 0));
  return Float64Array.from(l, (x) => x - logZ);
}

test('top-k honours the suppression mask and returns log-probabilities', async () => {
  const ckpt = fixture(5);
  const { nVocab, nAudioCtx, nTextState } = ckpt.dims;
  const rng = new Rng(10);
  const dec: DecoderSession = await sessionFor(ckpt, null, 1, 1);
  await dec.setAudio([rng.normals(nAudioCtx * nTextState)]);
  await dec.prefill(0, 0, [1, 2, 3]);
  const free = await dec.step(Int32Array.of(4), { logits: true, topK: 2 });
  const best = free.topIds![0]!;
  assert.ok(Math.abs(free.topLogProbs![0]! - logSoftmax(free.logits!)[best]!) < 1e-5);
  await dec.reorder([0]); // a reorder onto itself keeps the sequence
  const suppress = new Float32Array(nVocab);
  suppress[best] = -Infinity;
  const masked = await dec.step(Int32Array.of(best), { logits: true, topK: 2, suppress });
  const second = masked.topIds![0]!;
  assert.notEqual(second, best);
  // Log-probabilities over the unmasked vocabulary: the mask's token takes no probability.
  const lp = logSoftmax(masked.logits!.map((x, j) => x + suppress[j]!));
  assert.ok(Math.abs(masked.topLogProbs![0]! - lp[second]!) < 1e-5);
  dec.dispose();
});

test('memory(): real allocations, Slim holds 1 matrix per layer and E, the baseline 2 and cross K,V', async () => {
  const ckpt = fixture(6);
  const { nTextLayer: L, nTextCtx: t, nTextState: d, nAudioCtx: A } = ckpt.dims;
  const slim = await sessionFor(ckpt, Array<SelfForm>(L).fill('x-cache'), 3, 2);
  const base = await sessionFor(ckpt, null, 3, 2);
  const ms = slim.memory(),
    mb = base.memory();
  assert.equal(ms.cacheBytesPerSequence, L * t * d * 4);
  assert.equal(mb.cacheBytesPerSequence, 2 * L * t * d * 4);
  assert.equal(ms.audioBytes, 2 * A * d * 4);
  assert.equal(mb.audioBytes, 2 * 2 * L * A * d * 4);
  assert.equal(ms.cacheBytesTotal, 3 * ms.cacheBytesPerSequence + ms.audioBytes);
  assert.equal(mb.cacheBytesTotal, 3 * mb.cacheBytesPerSequence + mb.audioBytes);
  assert.ok(
    ms.weightBytes > 0 && ms.weightBytes === mb.weightBytes - L * 2 * d * 4,
    'baseline keeps b_V twice per layer',
  );
  slim.dispose();
  base.dispose();
  await assert.rejects(() => slim.setAudio([]), /after dispose/);
});
