/** Multi-head attention in float64, as openai/whisper model.py MultiHeadAttention. */
import { linear, softmaxRowsInPlace } from './ops.ts';
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
  const s = new Float64Array(nk);
  for (let h = 0; h < nHead; h++) {
    const ho = h * dk;
    for (let i = 0; i < nq; i++) {
      const limit = causalOffset === undefined ? nk : Math.min(nk, i + causalOffset + 1);
      for (let j = 0; j < nk; j++) {
        if (j >= limit) {
          s[j] = -Infinity;
          continue;
        }
        let dot = 0;
        for (let c = 0; c < dk; c++) dot += q[i * d + ho + c]! * k[j * d + ho + c]!;
        s[j] = dot * scale;
      }
      softmaxRowsInPlace(s, 1, nk);
      if (weights) weights.set(s, (h * nq + i) * nk);
      for (let j = 0; j < limit; j++) {
        const p = s[j]!;
        for (let c = 0; c < dk; c++) out[i * d + ho + c] += p * v[j * d + ho + c]!;
      }
    }
  }
  return weights ? { out, weights } : { out };
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
