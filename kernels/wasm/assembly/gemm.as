// GEMM over the batch, fp32 SIMD. Three layouts, with row strides (in floats) so that head
// slices of q, K, W and strided outputs need no copies:
//   gemm_nn:     y[i, j] (+)= Σ_k x[i, k]·w[k, j] + b[j]   (w [k, n] row-major, n % 4 == 0)
//   gemm_packed: the same with w packed in panels of 32 columns, [n/32][k][32] (the fixed
//                weights: a panel streams contiguously from memory, which the strided walk down
//                a column strip of a row-major W does not — hardware prefetch stops at pages)
//   gemm_nt:     y[i, j] (+)= Σ_k x[i, k]·w[j, k] + b[j]   (w rows are outputs, [n, k], k % 4 == 0)
// b = 0 means no bias; acc ≠ 0 adds into y (residual connections).
import { hsum, madd } from './vec';

// ---- gemm_nn: tiles of 2 rows × 16 columns (8 accumulators: fits the 16 SIMD registers) ----

@inline
function finish(v: v128, b: usize, y: usize, acc: i32): void {
  let r = v;
  if (b) r = f32x4.add(r, v128.load(b));
  if (acc) r = f32x4.add(r, v128.load(y));
  v128.store(y, r);
}

function nn2x16(x0: usize, x1: usize, w: usize, ldw: usize, k: i32, b: usize, y0: usize, y1: usize, acc: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let c0 = a0, c1 = a0, c2 = a0, c3 = a0;
  let wp = w;
  for (let t = 0; t < k; t++) {
    const o = <usize>t << 2;
    const s = v128.load32_splat(x0 + o);
    const u = v128.load32_splat(x1 + o);
    const w0 = v128.load(wp), w1 = v128.load(wp, 16), w2 = v128.load(wp, 32), w3 = v128.load(wp, 48);
    a0 = madd(a0, s, w0); a1 = madd(a1, s, w1); a2 = madd(a2, s, w2); a3 = madd(a3, s, w3);
    c0 = madd(c0, u, w0); c1 = madd(c1, u, w1); c2 = madd(c2, u, w2); c3 = madd(c3, u, w3);
    wp += ldw;
  }
  finish(a0, b, y0, acc); finish(a1, b ? b + 16 : 0, y0 + 16, acc);
  finish(a2, b ? b + 32 : 0, y0 + 32, acc); finish(a3, b ? b + 48 : 0, y0 + 48, acc);
  finish(c0, b, y1, acc); finish(c1, b ? b + 16 : 0, y1 + 16, acc);
  finish(c2, b ? b + 32 : 0, y1 + 32, acc); finish(c3, b ? b + 48 : 0, y1 + 48, acc);
}

/** One row × 32 columns: 8 independent accumulators keep a single-row GEMV off the add latency. */
function nn1x32(x0: usize, w: usize, ldw: usize, k: i32, b: usize, y0: usize, acc: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  let wp = w;
  for (let t = 0; t < k; t++) {
    const s = v128.load32_splat(x0 + (<usize>t << 2));
    a0 = madd(a0, s, v128.load(wp)); a1 = madd(a1, s, v128.load(wp, 16));
    a2 = madd(a2, s, v128.load(wp, 32)); a3 = madd(a3, s, v128.load(wp, 48));
    a4 = madd(a4, s, v128.load(wp, 64)); a5 = madd(a5, s, v128.load(wp, 80));
    a6 = madd(a6, s, v128.load(wp, 96)); a7 = madd(a7, s, v128.load(wp, 112));
    wp += ldw;
  }
  finish(a0, b, y0, acc); finish(a1, b ? b + 16 : 0, y0 + 16, acc);
  finish(a2, b ? b + 32 : 0, y0 + 32, acc); finish(a3, b ? b + 48 : 0, y0 + 48, acc);
  finish(a4, b ? b + 64 : 0, y0 + 64, acc); finish(a5, b ? b + 80 : 0, y0 + 80, acc);
  finish(a6, b ? b + 96 : 0, y0 + 96, acc); finish(a7, b ? b + 112 : 0, y0 + 112, acc);
}

function nn1x16(x0: usize, w: usize, ldw: usize, k: i32, b: usize, y0: usize, acc: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let wp = w;
  for (let t = 0; t < k; t++) {
    const s = v128.load32_splat(x0 + (<usize>t << 2));
    a0 = madd(a0, s, v128.load(wp)); a1 = madd(a1, s, v128.load(wp, 16));
    a2 = madd(a2, s, v128.load(wp, 32)); a3 = madd(a3, s, v128.load(wp, 48));
    wp += ldw;
  }
  finish(a0, b, y0, acc); finish(a1, b ? b + 16 : 0, y0 + 16, acc);
  finish(a2, b ? b + 32 : 0, y0 + 32, acc); finish(a3, b ? b + 48 : 0, y0 + 48, acc);
}

function nn1x4(x0: usize, w: usize, ldw: usize, k: i32, b: usize, y0: usize, acc: i32): void {
  let a0 = f32x4.splat(0);
  let wp = w;
  for (let t = 0; t < k; t++) {
    a0 = madd(a0, v128.load32_splat(x0 + (<usize>t << 2)), v128.load(wp));
    wp += ldw;
  }
  finish(a0, b, y0, acc);
}

export function gemm_nn(
  x: usize, ldx: i32, w: usize, ldw: i32, b: usize, y: usize, ldy: i32, m: i32, k: i32, n: i32, acc: i32,
): void {
  const sx = <usize>ldx << 2, sw = <usize>ldw << 2, sy = <usize>ldy << 2;
  let j = 0;
  if (m == 1) {
    for (; j + 32 <= n; j += 32) nn1x32(x, w + (<usize>j << 2), sw, k, b ? b + (<usize>j << 2) : 0, y + (<usize>j << 2), acc);
  }
  for (; j + 16 <= n; j += 16) {
    const wj = w + (<usize>j << 2), bj = b ? b + (<usize>j << 2) : 0, yj = y + (<usize>j << 2);
    let i = 0;
    for (; i + 2 <= m; i += 2) {
      const xi = x + <usize>i * sx, yi = yj + <usize>i * sy;
      nn2x16(xi, xi + sx, wj, sw, k, bj, yi, yi + sy, acc);
    }
    if (i < m) nn1x16(x + <usize>i * sx, wj, sw, k, bj, yj + <usize>i * sy, acc);
  }
  for (; j < n; j += 4) {
    const wj = w + (<usize>j << 2), bj = b ? b + (<usize>j << 2) : 0, yj = y + (<usize>j << 2);
    for (let i = 0; i < m; i++) nn1x4(x + <usize>i * sx, wj, sw, k, bj, yj + <usize>i * sy, acc);
  }
}

/** Panel width of packed weights (floats): 128 bytes, two cache lines per row of a panel. */
export const PANEL: i32 = 32;

export function gemm_packed(
  x: usize, ldx: i32, w: usize, b: usize, y: usize, ldy: i32, m: i32, k: i32, n: i32, acc: i32,
): void {
  const panelBytes = <usize>k * (<usize>PANEL << 2);
  for (let p = 0; p < n; p += PANEL) {
    const c = <usize>p << 2;
    gemm_nn(x, ldx, w + <usize>(p / PANEL) * panelBytes, PANEL, b ? b + c : 0, y + c, ldy, m, k, PANEL, acc);
  }
}

// ---- gemm_nt: tiles of 2 rows of x × 4 rows of w, dot products along contiguous k ----

@inline
function put(v: f32, b: usize, y: usize, acc: i32): void {
  let r = v;
  if (b) r += load<f32>(b);
  if (acc) r += load<f32>(y);
  store<f32>(y, r);
}

function nt2x4(x0: usize, x1: usize, w0: usize, sw: usize, k: i32, b: usize, y0: usize, y1: usize, acc: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let c0 = a0, c1 = a0, c2 = a0, c3 = a0;
  const w1 = w0 + sw, w2 = w1 + sw, w3 = w2 + sw;
  const end = <usize>k << 2;
  for (let o: usize = 0; o < end; o += 16) {
    const s = v128.load(x0 + o), u = v128.load(x1 + o);
    const v0 = v128.load(w0 + o), v1 = v128.load(w1 + o), v2 = v128.load(w2 + o), v3 = v128.load(w3 + o);
    a0 = madd(a0, s, v0); a1 = madd(a1, s, v1); a2 = madd(a2, s, v2); a3 = madd(a3, s, v3);
    c0 = madd(c0, u, v0); c1 = madd(c1, u, v1); c2 = madd(c2, u, v2); c3 = madd(c3, u, v3);
  }
  put(hsum(a0), b, y0, acc); put(hsum(a1), b ? b + 4 : 0, y0 + 4, acc);
  put(hsum(a2), b ? b + 8 : 0, y0 + 8, acc); put(hsum(a3), b ? b + 12 : 0, y0 + 12, acc);
  put(hsum(c0), b, y1, acc); put(hsum(c1), b ? b + 4 : 0, y1 + 4, acc);
  put(hsum(c2), b ? b + 8 : 0, y1 + 8, acc); put(hsum(c3), b ? b + 12 : 0, y1 + 12, acc);
}

/** One row of x × 8 rows of w: the single-row case (logits at batch 1) with 8 accumulators. */
function nt1x8(x0: usize, w0: usize, sw: usize, k: i32, b: usize, y0: usize, acc: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const w1 = w0 + sw, w2 = w1 + sw, w3 = w2 + sw, w4 = w3 + sw, w5 = w4 + sw, w6 = w5 + sw, w7 = w6 + sw;
  const end = <usize>k << 2;
  for (let o: usize = 0; o < end; o += 16) {
    const s = v128.load(x0 + o);
    a0 = madd(a0, s, v128.load(w0 + o)); a1 = madd(a1, s, v128.load(w1 + o));
    a2 = madd(a2, s, v128.load(w2 + o)); a3 = madd(a3, s, v128.load(w3 + o));
    a4 = madd(a4, s, v128.load(w4 + o)); a5 = madd(a5, s, v128.load(w5 + o));
    a6 = madd(a6, s, v128.load(w6 + o)); a7 = madd(a7, s, v128.load(w7 + o));
  }
  put(hsum(a0), b, y0, acc); put(hsum(a1), b ? b + 4 : 0, y0 + 4, acc);
  put(hsum(a2), b ? b + 8 : 0, y0 + 8, acc); put(hsum(a3), b ? b + 12 : 0, y0 + 12, acc);
  put(hsum(a4), b ? b + 16 : 0, y0 + 16, acc); put(hsum(a5), b ? b + 20 : 0, y0 + 20, acc);
  put(hsum(a6), b ? b + 24 : 0, y0 + 24, acc); put(hsum(a7), b ? b + 28 : 0, y0 + 28, acc);
}

function nt1x4(x0: usize, w0: usize, sw: usize, k: i32, b: usize, y0: usize, acc: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  const w1 = w0 + sw, w2 = w1 + sw, w3 = w2 + sw;
  const end = <usize>k << 2;
  for (let o: usize = 0; o < end; o += 16) {
    const s = v128.load(x0 + o);
    a0 = madd(a0, s, v128.load(w0 + o)); a1 = madd(a1, s, v128.load(w1 + o));
    a2 = madd(a2, s, v128.load(w2 + o)); a3 = madd(a3, s, v128.load(w3 + o));
  }
  put(hsum(a0), b, y0, acc); put(hsum(a1), b ? b + 4 : 0, y0 + 4, acc);
  put(hsum(a2), b ? b + 8 : 0, y0 + 8, acc); put(hsum(a3), b ? b + 12 : 0, y0 + 12, acc);
}

function nt1x1(x0: usize, w0: usize, k: i32, b: usize, y0: usize, acc: i32): void {
  let a0 = f32x4.splat(0);
  const end = <usize>k << 2;
  for (let o: usize = 0; o < end; o += 16) a0 = madd(a0, v128.load(x0 + o), v128.load(w0 + o));
  put(hsum(a0), b, y0, acc);
}

export function gemm_nt(
  x: usize, ldx: i32, w: usize, ldw: i32, b: usize, y: usize, ldy: i32, m: i32, k: i32, n: i32, acc: i32,
): void {
  const sx = <usize>ldx << 2, sw = <usize>ldw << 2, sy = <usize>ldy << 2;
  let j = 0;
  if (m == 1) {
    for (; j + 8 <= n; j += 8) nt1x8(x, w + <usize>j * sw, sw, k, b ? b + (<usize>j << 2) : 0, y + (<usize>j << 2), acc);
  }
  for (; j + 4 <= n; j += 4) {
    const wj = w + <usize>j * sw, bj = b ? b + (<usize>j << 2) : 0, yj = y + (<usize>j << 2);
    let i = 0;
    for (; i + 2 <= m; i += 2) {
      const xi = x + <usize>i * sx, yi = yj + <usize>i * sy;
      nt2x4(xi, xi + sx, wj, sw, k, bj, yi, yi + sy, acc);
    }
    if (i < m) nt1x4(x + <usize>i * sx, wj, sw, k, bj, yj + <usize>i * sy, acc);
  }
  for (; j < n; j++) {
    const wj = w + <usize>j * sw, bj = b ? b + (<usize>j << 2) : 0, yj = y + (<usize>j << 2);
    for (let i = 0; i < m; i++) nt1x1(x + <usize>i * sx, wj, k, bj, yj + <usize>i * sy, acc);
  }
}
