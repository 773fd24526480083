// Per-head output projection shared by the V-free forms: o[i, head] = U[i, head, :]·W[:, head]
// (U [m, h, d] weighted sums of the stored rows, W [d, d] = W_V or W_KV packed in panels, head
// columns d_k wide: d_k % 32 == 0, so a head's columns are whole consecutive panels).
import { gemm_packed } from './gemm';

export function head_project(u: usize, m: i32, w: usize, out: usize, d: i32, h: i32): void {
  const dk = d / h;
  for (let head = 0; head < h; head++) {
    gemm_packed(u + ((<usize>head * <usize>d) << 2), h * d, w + ((<usize>head * <usize>dk * <usize>d) << 2), 0,
      out + ((<usize>head * <usize>dk) << 2), d, m, d, dk, 0);
  }
}
