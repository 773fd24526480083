// GELU (erf form, as torch.nn.GELU()): 0.5·x·(1 + erf(x/√2)), in place over count floats
// (count % 4 == 0). erf by Abramowitz–Stegun 7.1.26 (absolute error ≤ 1.5e-7).
import { exp4, madd } from './vec';

@inline
function erf4(x: v128): v128 {
  const a = f32x4.abs(x);
  const t = f32x4.div(f32x4.splat(1), madd(f32x4.splat(1), f32x4.splat(0.3275911), a));
  let p = f32x4.splat(1.061405429);
  p = madd(f32x4.splat(-1.453152027), p, t);
  p = madd(f32x4.splat(1.421413741), p, t);
  p = madd(f32x4.splat(-0.284496736), p, t);
  p = madd(f32x4.splat(0.254829592), p, t);
  p = f32x4.mul(p, t);
  const e = f32x4.sub(f32x4.splat(1), f32x4.mul(p, exp4(f32x4.neg(f32x4.mul(a, a)))));
  return v128.bitselect(f32x4.neg(e), e, f32x4.lt(x, f32x4.splat(0)));
}

export function gelu(x: usize, count: i32): void {
  const end = <usize>count << 2;
  const half = f32x4.splat(0.5), one = f32x4.splat(1), invSqrt2 = f32x4.splat(0.70710678118654752);
  for (let o: usize = 0; o < end; o += 16) {
    const v = v128.load(x + o);
    v128.store(x + o, f32x4.mul(f32x4.mul(half, v), f32x4.add(one, erf4(f32x4.mul(v, invSqrt2)))));
  }
}
