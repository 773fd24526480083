// Folded attention (DESIGN.md §1), one kernel for the X-cache self-attention (rows = the stored
// LN1 outputs Y of one sequence) and Option 2 cross-attention (rows = the encoder output E
// shared by all queries of one audio group):
//   a_i = q_i·W_K,iᵀ (fold the key weights into the query), s_i = softmax(a_i·Xᵀ/√d_k),
//   o_i = (s_i·X)·W_V,i.
// The passes over X are GEMMs with all heads (and all queries of the group) as rows, so X is
// streamed once per pass whatever the batch. Without a causal mask (cross-attention over the
// 1500 rows of E) the two passes run block by block with an online softmax, so each block of E
// is read from memory once and re-read from cache. q [m, d], X [t, d]; W_K head-major
// [h][d][d_k] (head i's W_K,i contiguous), W_V packed in panels; scratch A [m·h, d],
// S [m·h, t], U [m·h, d].
import { gemm_nn, gemm_nt } from './gemm';
import { head_project } from './heads';
import { softmax_rows } from './softmax';
import { exp4, hmax } from './vec';

/** Rows of X per block: 64 rows of E are 128 KB at d = 512, well inside a core's L2. */
const BLOCK: i32 = 64;

export function attention_folded(q: usize, m: i32, x: usize, t: i32, wk: usize, wv: usize, out: usize,
  a: usize, s: usize, u: usize, d: i32, h: i32, causalBase: i32): void {
  folded(q, m, x, t, wk, wv, out, a, s, u, d, h, causalBase, true);
}

/**
 * attention_folded that always takes the unblocked path, so S is left holding the attention
 * weights [m·h, t] (row i·h + head: query i, head): word alignment reads them from there.
 */
export function attention_folded_probs(q: usize, m: i32, x: usize, t: i32, wk: usize, wv: usize, out: usize,
  a: usize, s: usize, u: usize, d: i32, h: i32, causalBase: i32): void {
  folded(q, m, x, t, wk, wv, out, a, s, u, d, h, causalBase, false);
}

function folded(q: usize, m: i32, x: usize, t: i32, wk: usize, wv: usize, out: usize,
  a: usize, s: usize, u: usize, d: i32, h: i32, causalBase: i32, mayBlock: bool): void {
  const dk = d / h;
  for (let head = 0; head < h; head++) {
    const c = (<usize>head * <usize>dk) << 2;
    gemm_nt(q + c, d, wk + <usize>d * c, dk, 0, a + ((<usize>head * <usize>d) << 2), h * d, m, dk, d, 0);
  }
  const scale = <f32>1 / Mathf.sqrt(<f32>dk);
  if (mayBlock && causalBase < 0 && t >= 2 * BLOCK) blocked(a, m * h, x, t, s, u, d, scale);
  else {
    gemm_nt(a, d, x, d, 0, s, t, m * h, d, t, 0);
    softmax_rows(s, t, m * h, t, scale, causalBase, h);
    gemm_nn(s, t, x, d, 0, u, d, m * h, t, d, 0);
  }
  head_project(u, m, wv, out, d, h);
}

/**
 * U = softmax(A·Xᵀ·scale)·X block by block (flash-attention style): per row a running maximum
 * and sum; when a block raises the maximum, the row's U and sum are rescaled. S holds one
 * block of probabilities [rows, BLOCK] and then the running maxima and sums.
 */
function blocked(a: usize, rows: i32, x: usize, t: i32, s: usize, u: usize, d: i32, scale: f32): void {
  const mx = s + ((<usize>rows * <usize>BLOCK) << 2);
  const sum = mx + (<usize>rows << 2);
  for (let r = 0; r < rows; r++) {
    store<f32>(mx + (<usize>r << 2), -Infinity);
    store<f32>(sum + (<usize>r << 2), 0);
  }
  memory.fill(u, 0, (<usize>rows * <usize>d) << 2);
  for (let j0 = 0; j0 < t; j0 += BLOCK) {
    const n = min(BLOCK, t - j0);
    const xb = x + ((<usize>j0 * <usize>d) << 2);
    gemm_nt(a, d, xb, d, 0, s, n, rows, d, n, 0);
    for (let r = 0; r < rows; r++) online(s + ((<usize>r * <usize>n) << 2), n, scale, mx + (<usize>r << 2), sum + (<usize>r << 2), u + ((<usize>r * <usize>d) << 2), d);
    gemm_nn(s, n, xb, d, 0, u, d, rows, n, d, 1);
  }
  for (let r = 0; r < rows; r++) scaleRow(u + ((<usize>r * <usize>d) << 2), d, <f32>1 / load<f32>(sum + (<usize>r << 2)));
}

/** One row of a block: scores → exp((s − max)·scale) in place; running max, sum and U rescaled. */
function online(p: usize, n: i32, scale: f32, mxp: usize, sump: usize, ur: usize, d: i32): void {
  const n4 = n & ~3;
  let mv = f32x4.splat(-Infinity);
  for (let j = 0; j < n4; j += 4) mv = f32x4.max(mv, v128.load(p + (<usize>j << 2)));
  let bm = hmax(mv);
  for (let j = n4; j < n; j++) bm = max(bm, load<f32>(p + (<usize>j << 2)));
  const old = load<f32>(mxp);
  const m = max(old, bm);
  const mm = f32x4.splat(m), sc = f32x4.splat(scale);
  let sv = f32x4.splat(0);
  for (let j = 0; j < n4; j += 4) {
    const e = exp4(f32x4.mul(f32x4.sub(v128.load(p + (<usize>j << 2)), mm), sc));
    v128.store(p + (<usize>j << 2), e);
    sv = f32x4.add(sv, e);
  }
  let total = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
  for (let j = n4; j < n; j++) {
    const e = f32x4.extract_lane(exp4(f32x4.splat((load<f32>(p + (<usize>j << 2)) - m) * scale)), 0);
    store<f32>(p + (<usize>j << 2), e);
    total += e;
  }
  if (m > old) {
    // exp4 maps the first block's −∞ to an exact 0: U and the sum start from zero anyway.
    const alpha = f32x4.extract_lane(exp4(f32x4.splat((old - m) * scale)), 0);
    store<f32>(sump, load<f32>(sump) * alpha);
    scaleRow(ur, d, alpha);
  }
  store<f32>(mxp, m);
  store<f32>(sump, load<f32>(sump) + total);
}

function scaleRow(p: usize, d: i32, f: f32): void {
  const v = f32x4.splat(f);
  const end = <usize>d << 2;
  for (let o: usize = 0; o < end; o += 16) v128.store(p + o, f32x4.mul(v128.load(p + o), v));
}
