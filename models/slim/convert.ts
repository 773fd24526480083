/**
 * The Slim conversion (DESIGN.md §1): per decoder layer, W_KV = W_K⁺·W_V in float64 by a
 * minimum-norm least-squares solve (some real W_K are singular), cond(W_K) and rank, and the
 * value biases folded into the output biases of self- and cross-attention.
 */
import type { WhisperCheckpoint } from '../checkpoint/types.ts';
import { transpose } from '../reference/ops.ts';
import type { Weights64 } from '../reference/weights64.ts';
import { conditionNumber, numericalRank, pinvSolve, svd } from './svd.ts';

/** A Linear weight [out, in] in row-vector form W = weightᵀ [in, out] (y = x·W + b). */
export function rowVector(w: Weights64, name: string, nIn: number, nOut: number): Float64Array {
  return transpose(w.get(name), nOut, nIn);
}

/**
 * b_O + b_V·W_O: softmax rows sum to 1, so a value bias passes through attention unchanged and
 * can join the output bias. outWeight is PyTorch [out, in].
 */
export function foldValueBias(
  outWeight: Float64Array,
  outBias: Float64Array,
  valueBias: Float64Array,
  d: number,
): Float64Array {
  const b = Float64Array.from(outBias);
  for (let o = 0; o < d; o++) {
    let acc = 0;
    for (let j = 0; j < d; j++) acc += valueBias[j]! * outWeight[o * d + j]!;
    b[o]! += acc;
  }
  return b;
}

export interface KeyValueSolve {
  /** [d, d], V = K·wKV in row-vector form. */
  wKV: Float64Array;
  cond: number;
  rank: number;
  /** Largest and smallest singular values of W_K. */
  sigmaMax: number;
  sigmaMin: number;
}

/** W_KV = W_K⁺·W_V (W_K, W_V in row-vector form [d, d]). */
export function solveKeyValue(wK: Float64Array, wV: Float64Array, d: number): KeyValueSolve {
  const { s } = svd(wK, d, d, { vectors: false });
  return {
    wKV: pinvSolve(wK, d, d, wV, d),
    cond: conditionNumber(s),
    rank: numericalRank(s, d, d),
    sigmaMax: s[0]!,
    sigmaMin: s[d - 1]!,
  };
}

/** The fixed weights a Slim decoder layer needs beyond the checkpoint's own. */
export interface SlimLayer {
  layer: number;
  /** Self-attention W_K, W_V in row-vector form [d, d] (X-cache form and measurements). */
  selfWK: Float64Array;
  selfWV: Float64Array;
  /** K-cache form's W_KV; cond and rank of W_K. */
  selfKV: KeyValueSolve;
  /** Output biases with the value bias folded in. */
  selfOutBias: Float64Array;
  crossWK: Float64Array;
  crossWV: Float64Array;
  crossOutBias: Float64Array;
}

export function convertLayer(w: Weights64, ckpt: WhisperCheckpoint, layer: number): SlimLayer {
  const d = ckpt.dims.nTextState;
  const p = `decoder.blocks.${layer}`;
  const selfWK = rowVector(w, `${p}.attn.key.weight`, d, d);
  const selfWV = rowVector(w, `${p}.attn.value.weight`, d, d);
  return {
    layer,
    selfWK,
    selfWV,
    selfKV: solveKeyValue(selfWK, selfWV, d),
    selfOutBias: foldValueBias(
      w.get(`${p}.attn.out.weight`),
      w.get(`${p}.attn.out.bias`),
      w.get(`${p}.attn.value.bias`),
      d,
    ),
    crossWK: rowVector(w, `${p}.cross_attn.key.weight`, d, d),
    crossWV: rowVector(w, `${p}.cross_attn.value.weight`, d, d),
    crossOutBias: foldValueBias(
      w.get(`${p}.cross_attn.out.weight`),
      w.get(`${p}.cross_attn.out.bias`),
      w.get(`${p}.cross_attn.value.bias`),
      d,
    ),
  };
}

export function convertDecoder(w: Weights64, ckpt: WhisperCheckpoint): SlimLayer[] {
  return Array.from({ length: ckpt.dims.nTextLayer }, (_, l) => convertLayer(w, ckpt, l));
}
