/** Multi-head attention in float64, as openai/whisper model.py MultiHeadAttention. */
import { linear, matmul, softmaxRowsInPlace } from './ops.ts';
import type { Weights64 } from './weights64.ts';

export interface AttentionResult {
  /** [nq, nState] */
  out: Float64Array;
  /** Attention weights [nHead, nq, nk] when asked for. */
  weights?: Float64Array;
}

/**
 * Scaled dot-product attention of q[nq, d] over k, v [nk, d] with nHead heads.
 * `causalOffset` masks key j for query i when j > i + causalOffset (the decoder's causal mask,
 * where the queries are the last nq of offset+nq positions).
 */
export function qkvAttention(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  nq: number,
  nk: number,
  d: number,
  nHead: number,
  causalOffset?: number,
  keepWeights = false,
): AttentionResult {
  const dk = d / nHead;
  const scale = 1 / Math.sqrt(dk);
  const out = new Float64Array(nq * d);
  const weights = keepWeights ? new Float64Array(nHead * nq * nk) : undefined;
  for (let h = 0; h < nHead; h++) {
    const qh = headSlice(q, nq, d, h, dk);
    const kh = headSlice(k, nk, d, h, dk);
    const vh = headSlice(v, nk, d, h, dk);
    const s = linear(qh, nq, kh, dk, nk); // [nq, nk] = qh · khᵀ
    for (let i = 0; i < nq; i++) {
      const limit = causalOffset === undefined ? nk : Math.min(nk, i + causalOffset + 1);
      const row = s.subarray(i * nk, (i + 1) * nk);
      for (let j = 0; j < limit; j++) row[j]! *= scale;
      softmaxRowsInPlace(row, 1, limit);
      row.fill(0, limit); // masked keys
    }
    if (weights) weights.set(s, h * nq * nk);
    const oh = matmul(s, vh, nq, nk, dk); // [nq, dk]
    for (let i = 0; i < nq; i++) out.set(oh.subarray(i * dk, (i + 1) * dk), i * d + h * dk);
  }
  return weights ? { out, weights } : { out };
}

/** Head h's columns of a[n, d] as a contiguous [n, dk] copy. */
function headSlice(a: Float64Array, n: number, d: number, h: number, dk: number): Float64Array {
  const out = new Float64Array(n * dk);
  for (let i = 0; i < n; i++) out.set(a.subarray(i * d + h * dk, i * d + (h + 1) * dk), i * dk);
  return out;
}

/** The four projections of one attention module (`prefix` like 'decoder.blocks.0.attn'). */
export class AttentionWeights {
  constructor(
    readonly w: Weights64,
    readonly prefix: string,
    readonly nState: number,
  ) {}
  query(x: Float64Array, n: number): Float64Array {
    return linear(
      x,
      n,
      this.w.get(`${this.prefix}.query.weight`),
      this.nState,
      this.nState,
      this.w.get(`${this.prefix}.query.bias`),
    );
  }
  key(x: Float64Array, n: number): Float64Array {
    return linear(x, n, this.w.get(`${this.prefix}.key.weight`), this.nState, this.nState);
  }
  value(x: Float64Array, n: number): Float64Array {
    return linear(
      x,
      n,
      this.w.get(`${this.prefix}.value.weight`),
      this.nState,
      this.nState,
      this.w.get(`${this.prefix}.value.bias`),
    );
  }
  out(x: Float64Array, n: number): Float64Array {
    return linear(
      x,
      n,
      this.w.get(`${this.prefix}.out.weight`),
      this.nState,
      this.nState,
      this.w.get(`${this.prefix}.out.bias`),
    );
  }
}
