// Folded attention (DESIGN.md §1), one kernel for the X-cache self-attention (rows = the stored
// LN1 outputs Y of one sequence) and Option 2 cross-attention (rows = the encoder output E
// shared by all queries of one audio group):
//   a_i = q_i·W_K,iᵀ (fold the key weights into the query), s_i = softmax(a_i·Xᵀ/√d_k),
//   o_i = (s_i·X)·W_V,i.
// The two passes over X are GEMMs with all heads (and all queries of the group) as rows, so X
// is streamed once per pass whatever the batch. q [m, d], X [t, d]; W_K head-major [h][d][d_k]
// (head i's W_K,i contiguous), W_V packed in panels; scratch A [m·h, d], S [m·h, t], U [m·h, d].
import { gemm_nn, gemm_nt } from './gemm';
import { head_project } from './heads';
import { softmax_rows } from './softmax';

export function attention_folded(q: usize, m: i32, x: usize, t: i32, wk: usize, wv: usize, out: usize,
  a: usize, s: usize, u: usize, d: i32, h: i32, causalBase: i32): void {
  const dk = d / h;
  for (let head = 0; head < h; head++) {
    const c = (<usize>head * <usize>dk) << 2;
    gemm_nt(q + c, d, wk + <usize>d * c, dk, 0, a + ((<usize>head * <usize>d) << 2), h * d, m, dk, d, 0);
  }
  gemm_nt(a, d, x, d, 0, s, t, m * h, d, t, 0);
  softmax_rows(s, t, m * h, t, <f32>1 / Mathf.sqrt(<f32>dk), causalBase, h);
  gemm_nn(s, t, x, d, 0, u, d, m * h, t, d, 0);
  head_project(u, m, wv, out, d, h);
}
