import { roundHalf } from '../numerics/half.ts';

/** Precision a cache is stored in; the reference rounds to it on store. */
export type Precision = 'f64' | 'f32' | 'f16';

export function roundTo(p: Precision): (x: number) => number {
  if (p === 'f32') return Math.fround;
  if (p === 'f16') return roundHalf;
  return (x) => x;
}

/** A copy of a rounded to precision p. */
export function rounded(a: Float64Array, p: Precision): Float64Array {
  if (p === 'f64') return a;
  const r = roundTo(p);
  return a.map(r);
}

/** ‖a − b‖ / ‖b‖ (Frobenius). */
export function relativeError(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}
