/**
 * Float64 singular value decomposition on flat row-major matrices (for the converter: the
 * pseudo-inverse, condition number and numerical rank of each decoder layer's W_K).
 *
 * Algorithm, the LAPACK dgesvd/dgesdd family, written from the published algorithms:
 *   1. Householder bidiagonalization A = U_B·B·V_Bᵀ, B upper bidiagonal (svd-bidiag.ts, blocked).
 *   2. Singular values only: implicit-shift QR iteration on B (svd-bdqr.ts), O(n²) after step 1.
 *      With vectors: divide and conquer on B (svd-bddc.ts; QR iteration for small B), giving
 *      B = Q·diag(s)·Wᵀ.
 *   3. U = U_B·Q and V = V_B·W by blocked (compact WY) products with the reflectors.
 * Nearly all O(n³) work is in matrix products on a register-tiled kernel (svd-gemm.ts), about 3×
 * faster per flop in JavaScript than the vector loops (rotations, axpys) of textbook Golub–Reinsch.
 *
 * Layout: everything is row-major and the inner loops run along rows; singular vectors are kept
 * as rows (Uᵀ, Vᵀ) internally, so rotations and reflector products touch contiguous memory. A
 * wide matrix (m < n) is transposed first, so the core only sees rows ≥ cols.
 *
 * Accuracy: backward stable — the factors are exact for A + E with ‖E‖ ≈ c·n·eps·‖A‖ — so every
 * singular value is accurate to about eps·s[0] in absolute terms (tiny ones not necessarily to
 * full relative accuracy), and u, vt are orthonormal to about n·eps.
 */
import { SlimError } from '../errors.ts';
import { bidiagonalSvdDc } from './svd-bddc.ts';
import { bidiagonalQr } from './svd-bdqr.ts';
import { bidiagonalize, leftBackTransform, rightBackTransform } from './svd-bidiag.ts';
import { gemm } from './svd-gemm.ts';

/** a[m,n] = u[m,k] · diag(s[k]) · vt[k,n], k = min(m,n), s descending and non-negative. */
export interface Svd {
  u: Float64Array;
  s: Float64Array;
  vt: Float64Array;
  m: number;
  n: number;
  k: number;
}

export interface SvdOptions {
  /** Compute u and vt (default true). Without them only s is returned, several times faster. */
  vectors?: boolean;
}

const EPS = Number.EPSILON;
/** From this bidiagonal size on, divide and conquer beats QR iteration for the vectors. */
const DC_MIN_SIZE = 24;

/** Thin SVD of the row-major m×n matrix `a` (left untouched). */
export function svd(a: Float64Array, m: number, n: number, opts: SvdOptions = {}): Svd {
  checkShape(a, m, n, 'a');
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new SlimError('INVALID_ARGUMENT', 'svd: matrix has non-finite entries');
  }
  const vectors = opts.vectors ?? true;
  const k = Math.min(m, n);
  if (k === 0) return { u: new Float64Array(0), s: new Float64Array(0), vt: new Float64Array(0), m, n, k };

  // The core wants rows ≥ cols: for a wide A work on Aᵀ = U'·S·V'ᵀ, then A = V'·S·U'ᵀ.
  const tall = m >= n;
  const rows = tall ? m : n;
  const cols = tall ? n : m;
  const w = tall ? Float64Array.from(a) : transpose(a, m, n);
  // Scale by a power of two (exact) to max |a| ∈ [0.5, 1): no overflow or underflow for any input range.
  const amax = maxAbs(a);
  const scaleExp = amax > 0 ? Math.floor(Math.log2(amax)) + 1 : 0;
  scalePow2(w, -scaleExp);

  const bd = bidiagonalize(w, rows, cols);
  const d = bd.d;
  const allZero = flushNegligible(d, bd.e);
  let tri: { s: Float64Array; ut: Float64Array | null; vt: Float64Array | null };
  if (!vectors) {
    bidiagonalQr(d, bd.e, null, 0, null, 0);
    tri = { s: d, ut: null, vt: null };
  } else {
    // Singular triplets of B = Q·diag(s)·Wᵀ (as Qᵀ, Wᵀ), then U = U_B·Q and V = V_B·W.
    const dc = cols > DC_MIN_SIZE && !allZero;
    const bt = dc ? bidiagonalSvdDc(d, bd.e) : bidiagonalSvdQr(d, bd.e);
    tri = { s: bt.s, ut: leftBackTransform(bd, bt.ut), vt: rightBackTransform(bd, bt.vt) };
  }
  sortDescending(tri.s, tri.ut, rows, tri.vt, cols);
  const s = tri.s;
  scalePow2(s, scaleExp);
  const ut = tri.ut;
  const vt = tri.vt;
  if (!ut || !vt) return { u: new Float64Array(0), s, vt: new Float64Array(0), m, n, k };

  // Tall: u = (Uᵀ)ᵀ, vt = Vᵀ.  Wide: u = V' = (V'ᵀ)ᵀ, vt = U'ᵀ.
  return tall
    ? { u: transpose(ut, cols, rows), s, vt, m, n, k }
    : { u: transpose(vt, cols, cols), s, vt: ut, m, n, k };
}

/** Number of singular values above s[0]·rtol, rtol defaulting to max(m,n)·eps (numpy's matrix_rank). */
export function numericalRank(s: Float64Array, m: number, n: number, rtol?: number): number {
  const tol = rankTolerance(s, m, n, rtol);
  let r = 0;
  while (r < s.length && s[r] > tol) r++;
  return r;
}

/** s[0]/s[k-1] (2-norm condition number); Infinity when the smallest singular value is exactly 0. */
export function conditionNumber(s: Float64Array): number {
  if (s.length === 0) throw new SlimError('INVALID_ARGUMENT', 'conditionNumber: no singular values');
  const smin = s[s.length - 1];
  return smin === 0 ? Infinity : s[0] / smin;
}

/**
 * Minimum-norm least-squares solution X[n,p] of a·X ≈ b (b is [m,p]) through the SVD:
 * X = V · diag(1/s_i for s_i > tol, else 0) · Uᵀ · b, with the tolerance of `numericalRank`.
 */
export function pinvSolve(
  a: Float64Array,
  m: number,
  n: number,
  b: Float64Array,
  p: number,
  rtol?: number,
): Float64Array {
  checkShape(a, m, n, 'a');
  checkShape(b, m, p, 'b');
  const x = new Float64Array(n * p);
  if (Math.min(m, n) === 0 || p === 0) return x;
  const { u, s, vt, k } = svd(a, m, n);
  const r = numericalRank(s, m, n, rtol);

  // c[r,p] = diag(1/s)·U[:, :r]ᵀ·b and x[n,p] = V[:, :r]·c, as matrix products (for p ≈ n these
  // are O(n³), e.g. a full pseudo-inverse). gemm wants a plain left operand: transpose U and V first.
  const ur = new Float64Array(r * m);
  for (let row = 0; row < m; row++) for (let i = 0; i < r; i++) ur[i * m + row] = u[row * k + i];
  const c = new Float64Array(r * p);
  gemm(r, p, m, 1, { data: ur, off: 0, ld: m }, { data: b, off: 0, ld: p }, false, 0, {
    data: c,
    off: 0,
    ld: p,
  });
  for (let i = 0; i < r; i++) scale(c, i * p, p, 1 / s[i]);
  const vr = transpose(vt.subarray(0, r * n), r, n); // V[:, :r], n×r
  gemm(n, p, r, 1, { data: vr, off: 0, ld: r }, { data: c, off: 0, ld: p }, false, 0, {
    data: x,
    off: 0,
    ld: p,
  });
  return x;
}

function rankTolerance(s: Float64Array, m: number, n: number, rtol?: number): number {
  if (s.length === 0) return 0;
  return s[0] * (rtol ?? Math.max(m, n) * EPS);
}

function checkShape(x: Float64Array, rows: number, cols: number, name: string): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new SlimError('INVALID_ARGUMENT', `svd: bad shape ${rows}×${cols} for ${name}`);
  }
  if (x.length !== rows * cols) {
    throw new SlimError(
      'INVALID_ARGUMENT',
      `svd: ${name} has ${x.length} elements, expected ${rows}×${cols}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Scaling and small helpers.
// ---------------------------------------------------------------------------------------------

function maxAbs(x: Float64Array): number {
  let big = 0;
  for (let i = 0; i < x.length; i++) big = Math.max(big, Math.abs(x[i]));
  return big;
}

/** x ← x·2^e, exact (barring underflow of negligible entries); steps of 2^±1000 keep the factor finite. */
function scalePow2(x: Float64Array, e: number): void {
  while (e !== 0) {
    const step = Math.max(-1000, Math.min(1000, e));
    const f = 2 ** step;
    for (let i = 0; i < x.length; i++) x[i] *= f;
    e -= step;
  }
}

/**
 * Sets the bidiagonal entries ≤ eps·‖B‖ to zero (a perturbation ≤ 2·eps·‖B‖, within backward
 * stability, and the same threshold QR iteration uses to deflate). It splits rank-deficient
 * problems early and removes the near-underflow values they carry. Returns whether B is now 0.
 */
function flushNegligible(d: Float64Array, e: Float64Array): boolean {
  const big = Math.max(maxAbs(d), maxAbs(e));
  const tol = EPS * big;
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) <= tol) d[i] = 0;
  for (let i = 0; i < e.length; i++) if (Math.abs(e[i]) <= tol) e[i] = 0;
  return big === 0;
}

function scale(x: Float64Array, xo: number, len: number, alpha: number): void {
  for (let t = 0; t < len; t++) x[xo + t] *= alpha;
}

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  // Blocked, so that both the reads and the writes stay within a few cache lines per block.
  const out = new Float64Array(rows * cols);
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(i0 + B, rows);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(j0 + B, cols);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) out[j * rows + i] = a[i * cols + j];
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 2. Singular vectors of the bidiagonal, and back to A's coordinates.
// ---------------------------------------------------------------------------------------------

/** SVD of the bidiagonal by QR iteration (for small sizes): rotations accumulated from the identity. */
function bidiagonalSvdQr(
  d: Float64Array,
  e: Float64Array,
): { s: Float64Array; ut: Float64Array; vt: Float64Array } {
  const n = d.length;
  const ut = new Float64Array(n * n);
  const vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) ut[i * n + i] = vt[i * n + i] = 1;
  bidiagonalQr(d, e, ut, n, vt, n);
  return { s: d, ut, vt };
}

function sortDescending(
  d: Float64Array,
  ut: Float64Array | null,
  utLen: number,
  vt: Float64Array | null,
  vtLen: number,
): void {
  const n = d.length;
  for (let i = 0; i < n; i++) {
    if (d[i] < 0) {
      d[i] = -d[i];
      if (vt) scale(vt, i * vtLen, vtLen, -1);
    }
  }
  // Selection sort: O(n²) compares but at most n−1 row swaps, which are what cost O(n) each.
  for (let i = 0; i < n - 1; i++) {
    let best = i;
    for (let j = i + 1; j < n; j++) if (d[j] > d[best]) best = j;
    if (best === i) continue;
    const t = d[i];
    d[i] = d[best];
    d[best] = t;
    if (ut) swapRows(ut, utLen, i, best);
    if (vt) swapRows(vt, vtLen, i, best);
  }
}

function swapRows(x: Float64Array, len: number, p: number, q: number): void {
  const po = p * len;
  const qo = q * len;
  for (let t = 0; t < len; t++) {
    const v = x[po + t];
    x[po + t] = x[qo + t];
    x[qo + t] = v;
  }
}
