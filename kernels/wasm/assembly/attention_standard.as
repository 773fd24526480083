// The baseline's attention with K and V caches: o_i = softmax(q_i·K_iᵀ/√d_k)·V_i, per head.
// Self-attention (one sequence's caches) and cross-attention (one audio group's cross K, V,
// shared by its beams: every query of the group is a row, K and V are read once per head).
// K and V are stored head-major, [h][rows][d_k] (head i at i·headStride floats): each head's
// keys and values are one contiguous matrix, which the GEMMs stream; row-major [rows, d] would
// make every head walk a 256-byte slice of each 2 KB row, which hardware prefetch serves poorly.
// q [m, d]; scratch S [m·h, t].
import { gemm_nn, gemm_nt } from './gemm';
import { softmax_rows } from './softmax';

export function attention_standard(q: usize, m: i32, k: usize, v: usize, t: i32, headStride: i32, out: usize,
  s: usize, d: i32, h: i32, causalBase: i32): void {
  const dk = d / h;
  for (let head = 0; head < h; head++) {
    const kv = (<usize>head * <usize>headStride) << 2;
    gemm_nt(q + ((<usize>head * <usize>dk) << 2), d, k + kv, dk, 0, s + ((<usize>head * <usize>t) << 2), h * t, m, dk, t, 0);
  }
  softmax_rows(s, t, m * h, t, <f32>1 / Mathf.sqrt(<f32>dk), causalBase, h);
  for (let head = 0; head < h; head++) {
    const kv = (<usize>head * <usize>headStride) << 2;
    gemm_nn(s + ((<usize>head * <usize>t) << 2), h * t, v + kv, dk, 0, out + ((<usize>head * <usize>dk) << 2), d, m, t, dk, 0);
  }
}
