/**
 * The decoder's fixed weights as the fast paths take them: float32, projections in row-vector
 * form W [in, out] (y = x·W + b: a batch of rows times W reads W once, rows of W contiguous),
 * with the Slim conversion applied (W_KV for K-cache layers, value biases folded into output
 * biases). Built once per model; never changed by a job.
 */
import type { ModelDimensions, WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import type { SlimLayer } from '../../models/slim/convert.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import type { DecoderVariant } from './types.ts';

export interface Norm {
  w: Float32Array; // [d]
  b: Float32Array; // [d]
}

export interface PackedLayer {
  attnLn: Norm;
  wq: Float32Array; // [d, d]
  bq: Float32Array; // [d]
  wk: Float32Array; // [d, d] keys (baseline, K-cache) or the query fold (X-cache)
  /** K-cache form: V = K·wkv. Baseline and X-cache: the value projection. */
  wv: Float32Array; // [d, d]
  /** Baseline only: the value bias (Slim folds it into bo). */
  bv: Float32Array | null;
  wo: Float32Array; // [d, d]
  bo: Float32Array; // [d]
  crossLn: Norm;
  cwq: Float32Array;
  cbq: Float32Array;
  cwk: Float32Array;
  cwv: Float32Array;
  cbv: Float32Array | null;
  cwo: Float32Array;
  cbo: Float32Array;
  mlpLn: Norm;
  w1: Float32Array; // [d, 4d]
  b1: Float32Array; // [4d]
  w2: Float32Array; // [4d, d]
  b2: Float32Array; // [d]
}

export interface PackedDecoder {
  dims: ModelDimensions;
  variant: DecoderVariant;
  /** Self-attention form per layer (Slim); all 'baseline' for the standard decoder. */
  forms: Array<SelfForm | 'baseline'>;
  layers: PackedLayer[];
  ln: Norm;
  tokenEmbedding: Float32Array; // [nVocab, d]: embedding rows, and the tied output projection
  positionalEmbedding: Float32Array; // [nTextCtx, d]
}

function tensor(ckpt: WhisperCheckpoint, name: string): Float32Array {
  const t = ckpt.tensors.get(name);
  if (!t) throw new Error(`decoder weights: ${name} missing`);
  return t.data;
}

/** PyTorch Linear weight [out, in] → row-vector W [in, out]. */
export function toRowVector(w: Float32Array, nOut: number, nIn: number): Float32Array {
  const t = new Float32Array(nIn * nOut);
  for (let o = 0; o < nOut; o++) for (let i = 0; i < nIn; i++) t[i * nOut + o] = w[o * nIn + i]!;
  return t;
}

function norm(ckpt: WhisperCheckpoint, p: string): Norm {
  return { w: tensor(ckpt, `${p}.weight`), b: tensor(ckpt, `${p}.bias`) };
}

/**
 * Packs the decoder. For 'slim', `slim` gives the converted layers and the form of each layer
 * (from the conversion record, for the cache precision in use).
 */
export function packDecoder(
  ckpt: WhisperCheckpoint,
  variant: DecoderVariant,
  slim?: { layers: SlimLayer[]; forms: SelfForm[] },
): PackedDecoder {
  const d = ckpt.dims.nTextState;
  if (variant === 'slim' && (!slim || slim.forms.length !== ckpt.dims.nTextLayer)) {
    throw new Error('packDecoder: the Slim decoder needs the converted layers and one form per layer');
  }
  const lin = (name: string, nOut: number, nIn: number) => toRowVector(tensor(ckpt, name), nOut, nIn);
  const layers = Array.from({ length: ckpt.dims.nTextLayer }, (_, l): PackedLayer => {
    const p = `decoder.blocks.${l}`;
    const S = slim?.layers[l];
    const form = slim?.forms[l];
    return {
      attnLn: norm(ckpt, `${p}.attn_ln`),
      wq: lin(`${p}.attn.query.weight`, d, d),
      bq: tensor(ckpt, `${p}.attn.query.bias`),
      wk: lin(`${p}.attn.key.weight`, d, d),
      wv: S && form === 'k-cache' ? Float32Array.from(S.selfKV.wKV) : lin(`${p}.attn.value.weight`, d, d),
      bv: S ? null : tensor(ckpt, `${p}.attn.value.bias`),
      wo: lin(`${p}.attn.out.weight`, d, d),
      bo: S ? Float32Array.from(S.selfOutBias) : tensor(ckpt, `${p}.attn.out.bias`),
      crossLn: norm(ckpt, `${p}.cross_attn_ln`),
      cwq: lin(`${p}.cross_attn.query.weight`, d, d),
      cbq: tensor(ckpt, `${p}.cross_attn.query.bias`),
      cwk: lin(`${p}.cross_attn.key.weight`, d, d),
      cwv: lin(`${p}.cross_attn.value.weight`, d, d),
      cbv: S ? null : tensor(ckpt, `${p}.cross_attn.value.bias`),
      cwo: lin(`${p}.cross_attn.out.weight`, d, d),
      cbo: S ? Float32Array.from(S.crossOutBias) : tensor(ckpt, `${p}.cross_attn.out.bias`),
      mlpLn: norm(ckpt, `${p}.mlp_ln`),
      w1: lin(`${p}.mlp.0.weight`, 4 * d, d),
      b1: tensor(ckpt, `${p}.mlp.0.bias`),
      w2: lin(`${p}.mlp.2.weight`, d, 4 * d),
      b2: tensor(ckpt, `${p}.mlp.2.bias`),
    };
  });
  return {
    dims: ckpt.dims,
    variant,
    forms: slim ? [...slim.forms] : layers.map(() => 'baseline' as const),
    layers,
    ln: norm(ckpt, 'decoder.ln'),
    tokenEmbedding: tensor(ckpt, 'decoder.token_embedding.weight'),
    positionalEmbedding: tensor(ckpt, 'decoder.positional_embedding'),
  };
}

/** Bytes of all packed weight arrays. */
export function packedBytes(p: PackedDecoder): number {
  let n =
    p.tokenEmbedding.byteLength + p.positionalEmbedding.byteLength + p.ln.w.byteLength + p.ln.b.byteLength;
  for (const L of p.layers) {
    for (const v of Object.values(L)) {
      if (v instanceof Float32Array) n += v.byteLength;
      else if (v && typeof v === 'object') n += (v as Norm).w.byteLength + (v as Norm).b.byteLength;
    }
  }
  return n;
}
