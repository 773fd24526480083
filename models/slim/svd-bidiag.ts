/**
 * Householder bidiagonalization A = U_B·B·V_Bᵀ of a row-major rows×cols matrix (rows ≥ cols), and
 * the products with U_B and V_B that turn the bidiagonal's singular vectors into A's.
 *
 * Both are blocked (LAPACK's dgebrd / dormbr structure): within a panel of NB columns the
 * reflectors are generated with matrix-vector products against the panel-start matrix, and the
 * rest of the matrix is updated once per panel by two matrix products (svd-gemm.ts), which run
 * several times faster per flop than vector loops. All inner loops run along rows.
 */
import { hypot } from './svd-bdqr.ts';
import { gemm } from './svd-gemm.ts';

/** Panel width of the blocked reduction and block size of the compact-WY products. */
const NB = 32;
/** Below this trailing size the unblocked reduction is cheaper than the panel bookkeeping. */
const BLOCKED_MIN = 3 * NB;
/**
 * Reflector tails below this are treated as zero. The caller scales A to max |a| ≈ 1, so this is
 * far below eps·‖A‖ (a backward-stable perturbation) and keeps every division finite: rank-deficient
 * trailing matrices otherwise shrink by ~eps per step until they underflow.
 */
const NEGLIGIBLE = 1e-290;

/** The reduced matrix: d, e (the bidiagonal) and the reflectors, stored in w as in LAPACK. */
export interface Bidiagonal {
  rows: number;
  cols: number;
  /** Left reflector j in column j below the diagonal; right reflector j in row j from column j+2. */
  w: Float64Array;
  d: Float64Array;
  e: Float64Array;
  tauL: Float64Array;
  tauR: Float64Array;
}

/** Reduces w[rows, cols] (rows ≥ cols, overwritten) to upper bidiagonal form. */
export function bidiagonalize(w: Float64Array, rows: number, cols: number): Bidiagonal {
  const bd: Bidiagonal = {
    rows,
    cols,
    w,
    d: new Float64Array(cols),
    e: new Float64Array(Math.max(cols - 1, 0)),
    tauL: new Float64Array(cols),
    tauR: new Float64Array(cols),
  };
  let j0 = 0;
  const panel = new Panel(rows, cols);
  while (cols - j0 > BLOCKED_MIN) {
    reducePanel(bd, j0, panel);
    j0 += NB;
  }
  const acc = new Float64Array(cols);
  for (let j = j0; j < cols; j++) unblockedStep(bd, j, acc);
  return bd;
}

// ---------------------------------------------------------------------------------------------
// Reflectors and vector kernels.
// ---------------------------------------------------------------------------------------------

/**
 * Turns x = (x0, x[xo + t·stride] for 1 ≤ t < len) into a reflector H = I − τ·v·vᵀ with v0 = 1 and
 * H·x = β·e1; v[1..] overwrites x[1..]. Returns [τ, β] (|β| ≥ 1e-290 unless τ = 0). β takes the sign opposite to x0 so that
 * x0 − β never cancels.
 */
function makeReflector(
  x0: number,
  x: Float64Array,
  xo: number,
  stride: number,
  len: number,
): [number, number] {
  const tailNorm = len > 1 ? norm(x, xo + stride, stride, len - 1) : 0;
  if (tailNorm < NEGLIGIBLE) {
    // Already a multiple of e1 (or off by less than 1e-290 while ‖A‖ ~ 1, see `svd`): H = I.
    // Zeroing the tail keeps the reflector storage consistent and 1/(x0 − β) finite.
    for (let t = 1; t < len; t++) x[xo + t * stride] = 0;
    return [0, x0];
  }
  const beta = x0 >= 0 ? -hypot(x0, tailNorm) : hypot(x0, tailNorm);
  const tau = (beta - x0) / beta;
  const inv = 1 / (x0 - beta);
  for (let t = 1; t < len; t++) x[xo + t * stride] *= inv;
  return [tau, beta];
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

/** y[yo..yo+len) += alpha · x[xo..xo+len) */
function axpy(y: Float64Array, yo: number, alpha: number, x: Float64Array, xo: number, len: number): void {
  if (alpha === 0) return;
  for (let t = 0; t < len; t++) y[yo + t] += alpha * x[xo + t];
}

/** x[xo..xo+len) · y[yo..yo+len), with two accumulators to halve the addition dependency chain. */
function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
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

/**
 * out[0..len) = Σ_{r=r0}^{r1−1} v[r]·a[r, c0..c0+len) (a row-major with row length ld): Aᵀ·v by
 * rows, four rows per pass so that each load/store of out serves four multiply-adds.
 */
function gemvT(
  a: Float64Array,
  ld: number,
  r0: number,
  r1: number,
  c0: number,
  len: number,
  v: Float64Array,
  out: Float64Array,
): void {
  out.fill(0, 0, len);
  let r = r0;
  for (; r + 3 < r1; r += 4) {
    const v0 = v[r];
    const v1 = v[r + 1];
    const v2 = v[r + 2];
    const v3 = v[r + 3];
    const o0 = r * ld + c0;
    const o1 = o0 + ld;
    const o2 = o1 + ld;
    const o3 = o2 + ld;
    for (let t = 0; t < len; t++) out[t] += v0 * a[o0 + t] + v1 * a[o1 + t] + v2 * a[o2 + t] + v3 * a[o3 + t];
  }
  for (; r < r1; r++) axpy(out, 0, v[r], a, r * ld + c0, len);
}

/**
 * out[r] = a[r, c0..c0+len) · u[0..len) for r0 ≤ r < r1: four row dots per pass share each load of u.
 */
function gemvN(
  a: Float64Array,
  ld: number,
  r0: number,
  r1: number,
  c0: number,
  len: number,
  u: Float64Array,
  out: Float64Array,
): void {
  let r = r0;
  for (; r + 3 < r1; r += 4) {
    const o0 = r * ld + c0;
    const o1 = o0 + ld;
    const o2 = o1 + ld;
    const o3 = o2 + ld;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let t = 0; t < len; t++) {
      const ut = u[t];
      s0 += a[o0 + t] * ut;
      s1 += a[o1 + t] * ut;
      s2 += a[o2 + t] * ut;
      s3 += a[o3 + t] * ut;
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
  }
  for (; r < r1; r++) out[r] = dot(a, r * ld + c0, u, 0, len);
}

// ---------------------------------------------------------------------------------------------
// Unblocked reduction (the tail, and the reference the blocked one must match).
// ---------------------------------------------------------------------------------------------

/** One left and one right reflector, each applied at once to the whole trailing matrix. */
function unblockedStep(bd: Bidiagonal, j: number, acc: Float64Array): void {
  const { w, rows, cols } = bd;
  const [tl, bl] = makeReflector(w[j * cols + j], w, j * cols + j, cols, rows - j);
  bd.tauL[j] = tl;
  bd.d[j] = bl;
  const c0 = j + 1;
  const len = cols - c0;
  if (len === 0) return;
  if (tl !== 0) {
    // W[j:, j+1:] −= τ·v·(vᵀ·W[j:, j+1:]), v from column j with v_j = 1.
    const v = new Float64Array(rows);
    v[j] = 1;
    for (let i = j + 1; i < rows; i++) v[i] = w[i * cols + j];
    gemvT(w, cols, j, rows, c0, len, v, acc);
    for (let i = j; i < rows; i++) axpy(w, i * cols + c0, -tl * v[i], acc, 0, len);
  }
  const ro = j * cols + c0;
  const [tr, br] = makeReflector(w[ro], w, ro, 1, len);
  bd.tauR[j] = tr;
  bd.e[j] = br;
  if (tr === 0) return;
  // W[j+1:, j+1:] −= τ·(W·u)·uᵀ, u from row j with u_0 = 1: a dot and an axpy per row.
  const u = new Float64Array(len);
  u[0] = 1;
  for (let t = 1; t < len; t++) u[t] = w[ro + t];
  for (let i = j + 1; i < rows; i++) {
    const o = i * cols + c0;
    const z = dot(w, o, u, 0, len);
    axpy(w, o, -tr * z, u, 0, len);
  }
}

// ---------------------------------------------------------------------------------------------
// Blocked reduction of one panel (LAPACK's dlabrd).
// ---------------------------------------------------------------------------------------------

/**
 * Scratch of a panel starting at column j0, row-major with NB columns (column t belongs to step t):
 * V (left vectors, by row of A), U (right vectors, by column of A), and X, Y such that after the
 * panel the trailing matrix is A − V·Yᵀ − X·Uᵀ. `cols` holds the panel's columns of A contiguously
 * (column t at t·rows): column steps then never walk A with a stride of a whole row.
 */
class Panel {
  readonly V: Float64Array;
  readonly X: Float64Array;
  readonly U: Float64Array;
  readonly Y: Float64Array;
  readonly cols: Float64Array;
  readonly v: Float64Array;
  readonly u: Float64Array;
  readonly y: Float64Array;
  readonly x: Float64Array;
  readonly g1 = new Float64Array(NB);
  readonly g2 = new Float64Array(NB);
  constructor(rows: number, cols: number) {
    this.V = new Float64Array(rows * NB);
    this.X = new Float64Array(rows * NB);
    this.U = new Float64Array(cols * NB);
    this.Y = new Float64Array(cols * NB);
    this.cols = new Float64Array(NB * rows);
    this.v = new Float64Array(rows);
    this.u = new Float64Array(cols);
    this.y = new Float64Array(cols);
    this.x = new Float64Array(rows);
  }
}

/**
 * Reduces columns/rows j0..j0+NB−1. Step i first brings column i, then row i, up to date with the
 * panel's earlier reflectors (A − V·Yᵀ − X·Uᵀ restricted to that column/row), generates the
 * reflector, and records y_i = τ·(current A)ᵀ·v_i and x_i = τ·(current A)·u_i — computed as
 * products with the panel-start matrix (untouched in the trailing part) minus low-rank corrections.
 */
function reducePanel(bd: Bidiagonal, j0: number, P: Panel): void {
  const { w, rows, cols } = bd;
  P.V.fill(0);
  P.X.fill(0);
  P.U.fill(0);
  P.Y.fill(0);
  for (let t = 0; t < NB; t++) {
    const o = t * rows;
    for (let r = j0; r < rows; r++) P.cols[o + r] = w[r * cols + j0 + t];
  }
  for (let t = 0; t < NB; t++) {
    leftStep(bd, j0, t, P);
    rightStep(bd, j0, t, P);
  }
  // The left vectors go back below the diagonal (LAPACK storage, read by the back-transform).
  for (let t = 0; t < NB; t++) {
    const i = j0 + t;
    for (let r = i + 1; r < rows; r++) w[r * cols + i] = P.V[r * NB + t];
  }
  // Trailing update: A[j1:, j1:] −= V[j1:, :]·Y[j1:, :]ᵀ + X[j1:, :]·U[j1:, :]ᵀ.
  const j1 = j0 + NB;
  const view = (data: Float64Array, r0: number) => ({ data, off: r0 * NB, ld: NB });
  const target = { data: w, off: j1 * cols + j1, ld: cols };
  gemm(rows - j1, cols - j1, NB, -1, view(P.V, j1), view(P.Y, j1), true, 1, target);
  gemm(rows - j1, cols - j1, NB, -1, view(P.X, j1), view(P.U, j1), true, 1, target);
}

/** Step t, left half: update column i = j0+t, make its reflector (d[i]), and Y[:, t]. */
function leftStep(bd: Bidiagonal, j0: number, t: number, P: Panel): void {
  const { w, rows, cols } = bd;
  const { V, X, U, Y, v, y, g1, g2 } = P;
  const i = j0 + t;
  const col = P.cols;
  const co = t * rows;
  // Column i, rows i..: A[r, i] −= V[r, :t]·Y[i, :t] + X[r, :t]·U[i, :t].
  for (let r = i; r < rows; r++) {
    let acc = 0;
    for (let s = 0; s < t; s++) acc += V[r * NB + s] * Y[i * NB + s] + X[r * NB + s] * U[i * NB + s];
    col[co + r] -= acc;
  }
  const [tq, bq] = makeReflector(col[co + i], col, co + i, 1, rows - i);
  bd.tauL[i] = tq;
  bd.d[i] = bq;
  v[i] = 1;
  for (let r = i + 1; r < rows; r++) v[r] = col[co + r];
  for (let r = i; r < rows; r++) V[r * NB + t] = v[r];

  // y = τq·(A[i:, i+1:]ᵀ·v − Y·(Vᵀv) − U·(Xᵀv)) over columns i+1..
  const c0 = i + 1;
  const len = cols - c0;
  gemvT(w, cols, i, rows, c0, len, v, y);
  g1.fill(0);
  g2.fill(0);
  for (let r = i; r < rows; r++) {
    const vr = v[r];
    for (let s = 0; s < t; s++) {
      g1[s] += V[r * NB + s] * vr;
      g2[s] += X[r * NB + s] * vr;
    }
  }
  for (let c = 0; c < len; c++) {
    const o = (c0 + c) * NB;
    let acc = 0;
    for (let s = 0; s < t; s++) acc += Y[o + s] * g1[s] + U[o + s] * g2[s];
    Y[o + t] = tq * (y[c] - acc);
  }
}

/** Step t, right half: update row i = j0+t, make its reflector (e[i]), and X[:, t]. */
function rightStep(bd: Bidiagonal, j0: number, t: number, P: Panel): void {
  const { w, rows, cols } = bd;
  const { V, X, U, Y, u, x, g1, g2 } = P;
  const i = j0 + t;
  const c0 = i + 1;
  const len = cols - c0;
  // Row i, columns i+1..: A[i, c] −= V[i, :t+1]·Y[c, :t+1] + X[i, :t]·U[c, :t].
  const ro = i * cols + c0;
  for (let c = 0; c < len; c++) {
    const o = (c0 + c) * NB;
    let acc = 0;
    for (let s = 0; s <= t; s++) acc += V[i * NB + s] * Y[o + s];
    for (let s = 0; s < t; s++) acc += X[i * NB + s] * U[o + s];
    w[ro + c] -= acc;
  }
  const [tp, bp] = makeReflector(w[ro], w, ro, 1, len);
  bd.tauR[i] = tp;
  bd.e[i] = bp;
  u[0] = 1;
  for (let c = 1; c < len; c++) u[c] = w[ro + c];
  for (let c = 0; c < len; c++) U[(c0 + c) * NB + t] = u[c];

  // x = τp·(A[i+1:, i+1:]·u − V·(Yᵀu) − X·(Uᵀu)) over rows i+1..
  gemvN(w, cols, i + 1, rows, c0, len, u, x);
  g1.fill(0);
  g2.fill(0);
  for (let c = 0; c < len; c++) {
    const o = (c0 + c) * NB;
    const uc = u[c];
    for (let s = 0; s <= t; s++) g1[s] += Y[o + s] * uc;
    for (let s = 0; s < t; s++) g2[s] += U[o + s] * uc;
  }
  for (let r = i + 1; r < rows; r++) {
    const o = r * NB;
    let acc = 0;
    for (let s = 0; s <= t; s++) acc += V[o + s] * g1[s];
    for (let s = 0; s < t; s++) acc += X[o + s] * g2[s];
    X[o + t] = tp * (x[r] - acc);
  }
}

// ---------------------------------------------------------------------------------------------
// Back-transformation of singular vectors.
// ---------------------------------------------------------------------------------------------

/**
 * Uᵀ[cols, rows] = Qᵀ·[I 0]·H_{cols−1}···H_0 for the left reflectors, i.e. U = H_0···H_{cols−1}·[Q; 0]
 * with qt = Qᵀ[cols, cols] the bidiagonal's left vectors as rows.
 */
export function leftBackTransform(bd: Bidiagonal, qt: Float64Array): Float64Array {
  const { w, rows, cols } = bd;
  const ut = new Float64Array(cols * rows);
  for (let i = 0; i < cols; i++) ut.set(qt.subarray(i * cols, (i + 1) * cols), i * rows);
  applyReflectorsRight(
    ut,
    cols,
    rows,
    cols,
    bd.tauL,
    (j) => j,
    (j, t) => w[(j + t) * cols + j],
  );
  return ut;
}

/** Vᵀ[cols, cols] = Wᵀ·G_{cols−2}···G_0 for the right reflectors (G_j acts on indices j+1..). */
export function rightBackTransform(bd: Bidiagonal, wt: Float64Array): Float64Array {
  const { w, cols } = bd;
  const vt = wt.slice();
  applyReflectorsRight(
    vt,
    cols,
    cols,
    Math.max(cols - 1, 0),
    bd.tauR,
    (j) => j + 1,
    (j, t) => w[j * cols + j + 1 + t],
  );
  return vt;
}

/**
 * x[xRows, len] ← x·H_{count−1}···H_0, where H_j = I − τ_j·v_j·v_jᵀ acts on indices start(j)..len−1
 * with v_j = (1, vAt(j, 1), vAt(j, 2), …). Done in blocks from the last: a block's product
 * H_{j1−1}···H_{j0} equals I − Y·Tᵀ·Yᵀ with T upper triangular (compact WY, the transpose of the
 * forward product H_{j0}···H_{j1−1} = I − Y·T·Yᵀ), so x ← x − (x·Y)·Tᵀ·Yᵀ: two matrix products.
 */
function applyReflectorsRight(
  x: Float64Array,
  xRows: number,
  len: number,
  count: number,
  tau: Float64Array,
  start: (j: number) => number,
  vAt: (j: number, t: number) => number,
): void {
  const last = Math.floor((count - 1) / NB) * NB;
  for (let j0 = last; j0 >= 0; j0 -= NB) {
    const nb = Math.min(NB, count - j0);
    const c0 = start(j0);
    const L = len - c0;
    if (L <= 0) continue;
    // Yᵀ[nb, L]: row t is v_{j0+t} placed from its start (relative offset t).
    const yt = new Float64Array(nb * L);
    for (let t = 0; t < nb; t++) {
      const off = start(j0 + t) - c0;
      if (off >= L || tau[j0 + t] === 0) continue;
      yt[t * L + off] = 1;
      for (let q = 1; off + q < L; q++) yt[t * L + off + q] = vAt(j0 + t, q);
    }
    const T = blockTriangularFactor(yt, nb, L, tau, j0);
    // P = x[:, c0:]·Y  (xRows × nb)
    const P = new Float64Array(xRows * nb);
    const xv = { data: x, off: c0, ld: len };
    gemm(xRows, nb, L, 1, xv, { data: yt, off: 0, ld: L }, true, 0, { data: P, off: 0, ld: nb });
    // P ← P·Tᵀ: P[i, a] = Σ_{b≥a} P[i, b]·T[a, b]; ascending a reads only not-yet-overwritten entries.
    for (let i = 0; i < xRows; i++) {
      const o = i * nb;
      for (let a = 0; a < nb; a++) {
        let acc = 0;
        for (let b = a; b < nb; b++) acc += P[o + b] * T[a * nb + b];
        P[o + a] = acc;
      }
    }
    // x[:, c0:] −= P·Yᵀ
    gemm(xRows, L, nb, -1, { data: P, off: 0, ld: nb }, { data: yt, off: 0, ld: L }, false, 1, xv);
  }
}

/**
 * T[nb, nb] upper triangular with H_{j0}···H_{j0+nb−1} = I − Y·T·Yᵀ (LAPACK's dlarft, forward,
 * column-wise): T[t, t] = τ_t and T[0:t, t] = −τ_t·T[0:t, 0:t]·(Y[:, 0:t]ᵀ·y_t).
 */
function blockTriangularFactor(
  yt: Float64Array,
  nb: number,
  L: number,
  tau: Float64Array,
  j0: number,
): Float64Array {
  const T = new Float64Array(nb * nb);
  const g = new Float64Array(nb);
  for (let t = 0; t < nb; t++) {
    const tt = tau[j0 + t];
    T[t * nb + t] = tt;
    if (tt === 0) continue;
    for (let a = 0; a < t; a++) g[a] = dot(yt, a * L, yt, t * L, L);
    for (let a = 0; a < t; a++) {
      let acc = 0;
      for (let b = a; b < t; b++) acc += T[a * nb + b] * g[b];
      T[a * nb + t] = -tt * acc;
    }
  }
  return T;
}
