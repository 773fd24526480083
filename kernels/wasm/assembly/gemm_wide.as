// gemm_packed with float64 accumulation, rounded once to f32: for the K projection of K-cache
// layers, where V = K·W_KV multiplies any error of K by up to cond(W_K) (≈ 1e6 in real
// whisper-base layers). An f32 dot product of length d errs ~√d·ε relative to Σ|x·w|, far above
// the one rounding of the stored K that the form is measured with (DESIGN.md §1).
// w packed in panels of 32 columns ([n/32][k][32]); b = 0: no bias; acc ≠ 0: y += ….

const PANEL: i32 = 32;

@inline
function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

@inline
function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

@inline
function out(a: v128, c: v128, b: usize, y: usize, acc: i32): void {
  let r = f32x4.demote_f64x2_zero(a);
  r = f32x4.replace_lane(r, 2, <f32>f64x2.extract_lane(c, 0));
  r = f32x4.replace_lane(r, 3, <f32>f64x2.extract_lane(c, 1));
  if (b) r = f32x4.add(r, v128.load(b));
  if (acc) r = f32x4.add(r, v128.load(y));
  v128.store(y, r);
}

/** One row × 16 columns of a panel (row stride of the panel: 32 floats). */
function row16(x: usize, w: usize, k: i32, b: usize, y: usize, acc: i32): void {
  let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  let wp = w;
  for (let t = 0; t < k; t++) {
    const s = f64x2.splat(<f64>load<f32>(x + (<usize>t << 2)));
    const w0 = v128.load(wp), w1 = v128.load(wp, 16), w2 = v128.load(wp, 32), w3 = v128.load(wp, 48);
    a0 = f64x2.add(a0, f64x2.mul(s, lo(w0))); a1 = f64x2.add(a1, f64x2.mul(s, hi(w0)));
    a2 = f64x2.add(a2, f64x2.mul(s, lo(w1))); a3 = f64x2.add(a3, f64x2.mul(s, hi(w1)));
    a4 = f64x2.add(a4, f64x2.mul(s, lo(w2))); a5 = f64x2.add(a5, f64x2.mul(s, hi(w2)));
    a6 = f64x2.add(a6, f64x2.mul(s, lo(w3))); a7 = f64x2.add(a7, f64x2.mul(s, hi(w3)));
    wp += <usize>PANEL << 2;
  }
  out(a0, a1, b, y, acc);
  out(a2, a3, b ? b + 16 : 0, y + 16, acc);
  out(a4, a5, b ? b + 32 : 0, y + 32, acc);
  out(a6, a7, b ? b + 48 : 0, y + 48, acc);
}

export function gemm_packed_wide(
  x: usize, ldx: i32, w: usize, b: usize, y: usize, ldy: i32, m: i32, k: i32, n: i32, acc: i32,
): void {
  const panelBytes = <usize>k * (<usize>PANEL << 2);
  for (let p = 0; p < n; p += PANEL) {
    const wp = w + <usize>(p / PANEL) * panelBytes, c = <usize>p << 2;
    for (let i = 0; i < m; i++) {
      const xi = x + ((<usize>i * <usize>ldx) << 2), yi = y + ((<usize>i * <usize>ldy) << 2) + c;
      for (let h: usize = 0; h < 2; h++) row16(xi, wp + (h << 6), k, b ? b + c + (h << 6) : 0, yi + (h << 6), acc);
    }
  }
}
