/**
 * Implicit-shift QR iteration on an upper bidiagonal matrix (Golub–Kahan, with LAPACK dbdsqr's
 * shift: the smaller singular value of the trailing 2×2), used for the singular values alone,
 * for small problems, and for the leaves of the divide-and-conquer solver.
 *
 * Singular vectors are kept as rows (Uᵀ and Vᵀ): a Givens rotation of two vectors then
 * touches two contiguous rows, the cheapest access pattern a rotation can have.
 */
import { SlimError } from '../errors.ts';

const EPS = Number.EPSILON;

/**
 * Rows p and q of the row-major matrix x (row length len) become
 * (c·x_p + s·x_q, c·x_q − s·x_p): the plane rotation of two singular vectors.
 */
export function rotateRows(x: Float64Array, len: number, p: number, q: number, c: number, s: number): void {
  const po = p * len;
  const qo = q * len;
  for (let t = 0; t < len; t++) {
    const xp = x[po + t];
    const xq = x[qo + t];
    x[po + t] = c * xp + s * xq;
    x[qo + t] = c * xq - s * xp;
  }
}

/** sqrt(f² + g²) without Math.hypot's cost in the common case, and without its overflow risk otherwise. */
export function hypot(f: number, g: number): number {
  const r2 = f * f + g * g;
  if (r2 > 1e-290 && r2 < 1e290) return Math.sqrt(r2);
  return Math.hypot(f, g);
}

/** Givens pair (c, s) with c·f + s·g = r ≥ 0 and c·g − s·f = 0; r is returned in the third slot. */
export function givens(f: number, g: number): [number, number, number] {
  if (g === 0) return [1, 0, f];
  if (f === 0) return [0, 1, g];
  const r = hypot(f, g);
  return [f / r, g / r, r];
}

/**
 * Smaller singular value of the upper triangular [[f, g], [0, h]], from
 * σmax + σmin = √((|f|+|h|)² + g²), σmax − σmin = √((|f|−|h|)² + g²), σmax·σmin = |f·h|,
 * so σmin = 2|f·h| / (sum of the two roots): no cancellation. Scaled to avoid overflow.
 */
function smallerSingularValue2x2(f: number, g: number, h: number): number {
  const fa = Math.abs(f);
  const ga = Math.abs(g);
  const ha = Math.abs(h);
  const big = Math.max(fa, ga, ha);
  if (fa === 0 || ha === 0) return 0;
  const fs = fa / big;
  const gs = ga / big;
  const hs = ha / big;
  const sum = Math.sqrt((fs + hs) * (fs + hs) + gs * gs) + Math.sqrt((fs - hs) * (fs - hs) + gs * gs);
  return ((2 * fs * hs) / sum) * big;
}

/**
 * Drives the superdiagonal e to zero; on return d holds the singular values (any sign, any order).
 * Left rotations are applied to the rows of ut (row length utLen), right rotations to the rows
 * of vt (row length vtLen); either may be null.
 *
 * Negligibility tests, both backward stable (they perturb B by at most eps·‖B‖):
 *   e_k → 0 when |e_k| ≤ eps·(|d_k| + |d_k+1|) or |e_k| ≤ eps·‖B‖,
 *   d_k → 0 when |d_k| ≤ eps·‖B‖ (then row/column k is cleared by a rotation chase).
 */
export function bidiagonalQr(
  d: Float64Array,
  e: Float64Array,
  ut: Float64Array | null,
  utLen: number,
  vt: Float64Array | null,
  vtLen: number,
): void {
  const n = d.length;
  let bnorm = 0;
  for (let i = 0; i < n; i++) bnorm = Math.max(bnorm, Math.abs(d[i]));
  for (let i = 0; i < n - 1; i++) bnorm = Math.max(bnorm, Math.abs(e[i]));
  if (bnorm === 0) return;
  const absTol = EPS * bnorm;
  const negligibleE = (k: number): boolean => {
    const ek = Math.abs(e[k]);
    return ek <= absTol || ek <= EPS * (Math.abs(d[k]) + Math.abs(d[k + 1]));
  };

  // About two sweeps per singular value are typical; this cap only catches a broken invariant.
  const maxSweeps = 30 * n + 100;
  let sweeps = 0;
  let hi = n - 1;
  while (hi > 0) {
    if (negligibleE(hi - 1)) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    // The unreduced block is [lo, hi]: every e inside it is non-negligible.
    let lo = hi - 1;
    while (lo > 0 && !negligibleE(lo - 1)) lo--;
    if (lo > 0) e[lo - 1] = 0;

    const z = lastZeroDiagonal(d, lo, hi, absTol);
    if (z >= 0) {
      d[z] = 0;
      if (z < hi) clearRow(d, e, z, hi, ut, utLen);
      else clearColumn(d, e, lo, hi, vt, vtLen);
      continue;
    }
    if (++sweeps > maxSweeps)
      throw new SlimError('INTERNAL', `svd: QR iteration did not converge (n = ${n})`);
    qrSweep(d, e, lo, hi, ut, utLen, vt, vtLen);
  }
}

function lastZeroDiagonal(d: Float64Array, lo: number, hi: number, tol: number): number {
  for (let k = hi; k >= lo; k--) if (Math.abs(d[k]) <= tol) return k;
  return -1;
}

/**
 * d_k = 0 with k < hi: the row k of B is (0, e_k) and is swept to zero by left rotations against
 * rows k+1..hi (each rotation pushes the nonzero one column to the right). Afterwards e_k = 0,
 * which splits the block.
 */
function clearRow(
  d: Float64Array,
  e: Float64Array,
  k: number,
  hi: number,
  ut: Float64Array | null,
  utLen: number,
): void {
  let f = e[k];
  e[k] = 0;
  for (let j = k + 1; j <= hi && f !== 0; j++) {
    const [c, s, r] = givens(d[j], f);
    d[j] = r;
    if (j < hi) {
      f = -s * e[j];
      e[j] *= c;
    }
    if (ut) rotateRows(ut, utLen, j, k, c, s);
  }
}

/**
 * d_hi = 0: the column hi of B is (…, e_{hi−1}, 0) and is swept to zero by right rotations against
 * columns hi−1..lo (the nonzero climbs one row each time). Afterwards e_{hi−1} = 0 and d_hi = 0
 * deflates.
 */
function clearColumn(
  d: Float64Array,
  e: Float64Array,
  lo: number,
  hi: number,
  vt: Float64Array | null,
  vtLen: number,
): void {
  let f = e[hi - 1];
  e[hi - 1] = 0;
  for (let j = hi - 1; j >= lo && f !== 0; j--) {
    const [c, s, r] = givens(d[j], f);
    d[j] = r;
    if (j > lo) {
      f = -s * e[j - 1];
      e[j - 1] *= c;
    }
    if (vt) rotateRows(vt, vtLen, j, hi, c, s);
  }
}

/**
 * One implicit Golub–Kahan QR step on the unreduced block [lo, hi] (all d nonzero): equivalent to
 * a QR step on BᵀB shifted by σ², σ = smaller singular value of the trailing 2×2 of B, done by
 * chasing a bulge from the top to the bottom with alternate right and left rotations.
 */
function qrSweep(
  d: Float64Array,
  e: Float64Array,
  lo: number,
  hi: number,
  ut: Float64Array | null,
  utLen: number,
  vt: Float64Array | null,
  vtLen: number,
): void {
  let shift = smallerSingularValue2x2(d[hi - 1], e[hi - 1], d[hi]);
  const dlo = d[lo];
  // A shift below eps relative to the leading entry changes nothing but rounding: drop it.
  if ((shift / Math.abs(dlo)) * (shift / Math.abs(dlo)) < EPS) shift = 0;
  // First column of BᵀB − σ²I, (d_lo² − σ², d_lo·e_lo), divided by d_lo to stay in range.
  let f = (Math.abs(dlo) - shift) * (Math.sign(dlo) + shift / dlo);
  let g = e[lo];

  for (let k = lo; k < hi; k++) {
    // Right rotation on columns k, k+1: zeroes the bulge at (k−1, k+1) (or introduces the shift).
    let [c, s, r] = givens(f, g);
    if (k > lo) e[k - 1] = r;
    const dk = d[k];
    const ek = e[k];
    const dk1 = d[k + 1];
    f = c * dk + s * ek;
    let ekNew = c * ek - s * dk;
    g = s * dk1; // bulge at (k+1, k)
    let dk1New = c * dk1;
    if (vt) rotateRows(vt, vtLen, k, k + 1, c, s);

    // Left rotation on rows k, k+1: zeroes the bulge at (k+1, k), creates one at (k, k+2).
    [c, s, r] = givens(f, g);
    d[k] = r;
    f = c * ekNew + s * dk1New;
    dk1New = c * dk1New - s * ekNew;
    ekNew = f;
    d[k + 1] = dk1New;
    e[k] = ekNew;
    if (k < hi - 1) {
      g = s * e[k + 1];
      e[k + 1] *= c;
    }
    if (ut) rotateRows(ut, utLen, k, k + 1, c, s);
  }
  e[hi - 1] = f;
}
