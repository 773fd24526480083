/**
 * Every WASM kernel against a float64 CPU reference on random shapes (fixed seeds), with guard
 * zones around every buffer. Tolerances are relative to the largest reference magnitude:
 * fp32 accumulation over k terms errs ~√k·2⁻²⁴, so 1e-5 covers every shape here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../models/fixtures/random.ts';
import { gelu as gelu64, layerNorm, softmaxRowsInPlace } from '../../../models/reference/ops.ts';
import { PANEL, packHeads, packPanels, packVocab, paddedVocab } from '../../../kernels/wasm/pack.ts';
import { GuardedHeap, kernels, maxRelError } from './harness.ts';

const TOL = 1e-5;

/** Reference y = x·W (+b) (+y0) with strides, float64. */
function gemmRef(
  x: Float32Array,
  ldx: number,
  w: (kk: number, j: number) => number,
  b: Float32Array | null,
  y0: Float32Array | null,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = (b ? b[j]! : 0) + (y0 ? y0[i * n + j]! : 0);
      for (let t = 0; t < k; t++) s += x[i * ldx + t]! * w(t, j);
      y[i * n + j] = s;
    }
  }
  return y;
}

/** Reads an m×n block with row stride ld. */
function block(a: Float32Array, m: number, n: number, ld: number): Float32Array {
  const o = new Float32Array(m * n);
  for (let i = 0; i < m; i++) o.set(a.subarray(i * ld, i * ld + n), i * n);
  return o;
}

/**
 * gemm_nn or gemm_nt (the same arguments) on random shapes and strides, with a bias on every
 * other trial and accumulation on every third (from `phase`); w is read through `wAt`.
 */
async function checkRowMajorGemm(
  name: 'gemm_nn' | 'gemm_nt',
  seed: number,
  phase: number,
  shape: (rng: Rng) => {
    m: number;
    kk: number;
    n: number;
    ldx: number;
    ldw: number;
    wRows: number;
    ldy: number;
  },
  wAt: (w: Float32Array, ldw: number) => (t: number, j: number) => number,
): Promise<void> {
  const k = await kernels();
  const rng = new Rng(seed);
  for (let trial = 0; trial < 40; trial++) {
    const { m, kk, n, ldx, ldw, wRows, ldy } = shape(rng);
    const heap = new GuardedHeap(k, 1 << 20);
    const x = rng.normals(m * ldx),
      w = rng.normals(wRows * ldw),
      b = rng.normals(n),
      y0 = rng.normals(m * ldy);
    const useB = trial % 2 === phase % 2,
      acc = trial % 3 === phase;
    const X = heap.alloc(x.length, x),
      W = heap.alloc(w.length, w),
      B = heap.alloc(n, b),
      Y = heap.alloc(y0.length, y0);
    k[name](X.ptr, ldx, W.ptr, ldw, useB ? B.ptr : 0, Y.ptr, ldy, m, kk, n, acc ? 1 : 0);
    const want = gemmRef(x, ldx, wAt(w, ldw), useB ? b : null, acc ? block(y0, m, n, ldy) : null, m, kk, n);
    const got = block(heap.f32(Y), m, n, ldy);
    assert.ok(maxRelError(got, want) < TOL, `m=${m} k=${kk} n=${n}: ${maxRelError(got, want)}`);
    // Columns between n and ldy are untouched.
    for (let i = 0; i < m; i++)
      for (let j = n; j < ldy; j++) assert.equal(heap.f32(Y)[i * ldy + j], y0[i * ldy + j]);
    heap.checkGuards();
  }
}

test('gemm_nn: random shapes, strides, bias and accumulate', () =>
  checkRowMajorGemm(
    'gemm_nn',
    11,
    0,
    (rng) => {
      const m = rng.int(1, 9),
        kk = rng.int(1, 70),
        n = 4 * rng.int(1, 20);
      const ldx = kk + rng.int(0, 3),
        ldw = n + 4 * rng.int(0, 2),
        ldy = n + rng.int(0, 5);
      return { m, kk, n, ldx, ldw, wRows: kk, ldy };
    },
    (w, ldw) => (t, j) => w[t * ldw + j]!,
  ));

test('gemm_packed: panels of 32 columns equal the row-major product', async () => {
  const k = await kernels();
  const rng = new Rng(12);
  for (let trial = 0; trial < 30; trial++) {
    const m = rng.int(1, 11),
      kk = rng.int(1, 90),
      n = PANEL * rng.int(1, 5);
    const ldy = n + rng.int(0, 3);
    const heap = new GuardedHeap(k, 1 << 20);
    const x = rng.normals(m * kk),
      w = rng.normals(kk * n),
      b = rng.normals(n),
      y0 = rng.normals(m * ldy);
    const acc = trial % 2 === 1;
    const X = heap.alloc(x.length, x),
      W = heap.alloc(w.length, packPanels(w, kk, n)),
      B = heap.alloc(n, b);
    const Y = heap.alloc(y0.length, y0);
    k.gemm_packed(X.ptr, kk, W.ptr, B.ptr, Y.ptr, ldy, m, kk, n, acc ? 1 : 0);
    const want = gemmRef(x, kk, (t, j) => w[t * n + j]!, b, acc ? block(y0, m, n, ldy) : null, m, kk, n);
    const got = block(heap.f32(Y), m, n, ldy);
    assert.ok(maxRelError(got, want) < TOL, `m=${m} k=${kk} n=${n}: ${maxRelError(got, want)}`);
    heap.checkGuards();
  }
});

test('gemm_packed_wide: float64 accumulation, one rounding per output (K of K-cache layers)', async () => {
  const k = await kernels();
  const rng = new Rng(18);
  for (let trial = 0; trial < 12; trial++) {
    const m = rng.int(1, 5),
      kk = rng.int(1, 600),
      n = PANEL * rng.int(1, 3);
    const heap = new GuardedHeap(k, 4 << 20);
    // Large cancelling terms: an f32 accumulation would lose digits the wide one keeps.
    const x = rng.normals(m * kk, 100),
      w = rng.normals(kk * n);
    const X = heap.alloc(x.length, x),
      W = heap.alloc(w.length, packPanels(w, kk, n)),
      Y = heap.alloc(m * n);
    k.gemm_packed_wide(X.ptr, kk, W.ptr, 0, Y.ptr, n, m, kk, n, 0);
    const want = gemmRef(x, kk, (t, j) => w[t * n + j]!, null, null, m, kk, n);
    heap.f32(Y).forEach((g, i) => {
      assert.ok(
        Math.abs(g - want[i]!) <= 6e-8 * Math.abs(want[i]!) + 1e-9,
        `m=${m} k=${kk} [${i}]: ${g} vs ${want[i]}`,
      );
    });
    heap.checkGuards();
  }
});

test('gemm_nt: random shapes (row and column remainders), strides, bias and accumulate', () =>
  checkRowMajorGemm(
    'gemm_nt',
    13,
    1,
    (rng) => {
      const m = rng.int(1, 7),
        kk = 4 * rng.int(1, 40),
        n = rng.int(1, 37);
      const ldx = kk + 4 * rng.int(0, 2),
        ldw = kk + 4 * rng.int(0, 2),
        ldy = n + rng.int(0, 4);
      return { m, kk, n, ldx, ldw, wRows: n, ldy };
    },
    (w, ldw) => (t, j) => w[j * ldw + t]!,
  ));

test('layernorm: rows with offsets and scales, strided in and out', async () => {
  const k = await kernels();
  const rng = new Rng(14);
  for (const [rows, d] of [
    [1, 4],
    [3, 64],
    [5, 512],
    [2, 388],
  ] as const) {
    const heap = new GuardedHeap(k, 1 << 20);
    const ldx = d + 8,
      ldy = d + 4;
    const x = rng.normals(rows * ldx, 3, 2),
      g = rng.normals(d, 0.2, 1),
      b = rng.normals(d, 0.3);
    const X = heap.alloc(x.length, x),
      Y = heap.alloc(rows * ldy),
      G = heap.alloc(d, g),
      B = heap.alloc(d, b);
    k.layernorm(X.ptr, ldx, Y.ptr, ldy, rows, d, G.ptr, B.ptr, 1e-5);
    const want = layerNorm(
      Float64Array.from(block(x, rows, d, ldx)),
      rows,
      d,
      Float64Array.from(g),
      Float64Array.from(b),
    );
    const err = maxRelError(block(heap.f32(Y), rows, d, ldy), want);
    assert.ok(err < TOL, `rows=${rows} d=${d}: ${err}`);
    heap.checkGuards();
  }
});

test('gelu: erf form within 2e-7 absolute of the float64 GELU over [−10, 10]', async () => {
  const k = await kernels();
  const n = 40000;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = -10 + (20 * i) / (n - 1);
  const heap = new GuardedHeap(k, 1 << 20);
  const X = heap.alloc(n, x);
  k.gelu(X.ptr, n);
  let worst = 0;
  for (let i = 0; i < n; i++)
    worst = Math.max(worst, Math.abs(heap.f32(X)[i]! - gelu64(x[i]!)) / Math.max(1, Math.abs(x[i]!)));
  assert.ok(worst < 2e-7, `gelu error ${worst}`);
  heap.checkGuards();
});

test('embed: token row (gathered from the vocabulary panels) plus position row', async () => {
  const k = await kernels();
  const rng = new Rng(15);
  const d = 64,
    nVocab = 50,
    nCtx = 20,
    rows = 7;
  const heap = new GuardedHeap(k, 1 << 20);
  const tok = rng.normals(nVocab * d),
    pos = rng.normals(nCtx * d);
  const ids = Array.from({ length: rows }, () => rng.int(0, nVocab - 1));
  const positions = Array.from({ length: rows }, () => rng.int(0, nCtx - 1));
  const T = heap.alloc(paddedVocab(nVocab) * d, packVocab(tok, nVocab, d)),
    P = heap.alloc(pos.length, pos),
    Y = heap.alloc(rows * d);
  k.embed(T.ptr, P.ptr, heap.allocI32(ids).ptr, heap.allocI32(positions).ptr, rows, d, Y.ptr);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++)
      assert.equal(heap.f32(Y)[r * d + j], Math.fround(tok[ids[r]! * d + j]! + pos[positions[r]! * d + j]!));
  }
  heap.checkGuards();
});

/** Float64 scaled, causally masked row softmax as softmax_rows defines it. */
function softmaxRef(
  s: Float32Array,
  rows: number,
  n: number,
  scale: number,
  causalBase: number,
  perQuery: number,
): Float64Array {
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const limit = causalBase < 0 ? n : Math.min(n, causalBase + Math.floor(r / perQuery) + 1);
    const row = out.subarray(r * n, r * n + limit);
    for (let j = 0; j < limit; j++) row[j] = s[r * n + j]! * scale;
    softmaxRowsInPlace(row, 1, limit);
  }
  return out;
}

test('softmax_rows: scale, causal limits per query, masked tail exactly zero', async () => {
  const k = await kernels();
  const rng = new Rng(16);
  for (const [rows, n, base, perQuery] of [
    [8, 1500, -1, 4],
    [12, 37, 30, 4],
    [6, 5, 1, 2],
    [3, 1, 0, 3],
    [16, 448, 400, 8],
  ] as const) {
    const heap = new GuardedHeap(k, 8 << 20);
    const s = rng.normals(rows * n, 6);
    const S = heap.alloc(s.length, s);
    k.softmax_rows(S.ptr, n, rows, n, 0.125, base, perQuery);
    const want = softmaxRef(s, rows, n, 0.125, base, perQuery);
    const got = heap.f32(S);
    assert.ok(maxRelError(got, want) < TOL, `rows=${rows} n=${n}: ${maxRelError(got, want)}`);
    for (let i = 0; i < want.length; i++) if (want[i] === 0) assert.equal(got[i], 0);
    heap.checkGuards();
  }
});

test('topk_rows: log-softmax with a suppression mask, best k with ties to the lower id', async () => {
  const k = await kernels();
  const rng = new Rng(17);
  const rows = 3,
    n = 1003,
    kk = 5;
  const heap = new GuardedHeap(k, 1 << 20);
  const logits = rng.normals(rows * n, 4);
  logits[1 * n + 10] = 50; // a tie at the top of row 1: ids 10 and 700
  logits[1 * n + 700] = 50;
  const mask = new Float32Array(n);
  for (let j = 0; j < n; j += 7) mask[j] = -Infinity;
  const L = heap.alloc(logits.length, logits),
    M = heap.alloc(n, mask);
  const ids = heap.alloc(rows * kk),
    lp = heap.alloc(rows * kk);
  for (const useMask of [false, true]) {
    k.topk_rows(L.ptr, n, rows, n, useMask ? M.ptr : 0, kk, ids.ptr, lp.ptr);
    for (let r = 0; r < rows; r++) {
      const v = Array.from({ length: n }, (_, j) => logits[r * n + j]! + (useMask ? mask[j]! : 0));
      const mx = Math.max(...v);
      const logZ = mx + Math.log(v.reduce((s, x) => s + Math.exp(x - mx), 0));
      const order = v
        .map((x, j) => [x, j] as const)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, kk);
      assert.deepEqual(
        Array.from(heap.i32(ids).subarray(r * kk, r * kk + kk)),
        order.map((o) => o[1]),
      );
      order.forEach(([x], j) => assert.ok(Math.abs(heap.f32(lp)[r * kk + j]! - (x - logZ)) < 1e-5));
    }
  }
  assert.deepEqual(Array.from(logits), Array.from(heap.f32(L)), 'logits unchanged');
  heap.checkGuards();
});

test('packVocab: the embedding transposed into panels, padded ids zero', () => {
  const d = 4,
    nVocab = 35;
  const emb = Float32Array.from({ length: nVocab * d }, (_, i) => i + 1);
  const p = packVocab(emb, nVocab, d);
  assert.equal(p.length, 64 * d);
  assert.equal(p[1 * d * PANEL + 2 * PANEL + 1], emb[33 * d + 2]); // id 33 = panel 1, column 1; row 2
  assert.equal(p.filter((x) => x !== 0).length, nVocab * d);
});

test('packHeads and packPanels lay out every element once', () => {
  const d = 64,
    h = 2,
    n = 96;
  const w = Float32Array.from({ length: d * d }, (_, i) => i);
  const p = packHeads(w, d, h);
  assert.equal(p[1 * d * 32 + 3 * 32 + 5], w[3 * d + 32 + 5]); // head 1, row 3, column 5
  const v = Float32Array.from({ length: 3 * n }, (_, i) => i);
  const q = packPanels(v, 3, n);
  assert.equal(q[2 * 3 * 32 + 1 * 32 + 7], v[1 * n + 64 + 7]); // panel 2, row 1, column 7
  assert.deepEqual(
    [...q].sort((a, b) => a - b),
    [...v],
  );
});
