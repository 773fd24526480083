/** Error measures for comparing encoder outputs with a reference. */

export interface Gap {
  /** ‖a − b‖ / ‖b‖ (Frobenius). */
  rel: number;
  /** max |a − b| / max |b|. */
  maxRel: number;
}

export function gap(a: ArrayLike<number>, b: ArrayLike<number>): Gap {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  let maxDiff = 0;
  let peak = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
    maxDiff = Math.max(maxDiff, Math.abs(d));
    peak = Math.max(peak, Math.abs(b[i]!));
  }
  return { rel: Math.sqrt(num / den), maxRel: maxDiff / peak };
}

export function fmt(g: Gap): string {
  return `rel ${g.rel.toExponential(2)}, max ${g.maxRel.toExponential(2)} of peak`;
}
