// Slim self-attention, K-cache form: s_i = softmax(q_i·K_iᵀ/√d_k) over the cached keys of one
// sequence, u_i = s_i·K (all d columns: K carries the whole input), o_i = u_i·W_KV,i.
// q [m, d] (the m newest positions of the sequence), K [t, d], W_KV packed in panels;
// scratch S [m·h, t], U [m·h, d].
import { gemm_nn, gemm_nt } from './gemm';
import { head_project } from './heads';
import { softmax_rows } from './softmax';

export function attention_kcache(q: usize, m: i32, k: usize, t: i32, wkv: usize, out: usize,
  s: usize, u: usize, d: i32, h: i32, causalBase: i32): void {
  const dk = d / h;
  for (let head = 0; head < h; head++) {
    const c = (<usize>head * <usize>dk) << 2;
    gemm_nt(q + c, d, k + c, d, 0, s + ((<usize>head * <usize>t) << 2), h * t, m, dk, t, 0);
  }
  softmax_rows(s, t, m * h, t, <f32>1 / Mathf.sqrt(<f32>dk), causalBase, h);
  gemm_nn(s, t, k, d, 0, u, d, m * h, t, d, 0);
  head_project(u, m, wkv, out, d, h);
}
