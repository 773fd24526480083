// Small SIMD helpers shared by the kernels (AssemblyScript; compiled by kernels/wasm/build.ts).

/** Lane sum of an f32x4. */
@inline
export function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}

/** Lane maximum of an f32x4. */
@inline
export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** a + b·c, lane-wise (no fused multiply-add in baseline WASM SIMD). */
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(a, f32x4.mul(b, c));
}

/**
 * e^x per lane, Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial in r, 2^n through
 * the exponent bits. Relative error ≈ 1e-7. Lanes below −87.3 (including −∞) give exactly 0.
 */
@inline
export function exp4(x: v128): v128 {
  const lo = f32x4.splat(-87.33654);
  const xc = f32x4.max(f32x4.min(x, f32x4.splat(88.37626)), lo);
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = madd(f32x4.splat(1.3981999507e-3), p, r);
  p = madd(f32x4.splat(8.3334519073e-3), p, r);
  p = madd(f32x4.splat(4.1665795894e-2), p, r);
  p = madd(f32x4.splat(1.6666665459e-1), p, r);
  p = madd(f32x4.splat(5.0000001201e-1), p, r);
  p = f32x4.add(madd(r, p, f32x4.mul(r, r)), f32x4.splat(1));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  const y = f32x4.mul(p, pow2n);
  return v128.and(y, f32x4.ge(x, lo)); // exact zero below the range (masked −∞ scores)
}

/** Scalar e^x through the vector path (same rounding as exp4). */
@inline
export function exp1(x: f32): f32 {
  return f32x4.extract_lane(exp4(f32x4.splat(x)), 0);
}
