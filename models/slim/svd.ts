/**
 * Float64 singular value decomposition on flat row-major matrices.
 *
 * Algorithm (Golub–Reinsch, the family of LAPACK's dgesvd):
 *   1. Householder bidiagonalization A = U_B · B · V_Bᵀ, B upper bidiagonal.
 *   2. Optional accumulation of the reflectors into explicit U and V.
 *   3. Implicit-shift Golub–Kahan QR sweeps on B until it is diagonal, every
 *      Givens rotation also applied to U and V.
 *
 * Layout choices, all made so that the O(n³) loops run over contiguous memory:
 *   - The working matrix is row-major; each reflector update is a sequence of
 *     row axpys/dots (no strided column walks in the inner loops).
 *   - U and V are kept transposed (Uᵀ and Vᵀ, one singular vector per row), so a
 *     Givens rotation of two singular vectors touches two contiguous rows.
 *   - A wide matrix (m < n) is transposed first, so the core only ever sees rows ≥ cols.
 *
 * Accuracy: backward stable, i.e. the computed factors are exact for A + E with
 * ‖E‖ ≈ c·n·eps·‖A‖; every singular value is accurate to about eps·s[0] in absolute
 * terms (not necessarily in relative terms for the tiny ones).
 */
import { SlimError } from '../errors.ts';

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

  const d = new Float64Array(cols);
  const e = new Float64Array(Math.max(cols - 1, 0));
  const tauL = new Float64Array(cols);
  const tauR = new Float64Array(cols);
  bidiagonalize(w, rows, cols, d, e, tauL, tauR);

  let ut: Float64Array | null = null;
  let vt: Float64Array | null = null;
  if (vectors) {
    ut = leftVectorsT(w, rows, cols, tauL);
    vt = rightVectorsT(w, cols, tauR);
  }
  diagonalize(d, e, ut, rows, vt, cols);
  sortDescending(d, ut, rows, vt, cols);

  if (!ut || !vt) return { u: new Float64Array(0), s: d, vt: new Float64Array(0), m, n, k };
  // Tall: u = (Uᵀ)ᵀ, vt = Vᵀ.  Wide: u = V' = (V'ᵀ)ᵀ, vt = U'ᵀ.
  return tall
    ? { u: transpose(ut, cols, rows), s: d, vt, m, n, k }
    : { u: transpose(vt, cols, cols), s: d, vt: ut, m, n, k };
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

  // c[r,p] = diag(1/s) · U[:, :r]ᵀ · b, accumulated row by row of b (contiguous axpys).
  const c = new Float64Array(r * p);
  for (let row = 0; row < m; row++) {
    for (let i = 0; i < r; i++) axpy(c, i * p, u[row * k + i], b, row * p, p);
  }
  for (let i = 0; i < r; i++) scale(c, i * p, p, 1 / s[i]);
  // x[n,p] = V[:, :r] · c, with V[j,i] = vt[i,j].
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < n; j++) axpy(x, j * p, vt[i * n + j], c, i * p, p);
  }
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
// Small vector kernels. Plain loops over contiguous ranges: V8 compiles them to tight code and
// they keep the O(n³) phases out of strided memory.
// ---------------------------------------------------------------------------------------------

/** y[yo..yo+len) += alpha · x[xo..xo+len) */
function axpy(y: Float64Array, yo: number, alpha: number, x: Float64Array, xo: number, len: number): void {
  if (alpha === 0) return;
  for (let t = 0; t < len; t++) y[yo + t] += alpha * x[xo + t];
}

/** x[xo..xo+len) · y[yo..yo+len) */
function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  // Two accumulators halve the dependency chain of the additions.
  let s0 = 0;
  let s1 = 0;
  let t = 0;
  for (; t + 1 < len; t += 2) {
    s0 += x[xo + t] * y[yo + t];
    s1 += x[xo + t + 1] * y[yo + t + 1];
  }
  if (t < len) s0 += x[xo + t] * y[yo + t];
  return s0 + s1;
}

function scale(x: Float64Array, xo: number, len: number, alpha: number): void {
  for (let t = 0; t < len; t++) x[xo + t] *= alpha;
}

/**
 * Rows p and q of the row-major matrix x (row length len) become
 * (c·x_p + s·x_q, c·x_q − s·x_p): the plane rotation of two singular vectors.
 */
function rotateRows(x: Float64Array, len: number, p: number, q: number, c: number, s: number): void {
  const po = p * len;
  const qo = q * len;
  for (let t = 0; t < len; t++) {
    const xp = x[po + t];
    const xq = x[qo + t];
    x[po + t] = c * xp + s * xq;
    x[qo + t] = c * xq - s * xp;
  }
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

/** sqrt(f² + g²) without Math.hypot's cost in the common case, and without its overflow risk otherwise. */
function hypot(f: number, g: number): number {
  const r2 = f * f + g * g;
  if (r2 > 1e-290 && r2 < 1e290) return Math.sqrt(r2);
  return Math.hypot(f, g);
}

/** Euclidean norm of x[xo + t·stride], t < len, safe against overflow and underflow. */
function norm(x: Float64Array, xo: number, stride: number, len: number): number {
  let ss = 0;
  for (let t = 0; t < len; t++) {
    const v = x[xo + t * stride];
    ss += v * v;
  }
  if (ss > 1e-290 && ss < 1e290) return Math.sqrt(ss);
  // Rare path: rescale by the largest magnitude.
  let big = 0;
  for (let t = 0; t < len; t++) big = Math.max(big, Math.abs(x[xo + t * stride]));
  if (big === 0 || !Number.isFinite(big)) return big;
  ss = 0;
  for (let t = 0; t < len; t++) {
    const v = x[xo + t * stride] / big;
    ss += v * v;
  }
  return big * Math.sqrt(ss);
}

// ---------------------------------------------------------------------------------------------
// 1. Householder bidiagonalization.
// ---------------------------------------------------------------------------------------------

/**
 * Turns x = (x0, x[xo + t·stride] for 1 ≤ t < len) into a reflector H = I − τ·v·vᵀ with v0 = 1 and
 * H·x = β·e1. v[1..] overwrites x[1..]; returns τ and stores β in out[0].
 * β takes the sign opposite to x0 so that x0 − β never cancels.
 */
function makeReflector(
  x0: number,
  x: Float64Array,
  xo: number,
  stride: number,
  len: number,
): [number, number] {
  const tailNorm = len > 1 ? norm(x, xo + stride, stride, len - 1) : 0;
  if (tailNorm === 0) return [0, x0]; // already a multiple of e1: H = I
  const beta = x0 >= 0 ? -hypot(x0, tailNorm) : hypot(x0, tailNorm);
  const tau = (beta - x0) / beta;
  const inv = 1 / (x0 - beta);
  for (let t = 1; t < len; t++) x[xo + t * stride] *= inv;
  return [tau, beta];
}

/**
 * Reduces w[rows, cols] (rows ≥ cols) in place to upper bidiagonal form: d = diagonal, e = superdiagonal.
 * Left reflector j is stored below the diagonal in column j (tauL[j]); right reflector j, which
 * acts on columns j+1.., is stored right of the superdiagonal in row j (tauR[j]).
 */
function bidiagonalize(
  w: Float64Array,
  rows: number,
  cols: number,
  d: Float64Array,
  e: Float64Array,
  tauL: Float64Array,
  tauR: Float64Array,
): void {
  const acc = new Float64Array(cols); // scratch: vᵀ·W for the left update
  for (let j = 0; j < cols; j++) {
    const [tl, bl] = makeReflector(w[j * cols + j], w, j * cols + j, cols, rows - j);
    tauL[j] = tl;
    d[j] = bl;
    if (tl !== 0) applyLeftReflector(w, rows, cols, j, tl, acc);
    if (j + 1 >= cols) break;
    const ro = j * cols + j + 1; // row j, columns j+1..cols-1 (contiguous)
    const [tr, br] = makeReflector(w[ro], w, ro, 1, cols - j - 1);
    tauR[j] = tr;
    e[j] = br;
    if (tr !== 0) applyRightReflector(w, rows, cols, j, tr);
  }
}

/**
 * W[j:, j+1:] ← (I − τ·v·vᵀ)·W[j:, j+1:] with v stored in column j (v_j = 1).
 * Done as two row sweeps: acc = vᵀ·W (row axpys), then W_i −= τ·v_i·acc.
 */
function applyLeftReflector(
  w: Float64Array,
  rows: number,
  cols: number,
  j: number,
  tau: number,
  acc: Float64Array,
): void {
  const c0 = j + 1;
  const len = cols - c0;
  if (len === 0) return;
  acc.fill(0, 0, len);
  for (let i = j; i < rows; i++) {
    const vi = i === j ? 1 : w[i * cols + j];
    const ro = i * cols + c0;
    if (vi !== 0) for (let t = 0; t < len; t++) acc[t] += vi * w[ro + t];
  }
  for (let i = j; i < rows; i++) {
    const vi = i === j ? 1 : w[i * cols + j];
    axpy(w, i * cols + c0, -tau * vi, acc, 0, len);
  }
}

/**
 * W[j+1:, j+1:] ← W[j+1:, j+1:]·(I − τ·v·vᵀ) with v stored in row j from column j+1 (v_0 = 1).
 * One sweep: each row does a dot with v, then an axpy, while it is in L1.
 */
function applyRightReflector(w: Float64Array, rows: number, cols: number, j: number, tau: number): void {
  const c0 = j + 1;
  const len = cols - c0;
  const vo = j * cols + c0;
  const v0 = w[vo];
  w[vo] = 1; // temporarily make v explicit (its stored first entry is e[j]'s slot, unused afterwards)
  for (let i = j + 1; i < rows; i++) {
    const ro = i * cols + c0;
    const z = dot(w, ro, w, vo, len);
    if (z !== 0) axpy(w, ro, -tau * z, w, vo, len);
  }
  w[vo] = v0;
}

// ---------------------------------------------------------------------------------------------
// 2. Explicit singular vector bases from the stored reflectors.
// ---------------------------------------------------------------------------------------------

/**
 * Uᵀ[cols, rows] = [I 0]·H_{cols−1}···H_0, built by applying the reflectors from the right
 * in reverse order. When H_j is applied only rows ≥ j are non-trivial, so the cost is ~(4/3)n³
 * for a square matrix, and each row does a contiguous dot + axpy.
 */
function leftVectorsT(w: Float64Array, rows: number, cols: number, tauL: Float64Array): Float64Array {
  const ut = new Float64Array(cols * rows);
  for (let i = 0; i < cols; i++) ut[i * rows + i] = 1;
  const v = new Float64Array(rows);
  for (let j = cols - 1; j >= 0; j--) {
    const tau = tauL[j];
    if (tau === 0) continue;
    const len = rows - j;
    v[0] = 1;
    for (let t = 1; t < len; t++) v[t] = w[(j + t) * cols + j]; // gather the strided column once
    for (let r = j; r < cols; r++) {
      const ro = r * rows + j;
      const z = dot(ut, ro, v, 0, len);
      if (z !== 0) axpy(ut, ro, -tau * z, v, 0, len);
    }
  }
  return ut;
}

/** Vᵀ[cols, cols] = G_{cols−3}···G_0 (G_j acts on indices j+1..), same scheme as `leftVectorsT`. */
function rightVectorsT(w: Float64Array, cols: number, tauR: Float64Array): Float64Array {
  const vt = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) vt[i * cols + i] = 1;
  const v = new Float64Array(cols);
  for (let j = cols - 2; j >= 0; j--) {
    const tau = tauR[j];
    if (tau === 0) continue;
    const c0 = j + 1;
    const len = cols - c0;
    v[0] = 1;
    for (let t = 1; t < len; t++) v[t] = w[j * cols + c0 + t];
    for (let r = c0; r < cols; r++) {
      const ro = r * cols + c0;
      const z = dot(vt, ro, v, 0, len);
      if (z !== 0) axpy(vt, ro, -tau * z, v, 0, len);
    }
  }
  return vt;
}

// ---------------------------------------------------------------------------------------------
// 3. Implicit-shift QR on the bidiagonal (d, e).
// ---------------------------------------------------------------------------------------------

/** Givens pair (c, s) with c·f + s·g = r ≥ 0 and c·g − s·f = 0; r is returned in the third slot. */
function givens(f: number, g: number): [number, number, number] {
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
function diagonalize(
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

/** Makes d non-negative (flipping the matching right vector) and sorts it descending with the vectors. */
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
