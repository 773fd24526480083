/**
 * Divide-and-conquer SVD of an upper bidiagonal matrix (the method of LAPACK's dbdsdc, after
 * Jessup–Sorensen and Gu–Eisenstat), written from the algorithm.
 *
 * Why: with singular vectors, QR iteration spends ~6n³ flops in Givens rotations, a level-1
 * operation. Divide and conquer spends its O(n³) in matrix products (see svd-gemm.ts), which run
 * ~3× faster per flop here, and deflation often removes a large share of that work.
 *
 * Notation. A node is the N×(N+sqre) block of B made of rows lo..lo+N−1 (sqre ∈ {0, 1}: with
 * sqre = 1 it keeps the coupling e[lo+N−1] to the next column). Splitting at row k:
 *
 *         ⎡ B1    0  ⎤   B1: rows 0..k−1, k×(k+1) (sqre 1)
 *     B = ⎢ α·e_k β·e_1⎥   the middle row: α = d[k] in column k, β = e[k] in column k+1
 *         ⎣ 0     B2 ⎦   B2: rows k+1..N−1, sqre of the parent
 *
 * With the children's SVDs the middle matrix becomes M = [z; diag(d)] (first row z, d_0 = 0):
 * MᵀM = diag(d)² + z·zᵀ, a rank-one update whose eigenvalues σ² solve the secular equation
 * 1 + Σ z_j²/(d_j² − σ²) = 0. The vectors follow in closed form; they are made orthogonal to
 * working precision by recomputing z from the computed σ (Löwner's formula, Gu–Eisenstat).
 *
 * Vectors are stored as rows (uᵀ, vᵀ) throughout, like in the rest of the SVD.
 */
import { SlimError } from '../errors.ts';
import { bidiagonalQr, givens, rotateRows } from './svd-bdqr.ts';
import { gemm } from './svd-gemm.ts';

const EPS = Number.EPSILON;
/** Nodes up to this size are solved by QR iteration: below it the bookkeeping costs more than it saves. */
const LEAF = 24;
/**
 * Safety cap on secular-equation steps. Typical roots take ~5; pure bisection from a gap of 1 down
 * to relative precision at the smallest normal numbers takes under 1100, so this never cuts a
 * convergent iteration short.
 */
const MAX_SECULAR_STEPS = 1200;

/** Singular triplets of a node: s (any order, ≥ 0), ut[N×N], vt[(N+sqre)×(N+sqre)] (row N: null vector). */
interface NodeSvd {
  s: Float64Array;
  ut: Float64Array;
  vt: Float64Array;
}

/**
 * SVD B = Q·diag(s)·Wᵀ of the n×n upper bidiagonal (d, e), returned as ut = Qᵀ and vt = Wᵀ (n×n,
 * row-major: each row is a singular vector). s is non-negative, in no particular order.
 * d and e are not modified.
 */
export function bidiagonalSvdDc(d: Float64Array, e: Float64Array): NodeSvd {
  return solveNode(d, e, 0, d.length, 0);
}

function solveNode(d: Float64Array, e: Float64Array, lo: number, n: number, sqre: number): NodeSvd {
  if (n <= LEAF) return solveLeaf(d, e, lo, n, sqre);
  const k = n >> 1;
  const top = solveNode(d, e, lo, k, 1);
  const bottom = solveNode(d, e, lo + k + 1, n - k - 1, sqre);
  return merge(top, bottom, d[lo + k], e[lo + k], k, n, sqre);
}

/** Small node: QR iteration, after the extra column (sqre = 1) has been rotated away. */
function solveLeaf(d: Float64Array, e: Float64Array, lo: number, n: number, sqre: number): NodeSvd {
  const w = n + sqre;
  const s = d.slice(lo, lo + n);
  const ee = e.slice(lo, lo + n - 1);
  const ut = identity(n);
  const vt = identity(w);
  if (sqre === 1) {
    // Column n holds only f = e[lo+n−1] in row n−1: right rotations against columns n−1, …, 0
    // move it up and out (each leaves a new nonzero one row higher, like a zero-diagonal chase).
    let f = e[lo + n - 1];
    for (let j = n - 1; j >= 0 && f !== 0; j--) {
      const [c, sn, r] = givens(s[j], f);
      s[j] = r;
      if (j > 0) {
        f = -sn * ee[j - 1];
        ee[j - 1] *= c;
      }
      rotateRows(vt, w, j, n, c, sn);
    }
  }
  bidiagonalQr(s, ee, ut, n, vt, w);
  for (let i = 0; i < n; i++) {
    if (s[i] < 0) {
      s[i] = -s[i];
      for (let t = 0; t < w; t++) vt[i * w + t] = -vt[i * w + t];
    }
  }
  return { s, ut, vt };
}

function identity(n: number): Float64Array {
  const x = new Float64Array(n * n);
  for (let i = 0; i < n; i++) x[i * n + i] = 1;
  return x;
}

// ---------------------------------------------------------------------------------------------
// Merge.
// ---------------------------------------------------------------------------------------------

/**
 * The merged problem: item j has value d[j] on the diagonal of M and z[j] in its first row, a left
 * vector (row j of lt, length n) and a right vector (row j of rt, length w). Item 0 is the middle
 * row of the node (d = 0). `support` marks which column blocks of lt/rt an item's vectors touch,
 * so that the final products skip the structural zeros.
 */
interface MergeProblem {
  n: number;
  w: number;
  d: Float64Array;
  z: Float64Array;
  lt: Float64Array;
  rt: Float64Array;
  leftSupport: Uint8Array;
  rightSupport: Uint8Array;
}

// Column blocks: left vectors [0, k) | [k] | [k+1, n); right vectors [0, k+1) | [k+1, w).
const TOP = 1;
const MID = 2;
const BOTTOM = 4;

function merge(
  top: NodeSvd,
  bottom: NodeSvd,
  alpha: number,
  beta: number,
  k: number,
  n: number,
  sqre: number,
): NodeSvd {
  const p = assemble(top, bottom, alpha, beta, k, n, sqre);
  const scaleBy = normalizeScale(p, alpha, beta);
  const order = sortedItems(p.d);
  const { kept, deflatedValue } = deflate(p, order);

  const dk = new Float64Array(kept.length);
  const zk = new Float64Array(kept.length);
  kept.forEach((item, j) => {
    dk[j] = p.d[item];
    zk[j] = p.z[item];
  });
  const roots = solveSecular(dk, zk);
  const { um, vm } = secularVectors(dk, zk, roots);

  const s = new Float64Array(n);
  const ut = new Float64Array(n * n);
  const vt = new Float64Array(p.w * p.w);
  combine(kept, um, p.lt, p.n, p.leftSupport, [0, k, k + 1, n], ut);
  combine(kept, vm, p.rt, p.w, p.rightSupport, [0, k + 1, p.w], vt);
  for (let i = 0; i < kept.length; i++) s[i] = roots.sigma[i] * scaleBy;

  // Deflated items keep their (rotated) vectors as they are.
  let row = kept.length;
  for (let item = 0; item < n; item++) {
    const v = deflatedValue[item];
    if (Number.isNaN(v)) continue;
    s[row] = Math.abs(v) * scaleBy;
    const sign = v < 0 ? -1 : 1; // a negative value is absorbed into the left vector
    for (let t = 0; t < n; t++) ut[row * n + t] = sign * p.lt[item * n + t];
    vt.set(p.rt.subarray(item * p.w, (item + 1) * p.w), row * p.w);
    row++;
  }
  // The null vector of an n×(n+1) node stays last.
  if (sqre === 1) vt.set(p.rt.subarray(n * p.w, (n + 1) * p.w), n * p.w);
  return { s, ut, vt };
}

/**
 * Builds M's items from the children: their singular values, z = (α·last entries of B1's right
 * vectors, β·first entries of B2's), and their vectors embedded in the node's coordinates.
 * B1's null vector (and B2's, when sqre = 1) carry z but no diagonal: they are rotated into one
 * item 0 and, for sqre = 1, the node's own null vector.
 */
function assemble(
  top: NodeSvd,
  bottom: NodeSvd,
  alpha: number,
  beta: number,
  k: number,
  n: number,
  sqre: number,
): MergeProblem {
  const w = n + sqre;
  const n2 = n - k - 1;
  const w1 = k + 1;
  const w2 = n2 + sqre;
  const d = new Float64Array(n);
  const z = new Float64Array(n);
  const lt = new Float64Array(n * n);
  const rt = new Float64Array(w * w);
  const leftSupport = new Uint8Array(n);
  const rightSupport = new Uint8Array(w);

  // Item 0: the middle row; its right vector is set below.
  lt[k] = 1;
  leftSupport[0] = MID;
  // Items 1..k: the top child's triplets.
  for (let i = 0; i < k; i++) {
    const item = 1 + i;
    d[item] = top.s[i];
    z[item] = alpha * top.vt[i * w1 + k];
    lt.set(top.ut.subarray(i * k, (i + 1) * k), item * n);
    rt.set(top.vt.subarray(i * w1, (i + 1) * w1), item * w);
    leftSupport[item] = TOP;
    rightSupport[item] = TOP;
  }
  // Items k+1..n−1: the bottom child's triplets.
  for (let i = 0; i < n2; i++) {
    const item = k + 1 + i;
    d[item] = bottom.s[i];
    z[item] = beta * bottom.vt[i * w2];
    lt.set(bottom.ut.subarray(i * n2, (i + 1) * n2), item * n + k + 1);
    rt.set(bottom.vt.subarray(i * w2, (i + 1) * w2), item * w + w1);
    leftSupport[item] = BOTTOM;
    rightSupport[item] = BOTTOM;
  }
  // Null vectors: z1 from the top child's (row k of its vt), z2 from the bottom child's (row n2).
  const z1 = alpha * top.vt[k * w1 + k];
  const z2 = sqre === 1 ? beta * bottom.vt[n2 * w2] : 0;
  const [c, s, r] = sqre === 1 ? givens(z1, z2) : [1, 0, z1];
  z[0] = r;
  for (let t = 0; t < w1; t++) rt[t] = c * top.vt[k * w1 + t];
  rightSupport[0] = TOP;
  if (sqre === 1) {
    for (let t = 0; t < w2; t++) rt[w1 + t] = s * bottom.vt[n2 * w2 + t];
    if (s !== 0) rightSupport[0] |= BOTTOM;
    // The orthogonal combination has z = −s·z1 + c·z2 = 0: the node's null vector, row n of rt.
    for (let t = 0; t < w1; t++) rt[n * w + t] = -s * top.vt[k * w1 + t];
    for (let t = 0; t < w2; t++) rt[n * w + w1 + t] = c * bottom.vt[n2 * w2 + t];
  }
  return { n, w, d, z, lt, rt, leftSupport, rightSupport };
}

/** Scales d and z to max 1 (the secular solver then never over- or underflows); returns the factor. */
function normalizeScale(p: MergeProblem, alpha: number, beta: number): number {
  let big = Math.max(Math.abs(alpha), Math.abs(beta));
  for (let j = 0; j < p.n; j++) big = Math.max(big, p.d[j], Math.abs(p.z[j]));
  if (big === 0) return 1;
  for (let j = 0; j < p.n; j++) {
    p.d[j] /= big;
    p.z[j] /= big;
  }
  return big;
}

/** Items 1..n−1 by ascending d (item 0, with d = 0, stays first). */
function sortedItems(d: Float64Array): number[] {
  const rest = Array.from({ length: d.length - 1 }, (_, i) => i + 1);
  rest.sort((x, y) => d[x] - d[y]);
  return [0, ...rest];
}

/**
 * Deflation removes what would make the secular equation ill-posed, each step perturbing M by at
 * most tol = 8·eps·‖M‖ (backward stable):
 *   - |z_j| ≤ tol: z_j → 0, so d_j is a singular value with the item's own vectors;
 *   - d_j within tol of the previous kept d_i: a rotation of items i, j zeroes z_i, d_i deflates;
 *   - d_j ≤ tol (close to d_0 = 0): a right rotation with item 0 zeroes z_j, leaving c·d_j;
 *   - |z_0| ≤ tol is raised to tol, so that item 0 stays in the equation.
 * Returns the kept items (ascending d, item 0 first) and, for deflated items, their value (NaN: kept).
 */
function deflate(p: MergeProblem, order: number[]): { kept: number[]; deflatedValue: Float64Array } {
  const { d, z, lt, rt, n, w } = p;
  let big = 0;
  for (let j = 0; j < n; j++) big = Math.max(big, d[j], Math.abs(z[j]));
  const tol = 8 * EPS * big;
  const deflatedValue = new Float64Array(n).fill(NaN);
  if (big === 0) {
    // M = 0: every item is a zero singular value with its own vectors.
    deflatedValue.fill(0);
    return { kept: [], deflatedValue };
  }
  if (Math.abs(z[0]) <= tol) z[0] = tol;

  const kept = [0];
  for (let o = 1; o < n; o++) {
    const j = order[o];
    if (Math.abs(z[j]) <= tol) {
      deflatedValue[j] = d[j];
      continue;
    }
    const i = kept[kept.length - 1];
    if (d[j] - d[i] > tol) {
      kept.push(j);
      continue;
    }
    if (i === 0) {
      // Right rotation of items 0 and j: z_j → 0; M[j, 0] = s·d_j (≤ tol) is dropped, M[j, j] = c·d_j.
      const [c, s, r] = givens(z[0], z[j]);
      z[0] = r;
      z[j] = 0;
      rotateRows(rt, w, 0, j, c, s);
      p.rightSupport[0] |= p.rightSupport[j];
      p.rightSupport[j] |= p.rightSupport[0];
      deflatedValue[j] = c * d[j];
    } else {
      // Rotation of items j and i on both sides: z_i → 0; the off-diagonal c·s·(d_i − d_j) ≤ tol is dropped.
      const [c, s, r] = givens(z[j], z[i]);
      z[j] = r;
      z[i] = 0;
      rotateRows(lt, n, j, i, c, s);
      rotateRows(rt, w, j, i, c, s);
      const ls = p.leftSupport[i] | p.leftSupport[j];
      const rs = p.rightSupport[i] | p.rightSupport[j];
      p.leftSupport[i] = p.leftSupport[j] = ls;
      p.rightSupport[i] = p.rightSupport[j] = rs;
      deflatedValue[i] = d[i];
      kept[kept.length - 1] = j;
    }
  }
  return { kept, deflatedValue };
}

// ---------------------------------------------------------------------------------------------
// Secular equation.
// ---------------------------------------------------------------------------------------------

/**
 * Roots of 1 + Σ z_j²/(d_j² − σ²) = 0 for 0 = d_0 < d_1 < … (gaps and |z| above the deflation
 * tolerance). Root i lies in (d_i, d_{i+1}) (the last in (d_{K−1}, √(d_{K−1}² + ‖z‖²))).
 * Each root is stored relative to its nearer pole, σ_i = d[base_i] + tau_i, because the vectors
 * need the differences d_j − σ_i to full relative accuracy, and these are (d_j − d_base) − tau.
 */
interface SecularRoots {
  sigma: Float64Array;
  base: Int32Array;
  tau: Float64Array;
}

function solveSecular(d: Float64Array, z: Float64Array): SecularRoots {
  const K = d.length;
  const zz = new Float64Array(K);
  let zNorm2 = 0;
  for (let j = 0; j < K; j++) {
    zz[j] = z[j] * z[j];
    zNorm2 += zz[j];
  }
  const sigma = new Float64Array(K);
  const base = new Int32Array(K);
  const tau = new Float64Array(K);
  const delta = new Float64Array(K); // d_j² − d_base², as (d_j − d_base)(d_j + d_base)
  for (let i = 0; i < K; i++) {
    let b = i;
    let lo = 0;
    // Last root: σ² ≤ d_{K−1}² + ‖z‖²; the bound is widened by a few ulps so that a step landing
    // exactly on it (K = 1, or z along one pole) still counts as inside the bracket.
    let hi = zNorm2 * (1 + 8 * EPS);
    if (i < K - 1) {
      // Pick the nearer pole as origin: the sign of f at the midpoint tells which half holds the root.
      const gap = (d[i + 1] - d[i]) * (d[i + 1] + d[i]);
      fillDelta(d, i, delta);
      if (secularValue(zz, delta, gap / 2) >= 0) {
        hi = gap / 2;
      } else {
        b = i + 1;
        lo = -gap / 2;
        hi = 0;
      }
    }
    fillDelta(d, b, delta);
    const mu = secularRoot(zz, delta, i, lo, hi);
    const sb = Math.sqrt(d[b] * d[b] + mu);
    sigma[i] = sb;
    base[i] = b;
    tau[i] = mu / (d[b] + sb); // σ − d_b without cancellation
  }
  return { sigma, base, tau };
}

function fillDelta(d: Float64Array, b: number, delta: Float64Array): void {
  for (let j = 0; j < d.length; j++) delta[j] = (d[j] - d[b]) * (d[j] + d[b]);
}

function secularValue(zz: Float64Array, delta: Float64Array, mu: number): number {
  let f = 1;
  for (let j = 0; j < zz.length; j++) f += zz[j] / (delta[j] - mu);
  return f;
}

/**
 * Root μ ∈ (lo, hi) of f(μ) = 1 + Σ zz_j/(delta_j − μ) between poles i and i+1 (shifted so the
 * base pole is at 0). Each step fits ψ (poles ≤ i) and φ (poles > i) by c + s/(pole − μ) through
 * their value and slope at μ — exact for the two nearest poles, hence fast (the "middle way" idea)
 * — and falls back to bisection whenever the fit leaves the bracket, which always shrinks.
 */
function secularRoot(zz: Float64Array, delta: Float64Array, i: number, lo: number, hi: number): number {
  const K = zz.length;
  const last = i === K - 1;
  const pl = delta[i];
  const pr = last ? 0 : delta[i + 1];
  let mu = 0.5 * (lo + hi);
  for (let iter = 0; iter < MAX_SECULAR_STEPS; iter++) {
    let psi = 0;
    let dpsi = 0;
    let phi = 0;
    let dphi = 0;
    for (let j = 0; j <= i; j++) {
      const t = 1 / (delta[j] - mu);
      const term = zz[j] * t;
      psi += term;
      dpsi += term * t;
    }
    for (let j = i + 1; j < K; j++) {
      const t = 1 / (delta[j] - mu);
      const term = zz[j] * t;
      phi += term;
      dphi += term * t;
    }
    const f = 1 + psi + phi;
    // Rounding error of the evaluation is ~eps·Σ|terms| (ψ < 0 < φ); below that f is zero.
    if (Math.abs(f) <= 8 * EPS * (1 + phi - psi)) return mu;
    if (f < 0) lo = mu;
    else hi = mu;

    const s1 = dpsi * (pl - mu) * (pl - mu);
    const c1 = psi - dpsi * (pl - mu);
    let next: number;
    if (last) {
      const c = 1 + c1;
      next = c > 0 ? pl + s1 / c : NaN;
    } else {
      const s2 = dphi * (pr - mu) * (pr - mu);
      const c2 = phi - dphi * (pr - mu);
      next = twoPoleRoot(1 + c1 + c2, s1, s2, pl, pr);
    }
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (
      Math.abs(next - mu) <= 2 * EPS * Math.abs(next) ||
      hi - lo <= 4 * EPS * Math.max(Math.abs(lo), Math.abs(hi))
    ) {
      return next;
    }
    mu = next;
  }
  throw new SlimError('INTERNAL', 'svd: secular equation did not converge');
}

/**
 * The root in (p, q) of c + s1/(p − x) + s2/(q − x) = 0 (s1, s2 ≥ 0), i.e. of
 * c·x² − (c(p+q) + s1 + s2)·x + (c·p·q + s1·q + s2·p) = 0, picked and computed without cancellation.
 */
function twoPoleRoot(c: number, s1: number, s2: number, p: number, q: number): number {
  const B = -(c * (p + q) + s1 + s2);
  const C = c * p * q + s1 * q + s2 * p;
  if (c === 0) return -C / B;
  const disc = B * B - 4 * c * C;
  const sq = Math.sqrt(Math.max(disc, 0));
  const big = B >= 0 ? (-B - sq) / (2 * c) : (-B + sq) / (2 * c);
  const small = big !== 0 ? C / (c * big) : 0;
  const inside = (x: number): boolean => x > Math.min(p, q) && x < Math.max(p, q);
  return inside(small) ? small : big;
}

/**
 * Singular vectors of M from the roots. z is first recomputed from the roots (Löwner):
 *   ẑ_j² = (σ_{K−1}² − d_j²) · Π_{i<j} (σ_i² − d_j²)/(d_i² − d_j²) · Π_{j≤i<K−1} (σ_i² − d_j²)/(d_{i+1}² − d_j²),
 * the exact z for which the computed σ are the exact singular values; the vectors built from ẑ,
 *   v_i ∝ (ẑ_j/(d_j² − σ_i²))_j,   u_i ∝ (−1, (d_j·ẑ_j/(d_j² − σ_i²))_{j≥1}),
 * are then orthogonal to working precision. Returns um, vm with um[i·K + j] = component j of u_i.
 */
function secularVectors(
  d: Float64Array,
  z: Float64Array,
  roots: SecularRoots,
): { um: Float64Array; vm: Float64Array } {
  const K = d.length;
  const { sigma, base, tau } = roots;
  // diff(i, j) = d_j − σ_i, accurate because d_j − d_base is exact-ish and tau is small.
  const diff = (i: number, j: number): number => d[j] - d[base[i]] - tau[i];

  const zhat = new Float64Array(K);
  for (let j = 0; j < K; j++) {
    let prod = -diff(K - 1, j) * (sigma[K - 1] + d[j]);
    for (let i = 0; i < j; i++) prod *= (-diff(i, j) * (sigma[i] + d[j])) / ((d[i] - d[j]) * (d[i] + d[j]));
    for (let i = j; i < K - 1; i++) {
      prod *= (-diff(i, j) * (sigma[i] + d[j])) / ((d[i + 1] - d[j]) * (d[i + 1] + d[j]));
    }
    zhat[j] = Math.sign(z[j]) * Math.sqrt(Math.abs(prod));
  }

  const um = new Float64Array(K * K);
  const vm = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    const o = i * K;
    let vn = 0;
    let un = 1;
    um[o] = -1;
    for (let j = 0; j < K; j++) {
      const v = zhat[j] / (diff(i, j) * (d[j] + sigma[i]));
      vm[o + j] = v;
      vn += v * v;
      if (j > 0) {
        um[o + j] = d[j] * v;
        un += um[o + j] * um[o + j];
      }
    }
    const vs = 1 / Math.sqrt(vn);
    const us = 1 / Math.sqrt(un);
    for (let j = 0; j < K; j++) {
      vm[o + j] *= vs;
      um[o + j] *= us;
    }
  }
  return { um, vm };
}

// ---------------------------------------------------------------------------------------------
// Back to the node's coordinates.
// ---------------------------------------------------------------------------------------------

/**
 * out[i, :] = Σ_j mv[i, j] · basis[kept[j], :] for the kept items (rows 0..K−1 of out), done as one
 * matrix product per column block [edges[b], edges[b+1]) over only the items whose vectors touch
 * that block: the children's vectors are block-diagonal, so this skips about half the flops.
 */
function combine(
  kept: number[],
  mv: Float64Array,
  basis: Float64Array,
  len: number,
  support: Uint8Array,
  edges: number[],
  out: Float64Array,
): void {
  const K = kept.length;
  const masks = edges.length === 4 ? [TOP, MID, BOTTOM] : [TOP, BOTTOM];
  for (let b = 0; b + 1 < edges.length; b++) {
    const c0 = edges[b];
    const width = edges[b + 1] - c0;
    if (width === 0) continue;
    const sel: number[] = [];
    for (let j = 0; j < K; j++) if (support[kept[j]] & masks[b]) sel.push(j);
    if (sel.length === 0) continue;
    // Pack the coefficients (K × |sel|) and the basis rows' block (|sel| × width) contiguously.
    const coef = new Float64Array(K * sel.length);
    for (let i = 0; i < K; i++)
      for (let t = 0; t < sel.length; t++) coef[i * sel.length + t] = mv[i * K + sel[t]];
    const rows = new Float64Array(sel.length * width);
    sel.forEach((j, t) =>
      rows.set(basis.subarray(kept[j] * len + c0, kept[j] * len + c0 + width), t * width),
    );
    gemm(
      K,
      width,
      sel.length,
      1,
      { data: coef, off: 0, ld: sel.length },
      { data: rows, off: 0, ld: width },
      false,
      0,
      { data: out, off: c0, ld: len },
    );
  }
}
