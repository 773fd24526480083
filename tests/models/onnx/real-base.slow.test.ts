/**
 * End to end on the real whisper-base export: the imported weights reproduce the independent
 * float64 run of the same (dequantized) model on jfk.wav (../shared/reference/jfk-base).
 * Decoder: our float64 reference decoder on the stored encoder output. Encoder: the fixture
 * writer's fp32 ONNX encoder built from the imported weights, run by onnxruntime-web, on the
 * stored log-mel. Slow (~15 s): named *.slow.test.ts.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import * as ort from 'onnxruntime-web';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { encoderModelBytes } from '../../../models/fixtures/write-onnx.ts';
import { loadTransformersJsCheckpoint } from '../../../models/import/onnx.ts';
import { ReferenceDecoder } from '../../../models/reference/decoder.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { BASE_MODEL_DIR, readF32, sharedPath } from '../../helpers/shared.ts';

ort.env.wasm.numThreads = 1;

let ckpt: WhisperCheckpoint;
let meta: { tokens: number[]; logitsShape: [number, number] };
before(async () => {
  ckpt = await loadTransformersJsCheckpoint(BASE_MODEL_DIR);
  meta = JSON.parse(readFileSync(sharedPath('reference', 'jfk-base', 'meta.json'), 'utf8')) as typeof meta;
});

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

test('decoder: the first 5 steps’ logits match the float64 reference (rel. error < 1e-6)', (t) => {
  const xa = Float64Array.from(readF32(sharedPath('reference', 'jfk-base', 'encoder_output.f32')));
  const ref = readF32(sharedPath('reference', 'jfk-base', 'logits.f32'));
  const dec = new ReferenceDecoder(new Weights64(ckpt), ckpt.dims);
  const n = 5;
  const logits = dec.forward(dec.newState(xa), meta.tokens.slice(0, n));
  const v = ckpt.dims.nVocab;
  let err = 0;
  for (let i = 0; i < n * v; i++) err = Math.max(err, Math.abs(logits[i]! - ref[i]!));
  const rel = err / maxAbs(ref.subarray(0, n * v));
  t.diagnostic(`max |Δlogit| ${err.toExponential(2)} (rel. ${rel.toExponential(2)})`);
  assert.ok(rel < 1e-6, `logits differ by ${err}`);
  for (let i = 0; i < n; i++) {
    const row = Array.from(logits.subarray(i * v, (i + 1) * v));
    assert.equal(row.indexOf(Math.max(...row)), meta.tokens[i + 1], `greedy token ${i + 1}`);
  }
});

test('encoder: onnxruntime-web on an fp32 graph of the imported weights matches the reference (rel. < 1e-4)', async (t) => {
  const mel = readF32(sharedPath('reference', 'jfk-base', 'mel.f32'));
  const ref = readF32(sharedPath('reference', 'jfk-base', 'encoder_output.f32'));
  const s = await ort.InferenceSession.create(encoderModelBytes(ckpt, 'fp32'));
  const out = await s.run({ input_features: new ort.Tensor('float32', mel, [1, 80, 3000]) });
  const e = out.last_hidden_state!.data as Float32Array;
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(e[i]! - ref[i]!));
  const rel = err / maxAbs(ref);
  t.diagnostic(`max |ΔE| ${err.toExponential(2)} (rel. ${rel.toExponential(2)})`);
  assert.ok(rel < 1e-4, `encoder output differs by ${err}`);
});
