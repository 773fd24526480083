/**
 * The WASM session's align() (the teacher-forced pass of word timestamps) against the float64
 * ReferenceDecoderSession's on a fixture model, for Slim (K-cache, X-cache) and the baseline:
 * every position's logits ≤ 1e-4 relative (Frobenius) and the requested heads' cross-attention
 * weights within 1e-5 absolute (softmax rows in [0, 1]; measured ~1e-7). The fixture's audio
 * context (150 ≥ 128) is long enough that ordinary steps take Option 2's blocked online softmax,
 * so align() must switch to the path that keeps the weights; 40 tokens span two chunks of 32.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceDecoderSession } from '../../../kernels/decoder/reference-session.ts';
import { packDecoder } from '../../../kernels/decoder/weights.ts';
import { openWasmDecoder } from '../../../kernels/wasm/load-node.ts';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { convertDecoder } from '../../../models/slim/convert.ts';
import type { SelfForm } from '../../../models/slim/decoder64.ts';
import { relativeError } from '../../../models/slim/precision.ts';
import { ensureWasm } from './harness.ts';

const LOGITS_TOL = 1e-4;
const WEIGHTS_TOL = 1e-5;

function fixture(): WhisperCheckpoint {
  return makeFixtureCheckpoint({
    seed: 8,
    dims: { nTextHead: 2, nTextLayer: 3, nAudioCtx: 150, nTextCtx: 96 },
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const CASES: Array<[string, SelfForm | null]> = [
  ['Slim K-cache', 'k-cache'],
  ['Slim X-cache', 'x-cache'],
  ['baseline', null],
];

for (const [name, form] of CASES) {
  test(`${name}: align() = the float64 session's align() (logits ≤ ${LOGITS_TOL}, weights ≤ ${WEIGHTS_TOL}), then steps on`, async () => {
    await ensureWasm();
    const ckpt = fixture();
    const { nTextLayer: L, nVocab, nAudioCtx: A, nTextState: d } = ckpt.dims;
    const forms = form ? Array<SelfForm>(L).fill(form) : undefined;
    const packed = forms
      ? packDecoder(ckpt, 'slim', { layers: convertDecoder(new Weights64(ckpt), ckpt), forms })
      : packDecoder(ckpt, 'baseline');
    const dec = await openWasmDecoder(packed, { maxBatch: 2, maxGroups: 2 });
    const ref = new ReferenceDecoderSession(ckpt, forms ? 'slim' : 'baseline', 2, 2, forms);
    const rng = new Rng(11);
    const xa = [rng.normals(A * d), rng.normals(A * d)];
    await dec.setAudio(xa);
    await ref.setAudio(xa);
    const tokens = Array.from({ length: 40 }, () => rng.int(0, nVocab - 1));
    // Out of layer order, one layer twice, one layer absent.
    const req = {
      heads: [
        [2, 1],
        [0, 0],
        [2, 0],
      ] as Array<[number, number]>,
    };
    const got = await dec.align(0, 1, tokens, req);
    const want = await ref.align(0, 1, tokens, req);
    assert.equal(got.logits.length, tokens.length * nVocab);
    assert.equal(got.crossWeights.length, req.heads.length * tokens.length * A);
    const logitErr = relativeError(Float64Array.from(got.logits), Float64Array.from(want.logits));
    const weightErr = maxAbsDiff(got.crossWeights, want.crossWeights);
    console.log(
      `  ${name}: logits ${logitErr.toExponential(2)} relative, weights ${weightErr.toExponential(2)} max abs`,
    );
    assert.ok(logitErr <= LOGITS_TOL, `logits: relative error ${logitErr}`);
    assert.ok(weightErr <= WEIGHTS_TOL, `cross-attention weights: max error ${weightErr}`);
    // The rows are softmaxes over the audio positions.
    for (let r = 0; r < req.heads.length * tokens.length; r++) {
      const sum = got.crossWeights.subarray(r * A, (r + 1) * A).reduce((s, x) => s + x, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${r} sums to ${sum}`);
    }
    // align() leaves the sequence as prefill would: the next step continues it.
    assert.equal(dec.length(0), tokens.length);
    const t = rng.int(0, nVocab - 1);
    const next = await dec.step(Int32Array.of(t), { logits: true });
    const nextRef = await ref.step(Int32Array.of(t), { logits: true });
    const stepErr = relativeError(Float64Array.from(next.logits!), Float64Array.from(nextRef.logits!));
    assert.ok(stepErr <= LOGITS_TOL, `step after align: relative error ${stepErr}`);
    dec.dispose();
  });
}

test('align() rejects a head the model does not have', async () => {
  await ensureWasm();
  const ckpt = fixture();
  const dec = await openWasmDecoder(packDecoder(ckpt, 'baseline'), { maxBatch: 1, maxGroups: 1 });
  const { nAudioCtx: A, nTextState: d } = ckpt.dims;
  await dec.setAudio([new Rng(1).normals(A * d)]);
  await assert.rejects(dec.align(0, 0, [1, 2], { heads: [[3, 0]] }), /no attention head \[3, 0\]/);
  await assert.rejects(dec.align(0, 0, [1, 2], { heads: [[0, 2]] }), /no attention head \[0, 2\]/);
  dec.dispose();
});
