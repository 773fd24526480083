/**
 * The three attention kernels against their float64 references (models/slim/attention64.ts,
 * models/reference/attention.ts): random shapes, causal (prefill) and full (decode, cross) rows,
 * guard zones around every buffer including the scratch. Tolerance 2e-5 of the largest output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../models/fixtures/random.ts';
import { foldedAttention, kCacheAttention } from '../../../models/slim/attention64.ts';
import { qkvAttention } from '../../../models/reference/attention.ts';
import { packHeads, packPanels } from '../../../kernels/wasm/pack.ts';
import { GuardedHeap, kernels, maxRelError } from './harness.ts';

const TOL = 2e-5;
const SHAPES = [
  { d: 64, h: 2, m: 1, t: 1, base: 0 },
  { d: 64, h: 2, m: 1, t: 23, base: 22 },
  { d: 128, h: 2, m: 5, t: 9, base: 4 },
  { d: 96, h: 3, m: 3, t: 40, base: -1 },
  { d: 128, h: 4, m: 8, t: 150, base: -1 },
  { d: 64, h: 2, m: 6, t: 6, base: 0 },
  { d: 128, h: 2, m: 3, t: 1500, base: -1 }, // cross over E: the blocked online softmax, last block partial
];

const f64 = (a: Float32Array) => Float64Array.from(a);
const causal = (base: number) => (base < 0 ? undefined : base);

test('attention_kcache equals kCacheAttention (K-cache form with W_KV)', async () => {
  const k = await kernels();
  const rng = new Rng(21);
  for (const { d, h, m, t, base } of SHAPES) {
    const heap = new GuardedHeap(k, 4 << 20);
    const q = rng.normals(m * d),
      K = rng.normals(t * d),
      wkv = rng.normals(d * d, 1 / Math.sqrt(d));
    const Q = heap.alloc(q.length, q),
      KB = heap.alloc(K.length, K),
      W = heap.alloc(d * d, packPanels(wkv, d, d));
    const O = heap.alloc(m * d),
      S = heap.alloc(m * h * t),
      U = heap.alloc(m * h * d);
    k.attention_kcache(Q.ptr, m, KB.ptr, t, W.ptr, O.ptr, S.ptr, U.ptr, d, h, base);
    const want = kCacheAttention(f64(q), f64(K), f64(wkv), m, t, d, h, causal(base));
    assert.ok(
      maxRelError(heap.f32(O), want) < TOL,
      `d=${d} h=${h} m=${m} t=${t}: ${maxRelError(heap.f32(O), want)}`,
    );
    heap.checkGuards();
  }
});

test('attention_folded equals foldedAttention (X-cache self-attention and Option 2 cross)', async () => {
  const k = await kernels();
  const rng = new Rng(22);
  for (const { d, h, m, t, base } of SHAPES) {
    const heap = new GuardedHeap(k, 4 << 20);
    const q = rng.normals(m * d),
      X = rng.normals(t * d);
    const wk = rng.normals(d * d, 1 / Math.sqrt(d)),
      wv = rng.normals(d * d, 1 / Math.sqrt(d));
    const Q = heap.alloc(q.length, q),
      XB = heap.alloc(X.length, X);
    const WK = heap.alloc(d * d, packHeads(wk, d, h)),
      WV = heap.alloc(d * d, packPanels(wv, d, d));
    const O = heap.alloc(m * d),
      A = heap.alloc(m * h * d),
      S = heap.alloc(m * h * t),
      U = heap.alloc(m * h * d);
    k.attention_folded(Q.ptr, m, XB.ptr, t, WK.ptr, WV.ptr, O.ptr, A.ptr, S.ptr, U.ptr, d, h, base);
    const want = foldedAttention(f64(q), f64(X), f64(wk), f64(wv), m, t, d, h, causal(base));
    assert.ok(
      maxRelError(heap.f32(O), want) < TOL,
      `d=${d} h=${h} m=${m} t=${t}: ${maxRelError(heap.f32(O), want)}`,
    );
    heap.checkGuards();
  }
});

/** Row-major [t, d] → head-major [h][cap][d_k] (rows past t left zero). */
function toHeads(a: Float32Array, t: number, d: number, h: number, cap: number): Float32Array {
  const dk = d / h;
  const out = new Float32Array(h * cap * dk);
  for (let j = 0; j < t; j++) {
    for (let hh = 0; hh < h; hh++)
      out.set(a.subarray(j * d + hh * dk, j * d + (hh + 1) * dk), (hh * cap + j) * dk);
  }
  return out;
}

test('attention_standard equals qkvAttention (baseline self and cross, head-major K and V)', async () => {
  const k = await kernels();
  const rng = new Rng(23);
  for (const { d, h, m, t, base } of SHAPES) {
    const heap = new GuardedHeap(k, 4 << 20);
    const cap = t + 3; // a head stride longer than the rows in use, as in a cache
    const q = rng.normals(m * d);
    const K = rng.normals(t * d);
    const V = rng.normals(t * d);
    const Q = heap.alloc(q.length, q);
    const KB = heap.alloc(h * cap * (d / h), toHeads(K, t, d, h, cap));
    const VB = heap.alloc(h * cap * (d / h), toHeads(V, t, d, h, cap));
    const O = heap.alloc(m * d);
    const S = heap.alloc(m * h * t);
    k.attention_standard(Q.ptr, m, KB.ptr, VB.ptr, t, cap * (d / h), O.ptr, S.ptr, d, h, base);
    const want = qkvAttention(f64(q), f64(K), f64(V), m, t, d, h, causal(base)).out;
    assert.ok(
      maxRelError(heap.f32(O), want) < TOL,
      `d=${d} h=${h} m=${m} t=${t}: ${maxRelError(heap.f32(O), want)}`,
    );
    heap.checkGuards();
  }
});

test('head_project: per-head W slices of a panel-packed matrix', async () => {
  const k = await kernels();
  const rng = new Rng(24);
  const d = 128,
    h = 4,
    m = 3,
    dk = d / h;
  const heap = new GuardedHeap(k, 1 << 20);
  const u = rng.normals(m * h * d),
    w = rng.normals(d * d);
  const UB = heap.alloc(u.length, u),
    W = heap.alloc(d * d, packPanels(w, d, d)),
    O = heap.alloc(m * d);
  k.head_project(UB.ptr, m, W.ptr, O.ptr, d, h);
  const want = new Float64Array(m * d);
  for (let i = 0; i < m; i++)
    for (let hh = 0; hh < h; hh++)
      for (let c = 0; c < dk; c++) {
        let s = 0;
        for (let r = 0; r < d; r++) s += u[(i * h + hh) * d + r]! * w[r * d + hh * dk + c]!;
        want[i * d + hh * dk + c] = s;
      }
  assert.ok(maxRelError(heap.f32(O), want) < 1e-5);
  heap.checkGuards();
});
