/**
 * Chooses each decoder layer's self-attention form from measurements on real activations:
 * the reference decoder transcribes real clips, and for every layer the attention output of
 * each Slim form, with its cache rounded to fp32 and to fp16, is compared with the exact one.
 * Random inputs would mislead: the null space of a singular W_K carries no signal in real
 * activations but large errors in random ones (DESIGN.md §1).
 */
import type { ModelDimensions } from '../checkpoint/types.ts';
import { qkvAttention } from '../reference/attention.ts';
import { emptyTrace, ReferenceDecoder, type DecoderTrace } from '../reference/decoder.ts';
import { matmul } from '../reference/ops.ts';
import type { Weights64 } from '../reference/weights64.ts';
import { foldedAttention, kCacheAttention } from './attention64.ts';
import type { SlimLayer } from './convert.ts';
import type { SelfForm } from './decoder64.ts';
import { rounded, type Precision } from './precision.ts';

export interface FormErrors {
  fp32: number;
  fp16: number;
}

export interface LayerCalibration {
  layer: number;
  /** Form chosen for fp32 caches, and for fp16 caches. */
  form: SelfForm;
  formFp16: SelfForm;
  cond: number;
  rank: number;
  /** Relative error of the chosen form's attention output, fp32 and fp16 caches. */
  relErrFp32: number;
  relErrFp16: number;
  kCache: FormErrors;
  xCache: FormErrors;
  /** The standard K,V caches at the same precisions, for scale. */
  baseline: FormErrors;
}

export interface CalibrationClip {
  name: string;
  /** Encoder output [nAudioCtx, nTextState]. */
  xa: Float64Array;
}

/** Special token ids the greedy calibration decode needs. */
export interface CalibrationTokens {
  sot: number;
  eot: number;
  transcribe?: number;
  noTimestamps: number;
  /** Language token ids (empty for English-only models). */
  languages: number[];
}

export interface CalibrationOptions {
  /** Largest relative error the K-cache form may have to be chosen (or twice the baseline's). */
  threshold?: number;
  maxTokens?: number;
}

export interface CalibrationResult {
  threshold: number;
  clips: Array<{ name: string; tokens: number[] }>;
  layers: LayerCalibration[];
}

/** Greedy decode by the reference: the token sequence whose activations are measured. */
export function greedyTokens(
  dec: ReferenceDecoder,
  xa: Float64Array,
  ids: CalibrationTokens,
  maxTokens: number,
): number[] {
  const state = dec.newState(xa);
  const tokens = [ids.sot];
  let logits = dec.forward(state, [ids.sot]);
  if (ids.languages.length > 0) {
    const lang = ids.languages.reduce(
      (best, id) => (logits[id]! > logits[best]! ? id : best),
      ids.languages[0]!,
    );
    tokens.push(lang);
    dec.forward(state, [lang]);
  }
  const prompt = [...(ids.transcribe !== undefined ? [ids.transcribe] : []), ids.noTimestamps];
  tokens.push(...prompt);
  logits = dec.forward(state, prompt);
  const nVocab = dec.dims.nVocab;
  const budget = Math.min(maxTokens, dec.dims.nTextCtx - tokens.length);
  for (let i = 0; i < budget; i++) {
    const row = logits.subarray(logits.length - nVocab);
    let best = 0;
    for (let t = 1; t < ids.eot; t++) if (row[t]! > row[best]!) best = t; // text tokens only
    if (row[ids.eot]! > row[best]!) best = ids.eot;
    tokens.push(best);
    if (best === ids.eot || i === budget - 1) break;
    logits = dec.forward(state, [best]);
  }
  return tokens;
}

interface Accumulator {
  num: number;
  den: number;
}
const acc = (): Accumulator => ({ num: 0, den: 0 });
function add(a: Accumulator, got: Float64Array, want: Float64Array): void {
  for (let i = 0; i < want.length; i++) {
    a.num += (got[i]! - want[i]!) ** 2;
    a.den += want[i]! ** 2;
  }
}
const ratio = (a: Accumulator) => (a.den === 0 ? 0 : Math.sqrt(a.num / a.den));

interface LayerAccumulators {
  k: Record<'f32' | 'f16', Accumulator>;
  x: Record<'f32' | 'f16', Accumulator>;
  b: Record<'f32' | 'f16', Accumulator>;
}

function measureLayer(
  w: Weights64,
  dims: ModelDimensions,
  L: SlimLayer,
  trace: DecoderTrace,
  n: number,
  into: LayerAccumulators,
): void {
  const d = dims.nTextState;
  const h = dims.nTextHead;
  const y = trace.selfInput[L.layer]!;
  const q = trace.selfQuery[L.layer]!;
  const bV = w.get(`decoder.blocks.${L.layer}.attn.value.bias`);
  const want = trace.selfAttnOut[L.layer]!.map((v, i) => v - bV[i % d]!); // value bias folds out
  const wKV32 = rounded(L.selfKV.wKV, 'f32'); // kernels hold W_KV in fp32
  const k = matmul(y, L.selfWK, n, d, d);
  const v = matmul(y, L.selfWV, n, d, d);
  for (const p of ['f32', 'f16'] as const satisfies readonly Precision[]) {
    add(into.k[p], kCacheAttention(q, rounded(k, p), wKV32, n, n, d, h, 0), want);
    add(into.x[p], foldedAttention(q, rounded(y, p), L.selfWK, L.selfWV, n, n, d, h, 0), want);
    add(into.b[p], qkvAttention(q, rounded(k, p), rounded(v, p), n, n, d, h, 0).out, want);
  }
}

export function calibrate(
  w: Weights64,
  dims: ModelDimensions,
  layers: SlimLayer[],
  clips: CalibrationClip[],
  ids: CalibrationTokens,
  opts: CalibrationOptions = {},
): CalibrationResult {
  if (clips.length === 0) throw new Error('calibration needs at least one clip of real speech');
  const threshold = opts.threshold ?? 1e-4;
  const dec = new ReferenceDecoder(w, dims);
  const accs: LayerAccumulators[] = layers.map(() => ({
    k: { f32: acc(), f16: acc() },
    x: { f32: acc(), f16: acc() },
    b: { f32: acc(), f16: acc() },
  }));
  const decoded: CalibrationResult['clips'] = [];
  for (const clip of clips) {
    const tokens = greedyTokens(dec, clip.xa, ids, opts.maxTokens ?? 48);
    decoded.push({ name: clip.name, tokens });
    const trace = emptyTrace();
    dec.forward(dec.newState(clip.xa), tokens, trace);
    layers.forEach((L, i) => measureLayer(w, dims, L, trace, tokens.length, accs[i]!));
  }
  const result = layers.map((L, i): LayerCalibration => {
    const a = accs[i]!;
    const kCache = { fp32: ratio(a.k.f32), fp16: ratio(a.k.f16) };
    const xCache = { fp32: ratio(a.x.f32), fp16: ratio(a.x.f16) };
    const baseline = { fp32: ratio(a.b.f32), fp16: ratio(a.b.f16) };
    // The K-cache form may serve where its error is within the threshold, or no worse than
    // twice what the standard caches' own rounding costs at that precision.
    const pick = (kErr: number, baseErr: number): SelfForm =>
      kErr <= Math.max(threshold, 2 * baseErr) ? 'k-cache' : 'x-cache';
    const form = pick(kCache.fp32, baseline.fp32);
    const formFp16 = pick(kCache.fp16, baseline.fp16);
    return {
      layer: L.layer,
      form,
      formFp16,
      cond: L.selfKV.cond,
      rank: L.selfKV.rank,
      relErrFp32: form === 'k-cache' ? kCache.fp32 : xCache.fp32,
      relErrFp16: formFp16 === 'k-cache' ? kCache.fp16 : xCache.fp16,
      kCache,
      xCache,
      baseline,
    };
  });
  return { threshold, clips: decoded, layers: result };
}
