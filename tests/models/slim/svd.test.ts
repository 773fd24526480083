import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix, QrDecomposition, SingularValueDecomposition, pseudoInverse, solve } from 'ml-matrix';
import { Rng } from '../../../models/fixtures/random.ts';
import { SlimError } from '../../../models/errors.ts';
import { conditionNumber, numericalRank, pinvSolve, svd, type Svd } from '../../../models/slim/svd.ts';

// ---------------------------------------------------------------------------------------------
// Helpers (plain loops, independent of the code under test).
// ---------------------------------------------------------------------------------------------

function gaussian(rng: Rng, m: number, n: number): Float64Array {
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
}

function toMatrix(a: Float64Array, m: number, n: number): Matrix {
  const rows: number[][] = [];
  for (let i = 0; i < m; i++) rows.push(Array.from(a.subarray(i * n, (i + 1) * n)));
  return new Matrix(rows);
}

function fromMatrix(x: Matrix): Float64Array {
  return Float64Array.from(x.to1DArray());
}

function frob(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s);
}

/** ‖a − u·diag(s)·vt‖_F / ‖a‖_F (0/0 counts as 0). */
function reconstructionError(a: Float64Array, r: Svd): number {
  const { m, n, k, u, s, vt } = r;
  let err = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let l = 0; l < k; l++) x += u[i * k + l] * s[l] * vt[l * n + j];
      err += (x - a[i * n + j]) ** 2;
    }
  }
  const an = frob(a);
  return an === 0 ? Math.sqrt(err) : Math.sqrt(err) / an;
}

/** max |Qᵀ·Q − I| for the columns of q[rows, cols] (byColumns) or for its rows. */
function orthonormalityError(q: Float64Array, rows: number, cols: number, byColumns: boolean): number {
  const count = byColumns ? cols : rows;
  const len = byColumns ? rows : cols;
  const at = (vec: number, t: number): number => (byColumns ? q[t * cols + vec] : q[vec * cols + t]);
  let worst = 0;
  for (let p = 0; p < count; p++) {
    for (let r = p; r < count; r++) {
      let x = 0;
      for (let t = 0; t < len; t++) x += at(p, t) * at(r, t);
      worst = Math.max(worst, Math.abs(x - (p === r ? 1 : 0)));
    }
  }
  return worst;
}

function assertDescendingNonNegative(s: Float64Array, label: string): void {
  for (let i = 0; i < s.length; i++) {
    assert.ok(s[i] >= 0, `${label}: s[${i}] = ${s[i]} < 0`);
    if (i > 0) assert.ok(s[i] <= s[i - 1], `${label}: s[${i}] = ${s[i]} > s[${i - 1}] = ${s[i - 1]}`);
  }
}

/** All the structural checks of a full decomposition, tolerances 1e-13. */
function assertGoodSvd(a: Float64Array, r: Svd, label: string): void {
  const k = Math.min(r.m, r.n);
  assert.equal(r.k, k, label);
  assert.equal(r.s.length, k, label);
  assert.equal(r.u.length, r.m * k, label);
  assert.equal(r.vt.length, k * r.n, label);
  assertDescendingNonNegative(r.s, label);
  const rec = reconstructionError(a, r);
  assert.ok(rec <= 1e-13, `${label}: reconstruction error ${rec} > 1e-13`);
  const ou = orthonormalityError(r.u, r.m, k, true);
  assert.ok(ou <= 1e-13, `${label}: |UᵀU − I| = ${ou} > 1e-13`);
  const ov = orthonormalityError(r.vt, k, r.n, false);
  assert.ok(ov <= 1e-13, `${label}: |VᵀV − I| = ${ov} > 1e-13`);
}

/** Q[rows, cols] with orthonormal columns (rows ≥ cols), from ml-matrix's QR of a Gaussian matrix. */
function randomOrthonormal(rng: Rng, rows: number, cols: number): Float64Array {
  const q = new QrDecomposition(toMatrix(gaussian(rng, rows, cols), rows, cols)).orthogonalMatrix;
  return fromMatrix(q.subMatrix(0, rows - 1, 0, cols - 1));
}

/** a[m,n] = Q1·diag(sigma)·Q2ᵀ with random orthonormal Q1[m,k], Q2[n,k]. */
function withSingularValues(rng: Rng, m: number, n: number, sigma: number[]): Float64Array {
  const k = sigma.length;
  const q1 = randomOrthonormal(rng, m, k);
  const q2 = randomOrthonormal(rng, n, k);
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let l = 0; l < k; l++) x += q1[i * k + l] * sigma[l] * q2[j * k + l];
      a[i * n + j] = x;
    }
  }
  return a;
}

function mlSingularValues(a: Float64Array, m: number, n: number): number[] {
  return new SingularValueDecomposition(toMatrix(a, m, n), {
    autoTranspose: true,
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
  }).diagonal;
}

function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  assert.equal(x.length, y.length);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < k; l++) {
      const x = a[i * k + l];
      for (let j = 0; j < n; j++) c[i * n + j] += x * b[l * n + j];
    }
  }
  return c;
}

function transposeOf(a: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

// ---------------------------------------------------------------------------------------------
// Decomposition.
// ---------------------------------------------------------------------------------------------

test('random shapes 1…300 (square, tall, wide): reconstruction and orthonormality ≤ 1e-13, s descending ≥ 0, s = ml-matrix to 1e-12·s[0]', () => {
  const rng = new Rng(20240611);
  const shapes: [number, number][] = [
    [1, 1],
    [1, 7],
    [7, 1],
    [2, 2],
    [2, 3],
    [3, 2],
    [5, 5],
    [9, 4],
    [4, 9],
    [17, 17],
    [33, 32],
    [32, 33],
    [40, 13],
    [13, 40],
    [64, 64],
    [100, 37],
    [37, 100],
    [150, 150],
    [257, 256],
    [300, 300],
    [300, 120],
    [120, 300],
  ];
  for (const [m, n] of shapes) {
    const a = gaussian(rng, m, n);
    const label = `${m}×${n}`;
    const r = svd(a, m, n);
    assertGoodSvd(a, r, label);
    const ref = mlSingularValues(a, m, n);
    const d = maxAbsDiff(r.s, ref);
    assert.ok(d <= 1e-12 * r.s[0], `${label}: |s − s_ml| = ${d} > 1e-12·s[0]`);
  }
});

test('random sizes drawn from the Rng (1…120, both orientations): same 1e-13 checks', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 30; trial++) {
    const m = rng.int(1, 120);
    const n = rng.int(1, 120);
    const a = gaussian(rng, m, n);
    assertGoodSvd(a, svd(a, m, n), `trial ${trial} ${m}×${n}`);
  }
});

test('vectors: false returns the same singular values (to 1e-13·s[0]) and empty u, vt', () => {
  const rng = new Rng(11);
  for (const [m, n] of [
    [1, 1],
    [60, 60],
    [90, 31],
    [31, 90],
    [200, 200],
  ] as const) {
    const a = gaussian(rng, m, n);
    const full = svd(a, m, n);
    const only = svd(a, m, n, { vectors: false });
    assert.equal(only.u.length, 0);
    assert.equal(only.vt.length, 0);
    assert.equal(only.k, Math.min(m, n));
    assertDescendingNonNegative(only.s, `${m}×${n}`);
    const d = maxAbsDiff(only.s, full.s);
    assert.ok(d <= 1e-13 * full.s[0], `${m}×${n}: |s_novec − s| = ${d}`);
  }
});

test('the input matrix is not modified', () => {
  const rng = new Rng(3);
  for (const [m, n] of [
    [30, 20],
    [20, 30],
  ] as const) {
    const a = gaussian(rng, m, n);
    const copy = a.slice();
    svd(a, m, n);
    svd(a, m, n, { vectors: false });
    pinvSolve(a, m, n, gaussian(rng, m, 2), 2);
    assert.deepEqual(a, copy);
  }
});

test('exactly zero rows / columns: rank = nonzero count, the zero singular values ≤ 1e-14·s[0], vectors still 1e-13', () => {
  const rng = new Rng(99);
  const cases: { m: number; n: number; zeroRows: number; zeroCols: number }[] = [
    { m: 60, n: 60, zeroRows: 10, zeroCols: 0 },
    { m: 60, n: 60, zeroRows: 0, zeroCols: 7 },
    { m: 80, n: 50, zeroRows: 40, zeroCols: 0 }, // 40 nonzero rows < 50 columns
    { m: 50, n: 80, zeroRows: 0, zeroCols: 35 },
    { m: 40, n: 40, zeroRows: 5, zeroCols: 5 },
    { m: 200, n: 200, zeroRows: 46, zeroCols: 0 }, // the shape of a rank-deficient W_K
  ];
  for (const { m, n, zeroRows, zeroCols } of cases) {
    const a = gaussian(rng, m, n);
    // Scatter the zero rows/columns (every other one from the start) rather than a block.
    for (let z = 0; z < zeroRows; z++) a.fill(0, 2 * z * n, 2 * z * n + n);
    for (let z = 0; z < zeroCols; z++) for (let i = 0; i < m; i++) a[i * n + 2 * z] = 0;
    const rank = Math.min(m - zeroRows, n - zeroCols);
    const label = `${m}×${n} minus ${zeroRows} rows, ${zeroCols} cols`;
    const r = svd(a, m, n);
    assertGoodSvd(a, r, label);
    assert.equal(numericalRank(r.s, m, n), rank, label);
    for (let i = rank; i < r.k; i++) assert.ok(r.s[i] <= 1e-14 * r.s[0], `${label}: s[${i}] = ${r.s[i]}`);
    assert.equal(numericalRank(svd(a, m, n, { vectors: false }).s, m, n), rank, `${label} (no vectors)`);
  }
});

test('prescribed singular values 1e0…1e-10: each recovered to 2e-15·s[0] absolute', () => {
  const rng = new Rng(1234);
  for (const [m, n] of [
    [60, 60],
    [90, 45],
    [45, 90],
  ] as const) {
    const k = Math.min(m, n);
    const sigma = Array.from({ length: k }, (_, i) => 10 ** ((-10 * i) / (k - 1)));
    const a = withSingularValues(rng, m, n, sigma);
    const r = svd(a, m, n);
    assertGoodSvd(a, r, `${m}×${n} graded`);
    // The construction of a itself rounds at ~1e-16·‖a‖, which bounds what any method can recover.
    const d = maxAbsDiff(r.s, sigma);
    assert.ok(d <= 2e-15, `${m}×${n}: max |s − σ| = ${d} > 2e-15`);
    assert.ok(Math.abs(conditionNumber(r.s) / 1e10 - 1) < 1e-4, `${m}×${n}: cond ${conditionNumber(r.s)}`);
    const only = svd(a, m, n, { vectors: false });
    assert.ok(maxAbsDiff(only.s, sigma) <= 2e-15, `${m}×${n}: vectors:false`);
  }
});

test('cond ≈ 1e6 square matrix (the W_K regime): s = ml-matrix to 1e-12·s[0], condition number to 1e-8 relative', () => {
  const rng = new Rng(555);
  const n = 128;
  const sigma = Array.from({ length: n }, (_, i) => 10 ** ((-6 * i) / (n - 1)));
  const a = withSingularValues(rng, n, n, sigma);
  const r = svd(a, n, n);
  assertGoodSvd(a, r, 'cond 1e6');
  const ref = mlSingularValues(a, n, n);
  assert.ok(maxAbsDiff(r.s, ref) <= 1e-12 * r.s[0]);
  // s[k-1] = 1e-6 carries an absolute error ~1e-16, i.e. ~1e-10 relative: 1e-8 leaves margin.
  assert.ok(Math.abs(conditionNumber(r.s) / 1e6 - 1) < 1e-8, `cond = ${conditionNumber(r.s)}`);
  assert.equal(numericalRank(r.s, n, n), n);
});

test('large sizes through the blocked reduction and divide and conquer (rank-deficient W_K-like 384×384 with 46 zero rows, graded 320×250): 1e-13 checks', () => {
  const rng = new Rng(2718);
  // 384×384 with 46 exactly zero rows: rank 338, like a rank-deficient key projection.
  const n = 384;
  const a = gaussian(rng, n, n);
  for (let z = 0; z < 46; z++) a.fill(0, 7 * z * n, 7 * z * n + n);
  const r = svd(a, n, n);
  assertGoodSvd(a, r, '384×384 minus 46 rows');
  assert.equal(numericalRank(r.s, n, n), n - 46);
  for (let i = n - 46; i < n; i++) assert.ok(r.s[i] <= 1e-14 * r.s[0], `s[${i}] = ${r.s[i]}`);
  assert.ok(conditionNumber(r.s) > 1e14, `cond = ${conditionNumber(r.s)}`);
  const only = svd(a, n, n, { vectors: false });
  assert.ok(maxAbsDiff(only.s, r.s) <= 1e-13 * r.s[0]);

  // Graded 1e0…1e-12, tall 320×250: every σ to 4e-15 absolute (bigger n, so a little more rounding).
  const sigma = Array.from({ length: 250 }, (_, i) => 10 ** ((-12 * i) / 249));
  const g = withSingularValues(rng, 320, 250, sigma);
  const rg = svd(g, 320, 250);
  assertGoodSvd(g, rg, 'graded 320×250');
  assert.ok(maxAbsDiff(rg.s, sigma) <= 4e-15, `graded: max |s − σ| = ${maxAbsDiff(rg.s, sigma)}`);
});

test('hard structures (clusters, near-equal values, rank one, all ones, Hilbert, 1e±300 scaling): 1e-13 checks', () => {
  const rng = new Rng(31415);
  const n = 200;
  const cases: { label: string; a: Float64Array; sigma?: number[] }[] = [];
  // Exactly repeated singular values (1 and 2): deflation of equal poles in every merge.
  const twoValues = Array.from({ length: n }, (_, i) => (i % 2 ? 1 : 2)).sort((x, y) => y - x);
  cases.push({ label: 'repeated 1,2', a: withSingularValues(rng, n, n, twoValues), sigma: twoValues });
  // Values 1e-15 apart: near-deflation of close poles.
  const close = Array.from({ length: n }, (_, i) => 1 + (n - i) * 1e-15);
  cases.push({ label: 'near-equal', a: withSingularValues(rng, n, n, close), sigma: close });
  // Half the spectrum exactly zero.
  const half = Array.from({ length: n }, (_, i) => (i < n / 2 ? n - i : 0));
  cases.push({ label: 'half zero', a: withSingularValues(rng, n, n, half), sigma: half });
  // Rank one plus 1e-8 noise, and the all-ones matrix (its trailing matrices shrink to underflow).
  const r1 = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) r1[i * n + j] = Math.sin(i + 1) * Math.cos(j + 2) + 1e-8 * rng.normal();
  cases.push({ label: 'rank one + 1e-8', a: r1 });
  cases.push({ label: 'all ones', a: new Float64Array(n * n).fill(1) });
  const hilbert = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) hilbert[i * n + j] = 1 / (i + j + 1);
  cases.push({ label: 'Hilbert', a: hilbert });
  // Extreme scales: exact power-of-two prescaling must make them behave like the unscaled matrix.
  const base = gaussian(rng, 150, 120);
  cases.push({ label: 'Gaussian·2^-1000', a: base.map((x) => x * 2 ** -1000) });
  cases.push({ label: 'Gaussian·2^1000', a: base.map((x) => x * 2 ** 1000) });

  for (const { label, a, sigma } of cases) {
    const m = label.startsWith('Gaussian') ? 150 : n;
    const k = label.startsWith('Gaussian') ? 120 : n;
    const r = svd(a, m, k);
    if (label.startsWith('Gaussian')) {
      // Compare with the unscaled problem (the checks below would over/underflow in the test itself).
      const ref = svd(base, 150, 120);
      const f = label.endsWith('-1000') ? 2 ** -1000 : 2 ** 1000;
      assert.ok(
        maxAbsDiff(
          r.s.map((x) => x / f),
          ref.s,
        ) <=
          1e-13 * ref.s[0],
        label,
      );
      assert.ok(maxAbsDiff(r.u, ref.u) <= 1e-12 && maxAbsDiff(r.vt, ref.vt) <= 1e-12, `${label}: vectors`);
      continue;
    }
    assertGoodSvd(a, r, label);
    if (sigma)
      assert.ok(
        maxAbsDiff(r.s, sigma) <= 1e-13 * sigma[0],
        `${label}: max |s − σ| = ${maxAbsDiff(r.s, sigma)}`,
      );
  }
});

test('fuzz: 40 random structured matrices up to 140×140 (small integers, sparse, graded, low rank, zero rows): 1e-13 checks, s = ml-matrix to 1e-12·s[0]', () => {
  const rng = new Rng(60221);
  for (let trial = 0; trial < 40; trial++) {
    const m = rng.int(1, 140);
    const n = rng.int(1, 140);
    const kind = trial % 6;
    const a = new Float64Array(m * n);
    const rank = rng.int(0, Math.min(m, n));
    for (let i = 0; i < m; i++) {
      const zeroRow = kind === 5 && rng.uniform() < 0.3;
      for (let j = 0; j < n; j++) {
        let x = rng.normal();
        if (kind === 1) x = rng.int(-2, 2); // exact ties and zeros
        if (kind === 2) x = rng.uniform() < 0.9 ? 0 : x; // sparse
        if (kind === 3) x *= 10 ** ((-12 * j) / n) * 10 ** ((6 * i) / m); // graded both ways
        if (kind === 4) {
          x = 0; // smooth low-rank matrix
          for (let l = 0; l < rank; l++) x += Math.sin(i * (l + 1) + l) * Math.cos(j * (l + 2) - l);
        }
        a[i * n + j] = zeroRow ? 0 : x;
      }
    }
    const label = `trial ${trial} (kind ${kind}) ${m}×${n}`;
    const r = svd(a, m, n);
    assertGoodSvd(a, r, label);
    if (r.s[0] > 0) {
      const d = maxAbsDiff(r.s, mlSingularValues(a, m, n));
      assert.ok(d <= 1e-12 * r.s[0], `${label}: |s − s_ml| = ${d}`);
    }
  }
});

test('identity, zero matrix, 1×1 and diagonal with repeated values (exact to 1e-15)', () => {
  // Identity: s = 1, and the factors are orthonormal.
  for (const n of [1, 2, 5, 33]) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) a[i * n + i] = 1;
    const r = svd(a, n, n);
    assertGoodSvd(a, r, `I_${n}`);
    assert.ok(maxAbsDiff(r.s, new Float64Array(n).fill(1)) <= 1e-15);
    assert.equal(conditionNumber(r.s), 1);
  }
  // Zero matrix: s = 0, rank 0, cond Infinity, still orthonormal factors.
  for (const [m, n] of [
    [4, 4],
    [6, 3],
    [3, 6],
  ] as const) {
    const a = new Float64Array(m * n);
    const r = svd(a, m, n);
    assertGoodSvd(a, r, `zero ${m}×${n}`);
    assert.deepEqual(Array.from(r.s), new Array(Math.min(m, n)).fill(0));
    assert.equal(numericalRank(r.s, m, n), 0);
    assert.equal(conditionNumber(r.s), Infinity);
    assert.deepEqual(pinvSolve(a, m, n, new Float64Array(m).fill(1), 1), new Float64Array(n));
  }
  // 1×1, negative: s = |a|, u·vt carries the sign.
  const one = svd(Float64Array.of(-2.5), 1, 1);
  assert.equal(one.s[0], 2.5);
  assert.equal(one.u[0] * one.vt[0], -1);
  // Diagonal with repeated values and a zero, in scrambled order, square and rectangular.
  const diag = [3, 1, 3, 2, 0, 1, 3, -2];
  const sorted = diag.map(Math.abs).sort((x, y) => y - x);
  for (const [m, n] of [
    [8, 8],
    [11, 8],
    [8, 10],
  ] as const) {
    const a = new Float64Array(m * n);
    diag.forEach((v, i) => (a[i * n + i] = v));
    const r = svd(a, m, n);
    assertGoodSvd(a, r, `diag ${m}×${n}`);
    assert.ok(maxAbsDiff(r.s, sorted) <= 1e-15, `diag ${m}×${n}: ${Array.from(r.s)}`);
    assert.equal(numericalRank(r.s, m, n), 7);
  }
});

test('empty shapes give k = 0', () => {
  const r = svd(new Float64Array(0), 0, 5);
  assert.equal(r.k, 0);
  assert.equal(r.s.length, 0);
  assert.deepEqual(pinvSolve(new Float64Array(0), 3, 0, new Float64Array(3), 1), new Float64Array(0));
});

test('bad arguments and non-finite entries throw SlimError INVALID_ARGUMENT', () => {
  const isInvalid = (e: unknown): boolean => e instanceof SlimError && e.code === 'INVALID_ARGUMENT';
  assert.throws(() => svd(new Float64Array(5), 2, 3), isInvalid);
  assert.throws(() => svd(new Float64Array(6), 2.5, 3), isInvalid);
  assert.throws(() => svd(Float64Array.of(1, NaN, 0, 1), 2, 2), isInvalid);
  assert.throws(() => svd(Float64Array.of(1, Infinity, 0, 1), 2, 2), isInvalid);
  assert.throws(() => pinvSolve(new Float64Array(4), 2, 2, new Float64Array(3), 2), isInvalid);
  assert.throws(() => conditionNumber(new Float64Array(0)), isInvalid);
});

// ---------------------------------------------------------------------------------------------
// Rank and condition number.
// ---------------------------------------------------------------------------------------------

test('numericalRank uses numpy matrix_rank tolerance s[0]·max(m,n)·eps; rtol overrides it', () => {
  const s = Float64Array.of(1, 1e-3, 5e-15, 1e-16, 0);
  // tol = 1·10·eps ≈ 2.2e-15: 5e-15 counts, 1e-16 does not.
  assert.equal(numericalRank(s, 10, 5), 3);
  // tol = 1·100·eps ≈ 2.2e-14: 5e-15 no longer counts.
  assert.equal(numericalRank(s, 5, 100), 2);
  assert.equal(numericalRank(s, 10, 5, 1e-2), 1);
  assert.equal(numericalRank(s, 10, 5, 0), 4);
  assert.equal(numericalRank(new Float64Array(0), 0, 0), 0);
  assert.equal(numericalRank(new Float64Array(3), 3, 3), 0);
});

test('conditionNumber = s[0]/s[k-1], Infinity for a zero singular value', () => {
  assert.equal(conditionNumber(Float64Array.of(4, 2, 0.5)), 8);
  assert.equal(conditionNumber(Float64Array.of(4, 0)), Infinity);
  assert.equal(conditionNumber(Float64Array.of(0)), Infinity);
  assert.equal(conditionNumber(Float64Array.of(7)), 1);
});

// ---------------------------------------------------------------------------------------------
// pinvSolve.
// ---------------------------------------------------------------------------------------------

test('pinvSolve on well-conditioned full-rank systems equals the normal-equation solution to 1e-12', () => {
  const rng = new Rng(8080);
  for (const [m, n, p] of [
    [40, 40, 3], // square: the plain solution
    [70, 30, 4], // tall: least squares x = (AᵀA)⁻¹Aᵀb
    [25, 60, 2], // wide: minimum norm x = Aᵀ(AAᵀ)⁻¹b
    [1, 1, 1],
  ] as const) {
    // cond(a) = 10, so the normal equations (which square it) stay accurate to ~1e-14 themselves.
    const k = Math.min(m, n);
    const sigma = Array.from({ length: k }, (_, i) => (k === 1 ? 3 : 10 - (9 * i) / (k - 1)));
    const a = withSingularValues(rng, m, n, sigma);
    const b = gaussian(rng, m, p);
    const x = pinvSolve(a, m, n, b, p);
    const A = toMatrix(a, m, n);
    const B = toMatrix(b, m, p);
    const ref =
      m >= n
        ? fromMatrix(solve(A.transpose().mmul(A), A.transpose().mmul(B)))
        : fromMatrix(A.transpose().mmul(solve(A.mmul(A.transpose()), B)));
    const d = maxAbsDiff(x, ref) / frob(ref);
    assert.ok(d <= 1e-12, `${m}×${n}, p=${p}: |x − x_normal| / |x| = ${d}`);
  }
});

test('pinvSolve on rank-deficient systems equals ml-matrix pseudoInverse·b to 1e-10, and is the minimum-norm solution', () => {
  const rng = new Rng(4242);
  for (const [m, n, r, p] of [
    [50, 50, 30, 3],
    [80, 40, 25, 2],
    [30, 70, 12, 4],
  ] as const) {
    // Exactly rank r: a = G1[m,r]·G2[r,n], generic singular values above the tolerance.
    const a = matmul(gaussian(rng, m, r), gaussian(rng, r, n), m, r, n);
    const b = gaussian(rng, m, p);
    const x = pinvSolve(a, m, n, b, p);
    const label = `${m}×${n} rank ${r}`;

    const ref = fromMatrix(pseudoInverse(toMatrix(a, m, n)).mmul(toMatrix(b, m, p)));
    const d = maxAbsDiff(x, ref) / frob(ref);
    assert.ok(d <= 1e-10, `${label}: |x − pinv(a)·b| / |x| = ${d}`);

    const dec = svd(a, m, n);
    assert.equal(numericalRank(dec.s, m, n), r, label);
    // Minimum norm: x is orthogonal to the null space (rows r.. of vt), to 1e-12·|x|.
    const xn = frob(x);
    for (let i = r; i < dec.k; i++) {
      for (let c = 0; c < p; c++) {
        let proj = 0;
        for (let j = 0; j < n; j++) proj += dec.vt[i * n + j] * x[j * p + c];
        assert.ok(Math.abs(proj) <= 1e-12 * xn, `${label}: null-space component ${proj}`);
      }
    }
    // Least squares: the residual is orthogonal to the range, aᵀ(a·x − b) ≈ 0 (relative to |a|²|x|).
    const res = matmul(a, x, m, n, p).map((v, i) => v - b[i]);
    const g = matmul(transposeOf(a, m, n), res, n, m, p);
    const an = frob(a);
    assert.ok(frob(g) <= 1e-12 * an * an * xn, `${label}: |aᵀ(ax − b)| = ${frob(g)}`);
  }
});

test('pinvSolve rtol: a larger tolerance drops the small singular directions', () => {
  const rng = new Rng(31);
  const n = 20;
  const sigma = Array.from({ length: n }, (_, i) => (i < 15 ? 1 + i : 1e-9));
  const a = withSingularValues(rng, n, n, sigma);
  const b = gaussian(rng, n, 1);
  // With rtol = 1e-6 the 1e-9 directions are cut: x has norm O(|b|), not O(1e9·|b|).
  const cut = pinvSolve(a, n, n, b, 1, 1e-6);
  const full = pinvSolve(a, n, n, b, 1);
  assert.ok(frob(cut) < 10 * frob(b), `cut: ${frob(cut)}`);
  assert.ok(frob(full) > 1e6 * frob(b), `full: ${frob(full)}`);
});
