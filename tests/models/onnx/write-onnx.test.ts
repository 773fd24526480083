/**
 * The Transformers.js-layout fixture models are real, runnable ONNX: onnxruntime-web loads
 * them, and the fp32 encoder and decoder compute what the float64 reference computes.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-web';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import {
  quantizeTensor,
  writeTransformersJsFolder,
  type OnnxFixtureVariant,
  type WrittenOnnxFolder,
} from '../../../models/fixtures/write-onnx.ts';
import { ReferenceDecoder } from '../../../models/reference/decoder.ts';
import { encodeReference } from '../../../models/reference/encoder.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';

ort.env.wasm.numThreads = 1;

const tmp = mkdtempSync(join(tmpdir(), 'slim-onnx-fixture-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const ckpt: WhisperCheckpoint = makeFixtureCheckpoint({ seed: 5 });
const d = ckpt.dims;
const TOKENS = [50, 7, 300, 12, 99];

function mel(): Float32Array {
  return new Rng(9).normals(d.nMels * 2 * d.nAudioCtx, 0.5);
}

/** max |a − b| / max |b|: error relative to the output's scale. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

async function session(path: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(readFileSync(path));
}

const folders = new Map<OnnxFixtureVariant, WrittenOnnxFolder>();
let refEncoder: Float64Array;
let refLogits: Float64Array;
let refState: ReturnType<ReferenceDecoder['newState']>;

before(() => {
  for (const v of ['fp32', 'fp16', 'quantized'] as const)
    folders.set(v, writeTransformersJsFolder(ckpt, join(tmp, v), v));
  const w = new Weights64(ckpt);
  refEncoder = encodeReference(w, d, Float64Array.from(mel()));
  const dec = new ReferenceDecoder(w, d);
  refState = dec.newState(refEncoder);
  refLogits = dec.forward(refState, TOKENS);
});

async function runEncoder(v: OnnxFixtureVariant): Promise<ort.Tensor> {
  const s = await session(folders.get(v)!.encoder);
  const out = await s.run({
    input_features: new ort.Tensor('float32', mel(), [1, d.nMels, 2 * d.nAudioCtx]),
  });
  return out.last_hidden_state!;
}

/** Past cross keys/values [1, H, S, dk] from the reference's per-layer [S, d] rows. */
function pastFeeds(): Record<string, ort.Tensor> {
  const h = d.nTextHead;
  const dk = d.nTextState / h;
  const s = d.nAudioCtx;
  const split = (rows: Float64Array): ort.Tensor => {
    const out = new Float32Array(h * s * dk);
    for (let j = 0; j < s; j++)
      for (let c = 0; c < d.nTextState; c++)
        out[(Math.floor(c / dk) * s + j) * dk + (c % dk)] = rows[j * d.nTextState + c]!;
    return new ort.Tensor('float32', out, [1, h, s, dk]);
  };
  const feeds: Record<string, ort.Tensor> = {};
  for (let i = 0; i < d.nTextLayer; i++) {
    feeds[`past_key_values.${i}.encoder.key`] = split(refState.crossK[i]!);
    feeds[`past_key_values.${i}.encoder.value`] = split(refState.crossV[i]!);
  }
  return feeds;
}

async function runMerged(v: OnnxFixtureVariant, useCache: boolean): Promise<Float32Array> {
  const s = await session(folders.get(v)!.decoder);
  const out = await s.run({
    input_ids: new ort.Tensor('int64', BigInt64Array.from(TOKENS.map(BigInt)), [1, TOKENS.length]),
    encoder_hidden_states: new ort.Tensor('float32', Float32Array.from(refEncoder), [
      1,
      d.nAudioCtx,
      d.nAudioState,
    ]),
    use_cache_branch: new ort.Tensor('bool', [useCache], [1]),
    ...pastFeeds(),
  });
  assert.deepEqual(out.logits!.dims, [1, TOKENS.length, d.nVocab]);
  return out.logits!.data as Float32Array;
}

describe('fixture encoder in onnxruntime-web', () => {
  test('fp32 computes the Whisper encoder (float64 reference, rel. error < 1e-5)', async (t) => {
    const e = await runEncoder('fp32');
    assert.deepEqual(e.dims, [1, d.nAudioCtx, d.nAudioState]);
    const err = relErr(e.data as Float32Array, refEncoder);
    t.diagnostic(`fp32 encoder rel. error ${err.toExponential(2)}`);
    assert.ok(err < 1e-5, `fp32 encoder error ${err}`);
  });

  // fp16 computes in half precision; the 8-bit model also quantizes activations dynamically.
  for (const [v, tol] of [
    ['fp16', 1e-2],
    ['quantized', 5e-2],
  ] as const) {
    test(`${v} runs and stays near the reference (rel. error < ${tol})`, async (t) => {
      const err = relErr((await runEncoder(v)).data as Float32Array, refEncoder);
      t.diagnostic(`${v} encoder rel. error ${err.toExponential(2)}`);
      assert.ok(err < tol, `${v} encoder error ${err}`);
    });
  }
});

describe('fixture merged decoder in onnxruntime-web', () => {
  test('fp32 no-past branch computes the reference logits (rel. error < 1e-5)', async (t) => {
    const err = relErr(await runMerged('fp32', false), refLogits);
    t.diagnostic(`fp32 logits rel. error ${err.toExponential(2)}`);
    assert.ok(err < 1e-5, `fp32 logits error ${err}`);
  });

  test('fp32 with-past branch, fed the cross keys/values, gives the same logits', async () => {
    const err = relErr(await runMerged('fp32', true), refLogits);
    assert.ok(err < 1e-5, `with-past logits error ${err}`);
  });

  for (const [v, tol] of [
    ['fp16', 1e-2],
    ['quantized', 5e-2],
  ] as const) {
    test(`${v}: both branches run and stay near the reference (rel. error < ${tol})`, async (t) => {
      for (const useCache of [false, true]) {
        const err = relErr(await runMerged(v, useCache), refLogits);
        t.diagnostic(`${v} logits rel. error ${err.toExponential(2)} (use_cache_branch=${useCache})`);
        assert.ok(err < tol, `${v} logits error ${err} (use_cache_branch=${useCache})`);
      }
    });
  }

  test('non-merged decoder_model and decoder_with_past_model run too', async () => {
    const f = writeTransformersJsFolder(ckpt, join(tmp, 'plain'), 'fp32', { merged: false });
    const ids = new ort.Tensor('int64', BigInt64Array.from(TOKENS.map(BigInt)), [1, TOKENS.length]);
    const plain = await (
      await session(f.decoder)
    ).run({
      input_ids: ids,
      encoder_hidden_states: new ort.Tensor('float32', Float32Array.from(refEncoder), [
        1,
        d.nAudioCtx,
        d.nAudioState,
      ]),
    });
    assert.ok(relErr(plain.logits!.data as Float32Array, refLogits) < 1e-5);
    const past = await (await session(f.decoderWithPast!)).run({ input_ids: ids, ...pastFeeds() });
    assert.ok(relErr(past.logits!.data as Float32Array, refLogits) < 1e-5);
  });
});

describe('quantizeTensor (onnxruntime quantize_dynamic rules)', () => {
  const x = Float32Array.from([-1.2, -0.5, 0, 0.25, 2]);
  test('int8 is symmetric: zero point 0, scale absmax/127, values in [-127, 127]', () => {
    const q = quantizeTensor(x, [5], 'int8');
    assert.equal(q.zeroPoint, 0);
    assert.equal(q.scale, Math.fround(2 / 127));
    assert.deepEqual(Array.from(q.q.data as Int8Array | Uint8Array), [-76, -32, 0, 16, 127]);
  });
  test('uint8 is asymmetric over [min(0, x), max(0, x)]', () => {
    const q = quantizeTensor(Float32Array.from([0.4, 1]), [2], 'uint8');
    assert.equal(q.zeroPoint, 0); // the range always holds 0
    assert.equal(q.scale, Math.fround(1 / 255));
    assert.deepEqual(Array.from(q.q.data as Int8Array | Uint8Array), [102, 255]);
  });
});
