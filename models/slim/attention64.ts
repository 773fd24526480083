/**
 * The Slim attention forms in float64 (DESIGN.md §1), row-vector notation: W = weightᵀ.
 * They are the oracle for the fast kernels and the instrument of the conversion's error
 * measurements. Value biases are not applied here: they fold into the output bias.
 */
import { softmaxRowsInPlace } from '../reference/ops.ts';

/**
 * K-cache form: scores from q_i·K_iᵀ, values from (s_i·K)·W_KV,i.
 * q [nq, d], K [nk, d], wKV [d, d] (V = K·wKV). Returns concat_i(o_i) [nq, d].
 */
export function kCacheAttention(
  q: Float64Array,
  k: Float64Array,
  wKV: Float64Array,
  nq: number,
  nk: number,
  d: number,
  nHead: number,
  causalOffset?: number,
): Float64Array {
  const dk = d / nHead;
  const scale = 1 / Math.sqrt(dk);
  const out = new Float64Array(nq * d);
  const s = new Float64Array(nk);
  const u = new Float64Array(d);
  for (let h = 0; h < nHead; h++) {
    const ho = h * dk;
    for (let i = 0; i < nq; i++) {
      const limit = causalOffset === undefined ? nk : Math.min(nk, i + causalOffset + 1);
      for (let j = 0; j < limit; j++) {
        let dot = 0;
        for (let c = 0; c < dk; c++) dot += q[i * d + ho + c]! * k[j * d + ho + c]!;
        s[j] = dot * scale;
      }
      softmaxRowsInPlace(s, 1, limit);
      u.fill(0); // u = s_i · K, all d columns: K carries the whole input through W_KV
      for (let j = 0; j < limit; j++) for (let c = 0; c < d; c++) u[c] += s[j]! * k[j * d + c]!;
      for (let c = 0; c < dk; c++) {
        let acc = 0;
        for (let r = 0; r < d; r++) acc += u[r]! * wKV[r * d + ho + c]!;
        out[i * d + ho + c] = acc;
      }
    }
  }
  return out;
}

/**
 * Folded form, shared by the X-cache self-attention and Option 2 cross-attention: the key
 * weights fold into the query (a_i = q_i·W_K,iᵀ), scores run over the stored rows X, and the
 * weighted sum of X is projected by W_V,i. Nothing derived from X is ever materialised.
 * q [nq, d], x [nk, d] (the stored attention input Y, or the encoder output E),
 * wK, wV [d, d] row-vector form. Returns concat_i(o_i) [nq, d]; `weights` [nHead, nq, nk] if given.
 */
export function foldedAttention(
  q: Float64Array,
  x: Float64Array,
  wK: Float64Array,
  wV: Float64Array,
  nq: number,
  nk: number,
  d: number,
  nHead: number,
  causalOffset?: number,
  weights?: Float64Array,
): Float64Array {
  const dk = d / nHead;
  const scale = 1 / Math.sqrt(dk);
  const out = new Float64Array(nq * d);
  const a = new Float64Array(d);
  const s = new Float64Array(nk);
  const u = new Float64Array(d);
  for (let h = 0; h < nHead; h++) {
    const ho = h * dk;
    for (let i = 0; i < nq; i++) {
      for (let r = 0; r < d; r++) {
        let acc = 0; // a_i[r] = Σ_c q_i[c]·W_K[r, head c]
        for (let c = 0; c < dk; c++) acc += q[i * d + ho + c]! * wK[r * d + ho + c]!;
        a[r] = acc;
      }
      const limit = causalOffset === undefined ? nk : Math.min(nk, i + causalOffset + 1);
      for (let j = 0; j < limit; j++) {
        let dot = 0;
        for (let r = 0; r < d; r++) dot += a[r]! * x[j * d + r]!;
        s[j] = dot * scale;
      }
      softmaxRowsInPlace(s, 1, limit);
      if (weights) for (let j = 0; j < nk; j++) weights[(h * nq + i) * nk + j] = j < limit ? s[j]! : 0;
      u.fill(0);
      for (let j = 0; j < limit; j++) for (let r = 0; r < d; r++) u[r] += s[j]! * x[j * d + r]!;
      for (let c = 0; c < dk; c++) {
        let acc = 0;
        for (let r = 0; r < d; r++) acc += u[r]! * wV[r * d + ho + c]!;
        out[i * d + ho + c] = acc;
      }
    }
  }
  return out;
}
