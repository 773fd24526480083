// LayerNorm over rows of width d (d % 4 == 0): y = (x − mean)/sqrt(var + eps)·g + b, two passes
// (mean, then centred variance) for accuracy.
import { hsum } from './vec';

export function layernorm(x: usize, ldx: i32, y: usize, ldy: i32, rows: i32, d: i32, g: usize, b: usize, eps: f32): void {
  const end = <usize>d << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + ((<usize>r * <usize>ldx) << 2);
    const yr = y + ((<usize>r * <usize>ldy) << 2);
    let s = f32x4.splat(0);
    for (let o: usize = 0; o < end; o += 16) s = f32x4.add(s, v128.load(xr + o));
    const mean = f32x4.splat(hsum(s) / <f32>d);
    let q = f32x4.splat(0);
    for (let o: usize = 0; o < end; o += 16) {
      const c = f32x4.sub(v128.load(xr + o), mean);
      q = f32x4.add(q, f32x4.mul(c, c));
    }
    const rstd = f32x4.splat(<f32>1 / Mathf.sqrt(hsum(q) / <f32>d + eps));
    for (let o: usize = 0; o < end; o += 16) {
      const c = f32x4.mul(f32x4.sub(v128.load(xr + o), mean), rstd);
      v128.store(yr + o, f32x4.add(f32x4.mul(c, v128.load(g + o)), v128.load(b + o)));
    }
  }
}
