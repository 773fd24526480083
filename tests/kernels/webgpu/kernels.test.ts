/**
 * Every WGSL kernel against a float64 CPU reference on random small shapes (fixed seeds), with
 * guard values around each output to catch out-of-bounds writes. Tolerances are relative to the
 * output's largest magnitude (fp32 accumulation: ~1e-6; fp16 weights compare against the same
 * rounded weights).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferLedger } from '../../../kernels/webgpu/buffers.ts';
import { linear, type LinearConfig } from '../../../kernels/webgpu/linear.ts';
import { layerNorm } from '../../../kernels/webgpu/layernorm.ts';
import { geluKernel } from '../../../kernels/webgpu/gelu.ts';
import { embed } from '../../../kernels/webgpu/embed.ts';
import { scatterRows } from '../../../kernels/webgpu/scatter.ts';
import { attend, attendShapeOf, type AttendShape } from '../../../kernels/webgpu/attend.ts';
import { attendPartialFloats, attendRows, attendSplits } from '../../../kernels/webgpu/attend-rows.ts';
import { topK, SUPPRESSED } from '../../../kernels/webgpu/topk.ts';
import { matrixData } from '../../../kernels/webgpu/gpu-weights.ts';
import { computePipeline, pipelineCount } from '../../../kernels/webgpu/pipelines.ts';
import { reorderPlan } from '../../../kernels/webgpu/session.ts';
import { roundHalf } from '../../../models/numerics/half.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { testGpu, guarded, readGuarded, runBuffer, dispatch, maxRelError, inside, GUARD_N } from './gpu.ts';

/** erf and erfc in float64: Maclaurin series below 3, Laplace's continued fraction above. */
function erfc64(x: number): number {
  if (x < 0) return 2 - erfc64(-x);
  if (x < 3) {
    let sum = x;
    let term = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-18) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 80; n >= 1; n--) f = n / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}
const erf64 = (x: number): number => 1 - erfc64(x);
const gelu64 = (x: number): number => 0.5 * x * erfc64(-x / Math.SQRT2);

interface LinCase {
  name: string;
  R: number;
  K: number;
  N: number;
  cfg: Omit<LinearConfig, 'rowsFrom'>;
}

const linCases: LinCase[] = [
  {
    name: 'kn f32 bias',
    R: 5,
    K: 70,
    N: 33,
    cfg: {
      layout: 'kn',
      weights: 'f32',
      bias: true,
      residual: false,
      gelu: false,
      tileRows: 4,
      colsPerThread: 2,
      workgroup: 16,
    },
  },
  {
    name: 'kn f32 one row (the single-row pipeline)',
    R: 1,
    K: 300,
    N: 70,
    cfg: {
      layout: 'kn',
      weights: 'f32',
      bias: true,
      residual: true,
      gelu: false,
      tileRows: 4,
      colsPerThread: 4,
      workgroup: 8,
    },
  },
  {
    name: 'kn f32 residual, K > tile',
    R: 11,
    K: 130,
    N: 64,
    cfg: {
      layout: 'kn',
      weights: 'f32',
      bias: true,
      residual: true,
      gelu: false,
      tileRows: 8,
      colsPerThread: 1,
      workgroup: 64,
    },
  },
  {
    name: 'kn f32 gelu',
    R: 3,
    K: 48,
    N: 96,
    cfg: {
      layout: 'kn',
      weights: 'f32',
      bias: true,
      residual: false,
      gelu: true,
      tileRows: 2,
      colsPerThread: 4,
      workgroup: 8,
    },
  },
  {
    name: 'kn f16 pairs',
    R: 9,
    K: 40,
    N: 50,
    cfg: {
      layout: 'kn',
      weights: 'f16',
      bias: true,
      residual: true,
      gelu: false,
      tileRows: 4,
      colsPerThread: 2,
      workgroup: 16,
    },
  },
  {
    name: 'nk f32 (tied logits)',
    R: 4,
    K: 64,
    N: 301,
    cfg: {
      layout: 'nk',
      weights: 'f32',
      bias: false,
      residual: false,
      gelu: false,
      tileRows: 4,
      colsPerThread: 2,
      workgroup: 32,
    },
  },
  {
    name: 'nk f16 (tied logits)',
    R: 6,
    K: 32,
    N: 257,
    cfg: {
      layout: 'nk',
      weights: 'f16',
      bias: false,
      residual: false,
      gelu: false,
      tileRows: 4,
      colsPerThread: 3,
      workgroup: 16,
    },
  },
];

for (const c of linCases) {
  test(`linear ${c.name} = float64 (R=${c.R}, K=${c.K}, N=${c.N})`, async () => {
    const ctx = await testGpu();
    const L = new BufferLedger(ctx.device);
    const rng = new Rng(c.K * 7 + c.N);
    const x = rng.normals(c.R * c.K);
    const w = rng.normals(c.K * c.N, 1 / Math.sqrt(c.K));
    const b = rng.normals(c.N);
    const y0 = rng.normals(c.R * c.N);
    const wUsed = c.cfg.weights === 'f16' ? w.map(roundHalf) : w;
    const y = guarded(L, c.R * c.N, y0);
    const run = { rows: c.R, outCount: c.R };
    const op = linear(
      L,
      c.name,
      { ...c.cfg, rowsFrom: 'rows' },
      { K: c.K, N: c.N, yOffset: GUARD_N },
      {
        run: runBuffer(L, run),
        x: L.upload('x', 'scratch', x),
        w: L.upload('w', 'scratch', matrixData(w, c.cfg.weights)),
        y,
        ...(c.cfg.bias ? { bias: L.upload('b', 'scratch', b) } : {}),
      },
    );
    await dispatch(ctx.device, [op], run);
    const got = await readGuarded(L, y, c.R * c.N);
    const want = new Float64Array(c.R * c.N);
    for (let r = 0; r < c.R; r++) {
      for (let n = 0; n < c.N; n++) {
        let s = c.cfg.bias ? b[n]! : 0;
        for (let k = 0; k < c.K; k++) {
          const wv = c.cfg.layout === 'kn' ? wUsed[k * c.N + n]! : wUsed[n * c.K + k]!;
          s += x[r * c.K + k]! * wv;
        }
        if (c.cfg.gelu) s = gelu64(s);
        want[r * c.N + n] = (c.cfg.residual ? y0[r * c.N + n]! : 0) + s;
      }
    }
    const err = maxRelError(got, want);
    assert.ok(err < 2e-6, `relative error ${err}`);
    L.destroy();
  });
}

test('linear per-head addressing: query fold q_h·W_K,hᵀ and head projection u_h·W_h', async () => {
  const ctx = await testGpu();
  const L = new BufferLedger(ctx.device);
  const rng = new Rng(77);
  const [R, h, dk] = [3, 4, 8];
  const d = h * dk;
  const q = rng.normals(R * d);
  const wk = rng.normals(d * d, 0.2);
  const a = guarded(L, R * h * d);
  const run = { rows: R, outCount: R };
  const runB = runBuffer(L, run);
  const tile = {
    tileRows: 2,
    colsPerThread: 1,
    workgroup: 16,
    bias: false,
    residual: false,
    gelu: false,
    rowsFrom: 'rows' as const,
  };
  const fold = linear(
    L,
    'fold',
    { ...tile, layout: 'nk', weights: 'f32' },
    {
      K: dk,
      N: h * d,
      xRowStride: d,
      xHeadCols: d,
      xHeadStride: dk,
      wHeadCols: d,
      wRowStride: d,
      wHeadStride: dk,
      yOffset: GUARD_N,
      yRowStride: h * d,
    },
    { run: runB, x: L.upload('q', 'scratch', q), w: L.upload('wk', 'scratch', wk), y: a },
  );
  const u = rng.normals(R * h * d);
  const wv = rng.normals(d * d, 0.2);
  const o = guarded(L, R * d);
  const proj = linear(
    L,
    'proj',
    { ...tile, workgroup: 8, layout: 'kn', weights: 'f32' },
    { K: d, N: d, xRowStride: h * d, xHeadCols: dk, xHeadStride: d, yOffset: GUARD_N },
    { run: runB, x: L.upload('u', 'scratch', u), w: L.upload('wv', 'scratch', wv), y: o },
  );
  await dispatch(ctx.device, [fold, proj], run);
  const gotA = await readGuarded(L, a, R * h * d);
  const gotO = await readGuarded(L, o, R * d);
  const wantA = new Float64Array(R * h * d);
  const wantO = new Float64Array(R * d);
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < h; i++) {
      for (let k = 0; k < d; k++) {
        let s = 0;
        for (let c = 0; c < dk; c++) s += q[r * d + i * dk + c]! * wk[k * d + i * dk + c]!;
        wantA[(r * h + i) * d + k] = s;
      }
      for (let c = 0; c < dk; c++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += u[(r * h + i) * d + k]! * wv[k * d + i * dk + c]!;
        wantO[r * d + i * dk + c] = s;
      }
    }
  }
  assert.ok(maxRelError(gotA, wantA) < 2e-6, `fold ${maxRelError(gotA, wantA)}`);
  assert.ok(maxRelError(gotO, wantO) < 2e-6, `head projection ${maxRelError(gotO, wantO)}`);
  assert.throws(
    () =>
      linear(
        L,
        'bad',
        { ...tile, workgroup: 16, layout: 'kn', weights: 'f32' },
        { K: d, N: d, xHeadCols: dk },
        { run: runB, x: a, w: a, y: o },
      ),
    /one head/,
  );
  L.destroy();
});

test('GELU (exact, erf) and erf in WGSL: relative error < 2e-6 over [−12, 12] (GELU tail: × x²/8)', async () => {
  const ctx = await testGpu();
  const L = new BufferLedger(ctx.device);
  const n = 2401;
  const x = Float32Array.from({ length: n }, (_, i) => -12 + (24 * i) / (n - 1));
  const xb = L.upload('x', 'scratch', x);
  for (const op of ['gelu', 'erf'] as const) {
    const y = guarded(L, n);
    await dispatch(ctx.device, [geluKernel(L, op, n, xb, y, GUARD_N)], { rows: 0, outCount: 0 });
    const all = await readGuarded(L, y, n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const t = x[i]!;
      const want = op === 'gelu' ? gelu64(t) : erf64(t);
      // Relative error; in GELU's negative tail, Φ(x) ~ exp(−x²/2) turns the fp32 rounding of x
      // into a relative error ~ x²·2⁻²⁴, so the bound grows with x²/8 there.
      const scale =
        op === 'gelu' ? Math.abs(want) * Math.max(1, (t * t) / 8) : Math.max(Math.abs(want), 1e-3);
      worst = Math.max(worst, want === 0 ? Math.abs(all[i]!) : Math.abs(all[i]! - want) / scale);
    }
    assert.ok(worst < 2e-6, `${op}: worst relative error ${worst}`);
  }
  L.destroy();
});

test('LayerNorm rows (and the final LayerNorm of rows outFirst …) = float64', async () => {
  const ctx = await testGpu();
  const L = new BufferLedger(ctx.device);
  const rng = new Rng(5);
  const [R, d] = [6, 200];
  const x = rng.normals(R * d, 3, 1);
  const g = rng.normals(d, 0.1, 1);
  const b = rng.normals(d, 0.1);
  const want = new Float64Array(R * d);
  for (let r = 0; r < R; r++) {
    let m = 0;
    for (let c = 0; c < d; c++) m += x[r * d + c]!;
    m /= d;
    let v = 0;
    for (let c = 0; c < d; c++) v += (x[r * d + c]! - m) ** 2;
    const inv = 1 / Math.sqrt(v / d + 1e-5);
    for (let c = 0; c < d; c++) want[r * d + c] = (x[r * d + c]! - m) * inv * g[c]! + b[c]!;
  }
  const xb = L.upload('x', 'scratch', x);
  const [gb, bb] = [L.upload('g', 'scratch', g), L.upload('b', 'scratch', b)];
  const y = guarded(L, R * d);
  const run = { rows: R, outCount: 2 };
  await dispatch(
    ctx.device,
    [layerNorm(L, 'ln', 'rows', d, { run: runBuffer(L, run), x: xb, gamma: gb, beta: bb, y: inside(y) })],
    run,
  );
  const got = await readGuarded(L, y, R * d);
  assert.ok(maxRelError(got, want) < 1e-6, `${maxRelError(got, want)}`);
  const yf = guarded(L, 2 * d);
  const runF = runBuffer(L, run, 3); // rows 3, 4
  await dispatch(
    ctx.device,
    [layerNorm(L, 'lnf', 'outCount', d, { run: runF, x: xb, gamma: gb, beta: bb, y: inside(yf) })],
    run,
  );
  const gotF = await readGuarded(L, yf, 2 * d);
  assert.ok(maxRelError(gotF, want.subarray(3 * d, 5 * d)) < 1e-6);
  L.destroy();
});

function rowInfo(rows: Array<[number, number, number, number]>): Uint32Array {
  return Uint32Array.from(rows.flat());
}

test('embedding: token row (fp32 and fp16 table) + position row', async () => {
  const ctx = await testGpu();
  const L = new BufferLedger(ctx.device);
  const rng = new Rng(8);
  const [V, P, d] = [50, 12, 40];
  const tok = rng.normals(V * d);
  const pos = rng.normals(P * d);
  const rows: Array<[number, number, number, number]> = [
    [3, 0, 0, 0],
    [49, 11, 1, 0],
    [0, 5, 2, 1],
  ];
  const run = { rows: rows.length, outCount: 0 };
  for (const prec of ['f32', 'f16'] as const) {
    const x = guarded(L, rows.length * d);
    const op = embed(L, 'embed', prec, d, {
      run: runBuffer(L, run),
      rowInfo: L.upload('ri', 'scratch', rowInfo(rows)),
      tokens: L.upload('tok', 'scratch', matrixData(tok, prec)),
      positions: L.upload('pos', 'scratch', pos),
      x: inside(x),
    });
    await dispatch(ctx.device, [op], run);
    const got = await readGuarded(L, x, rows.length * d);
    const t = prec === 'f16' ? tok.map(roundHalf) : tok;
    rows.forEach(([id, p], r) => {
      for (let c = 0; c < d; c++) assert.equal(got[r * d + c], Math.fround(t[id * d + c]! + pos[p * d + c]!));
    });
  }
  L.destroy();
});

test('cache scatter writes each row at (sequence, position) and nowhere else', async () => {
  const ctx = await testGpu();
  const L = new BufferLedger(ctx.device);
  const rng = new Rng(9);
  const [slots, ctxRows, d] = [3, 5, 24];
  const init = rng.normals(slots * ctxRows * d);
  const src = rng.normals(3 * d);
  const rows: Array<[number, number, number, number]> = [
    [0, 4, 2, 0],
    [0, 0, 0, 0],
    [0, 2, 1, 0],
  ];
  const cache = guarded(L, slots * ctxRows * d, init);
  const run = { rows: 3, outCount: 0 };
  const op = scatterRows(L, 'scatter', d, ctxRows, {
    run: runBuffer(L, run),
    rowInfo: L.upload('ri', 'scratch', rowInfo(rows)),
    src: L.upload('src', 'scratch', src),
    cache: inside(cache),
  });
  await dispatch(ctx.device, [op], run);
  const got = await readGuarded(L, cache, slots * ctxRows * d);
  const want = Float32Array.from(init);
  rows.forEach(([, p, s], r) => want.set(src.subarray(r * d, (r + 1) * d), (s * ctxRows + p) * d));
  assert.deepEqual(got, want);
  L.destroy();
});

/** float64 attention of one (row, head) as the kernel defines it. */
function attendRef(
  q: Float32Array,
  keys: Float32Array,
  vals: Float32Array,
  s: AttendShape,
  r: number,
  h: number,
  slot: number,
  len: number,
): Float64Array {
  const base = slot * s.slotRows * s.rowWidth;
  const sc = new Float64Array(len);
  for (let j = 0; j < len; j++) {
    let dot = 0;
    for (let c = 0; c < s.qWidth; c++) {
      dot +=
        q[r * s.qRowStride + h * s.qHeadStride + c]! * keys[base + j * s.rowWidth + h * s.kHeadOffset + c]!;
    }
    sc[j] = dot * s.scale;
  }
  const m = Math.max(...sc);
  let z = 0;
  for (let j = 0; j < len; j++) z += sc[j] = Math.exp(sc[j]! - m);
  const out = new Float64Array(s.vWidth);
  for (let c = 0; c < s.vWidth; c++) {
    let acc = 0;
    for (let j = 0; j < len; j++) acc += sc[j]! * vals[base + j * s.rowWidth + h * s.vHeadOffset + c]!;
    out[c] = acc / z;
  }
  return out;
}

for (const form of ['k-cache', 'folded', 'baseline'] as const) {
  for (const source of ['self', 'cross'] as const) {
    test(`attention core, ${form} form, ${source} rows = float64`, async () => {
      const ctx = await testGpu();
      const L = new BufferLedger(ctx.device);
      const rng = new Rng(form.length * 10 + source.length);
      const [h, dk, slots, slotRows] = [4, 8, 3, source === 'self' ? 9 : 37];
      const d = h * dk;
      const s = attendShapeOf(
        source,
        { heads: h, d, slotRows },
        form === 'folded' ? 'folded' : 'head',
        form === 'baseline' ? 'head' : 'row',
      );
      const rows: Array<[number, number, number, number]> = [
        [0, 0, 1, 2],
        [0, 8, 2, 0],
        [0, 3, 0, 1],
        [0, 5, 1, 1],
      ];
      const R = rows.length;
      const q = rng.normals(R * s.qRowStride);
      const keys = rng.normals(slots * slotRows * d);
      const vals = form === 'baseline' ? rng.normals(slots * slotRows * d) : keys;
      const nOut = R * s.oRowStride;
      const out = guarded(L, nOut);
      const run = { rows: R, outCount: 0 };
      const kb = L.upload('k', 'scratch', keys);
      const op = attend(L, 'attend', { maxKeys: 40, maxQuery: d, workgroup: 16 }, s, {
        run: runBuffer(L, run),
        rowInfo: L.upload('ri', 'scratch', rowInfo(rows)),
        q: L.upload('q', 'scratch', q),
        keys: kb,
        values: form === 'baseline' ? L.upload('v', 'scratch', vals) : kb,
        out: inside(out),
      });
      await dispatch(ctx.device, [op], run);
      const got = await readGuarded(L, out, nOut);
      const want = new Float64Array(nOut);
      rows.forEach(([, pos, seq, group], r) => {
        const slot = source === 'self' ? seq : group;
        const len = source === 'self' ? pos + 1 : slotRows;
        for (let i = 0; i < h; i++)
          want.set(attendRef(q, keys, vals, s, r, i, slot, len), r * s.oRowStride + i * s.oHeadStride);
      });
      const err = maxRelError(got, want);
      assert.ok(err < 2e-6, `relative error ${err}`);
      L.destroy();
    });
  }
}

function topKRef(
  logits: Float32Array,
  mask: Float32Array | null,
  k: number,
): { ids: number[]; lp: number[] } {
  const allowed: number[] = [];
  for (let v = 0; v < logits.length; v++) if (!mask || mask[v] !== -Infinity) allowed.push(v);
  const val = (v: number) => logits[v]! + (mask ? mask[v]! : 0);
  const m = Math.max(...allowed.map(val));
  const logZ = m + Math.log(allowed.reduce((s, v) => s + Math.exp(val(v) - m), 0));
  const order = [...allowed].sort((a, b) => val(b) - val(a) || a - b).slice(0, k);
  return { ids: order, lp: order.map((v) => val(v) - logZ) };
}

for (const k of [1, 4, 32]) {
  test(`top-${k} + log-softmax with a suppress mask = float64 (ties → lower id)`, async () => {
    const ctx = await testGpu();
    const L = new BufferLedger(ctx.device);
    const rng = new Rng(k);
    const [R, V] = [3, 1000];
    const logits = rng.normals(R * V, 3);
    logits[5] = logits[900] = 20; // a tie in row 0: id 5 first
    const mask = new Float32Array(V);
    for (let v = 0; v < V; v += 7) mask[v] = -Infinity;
    mask[5] = mask[900] = 0;
    mask[11] = -0.5; // finite additive entries are added
    const gpuMask = mask.map((m) => (m === -Infinity ? SUPPRESSED : m));
    const run = { rows: R, outCount: R };
    const ids = L.storage('ids', 'scratch', (R * k + 2 * GUARD_N) * 4);
    const lp = guarded(L, R * k);
    const op = topK(L, 'topk', k, V, true, {
      run: runBuffer(L, run),
      logits: L.upload('logits', 'scratch', logits),
      mask: L.upload('mask', 'scratch', gpuMask),
      ids: inside(ids),
      logProbs: inside(lp),
    });
    await dispatch(ctx.device, [op], run);
    const gotLp = await readGuarded(L, lp, R * k);
    const { readBuffer } = await import('../../../kernels/webgpu/buffers.ts');
    const gotIds = new Int32Array(await readBuffer(ctx.device, ids, GUARD_N * 4, R * k * 4));
    for (let r = 0; r < R; r++) {
      const want = topKRef(logits.subarray(r * V, (r + 1) * V), mask, k);
      assert.deepEqual([...gotIds.subarray(r * k, (r + 1) * k)], want.ids, `row ${r}`);
      assert.ok(maxRelError(gotLp.subarray(r * k, (r + 1) * k), want.lp, 1) < 1e-6, `row ${r} log-probs`);
    }
    L.destroy();
  });
}

test('pipelines are cached per device and generated source', async () => {
  const ctx = await testGpu();
  const code = '@compute @workgroup_size(1) fn main() {}';
  const a = computePipeline(ctx.device, 'noop', code);
  const n = pipelineCount(ctx.device);
  assert.equal(computePipeline(ctx.device, 'noop', code), a);
  assert.equal(pipelineCount(ctx.device), n);
});

test('reorder plan: permutations with cycles through one scratch slot, duplicates, identity', () => {
  const apply = (src: number[], n: number) => {
    const slots = Array.from({ length: n }, (_, i) => i);
    let scratch = -1;
    for (const { from, to } of reorderPlan(src, new Array<number>(n).fill(1))) {
      const v = from === -1 ? scratch : slots[from]!;
      if (to === -1) scratch = v;
      else slots[to] = v;
    }
    return slots;
  };
  const cases: number[][] = [
    [1, 0],
    [2, 0, 1, 3],
    [0, 0, 0],
    [3, 3, 1, 0],
    [0, 1, 2],
    [1, 2, 0, 4, 3],
    [2, 2, 2],
  ];
  for (const src of cases) {
    const n = Math.max(src.length, ...src) + 1;
    const got = apply(src, n);
    src.forEach((s, i) => assert.equal(got[i], s, `src ${src.join(',')}: slot ${i}`));
  }
});

for (const form of ['k-cache', 'folded'] as const) {
  for (const source of ['self', 'cross'] as const) {
    for (const split of [false, true]) {
      const how = split ? 'keys split over workgroups + combine pass' : 'one workgroup per row';
      test(`all-heads attention over whole rows (online softmax in chunks, ${how}), ${form} form, ${source} rows = float64`, async () => {
        const ctx = await testGpu();
        const L = new BufferLedger(ctx.device);
        const rng = new Rng(form.length * 31 + source.length);
        const [h, dk, slots, slotRows] = [4, 8, 3, source === 'self' ? 21 : 37];
        const d = h * dk;
        const s = attendShapeOf(
          source,
          { heads: h, d, slotRows },
          form === 'k-cache' ? 'head' : 'folded',
          'row',
        );
        const rows: Array<[number, number, number, number]> = [
          [0, 0, 1, 2],
          [0, 20, 2, 0],
          [0, 8, 0, 1],
        ];
        const R = rows.length;
        const q = rng.normals(R * s.qRowStride);
        const keys = rng.normals(slots * slotRows * d);
        const out = guarded(L, R * h * d);
        const run = { rows: R, outCount: 0 };
        const kb = L.upload('k', 'scratch', keys);
        // Split: 8 keys per workgroup, so rows of 1 and 9 keys leave ranges empty (m = −∞, l = 0).
        const splits = split ? attendSplits(slotRows, 8) : 1;
        const cfg = {
          heads: h,
          width: d,
          qWidth: s.qWidth,
          workgroup: 16,
          chunk: 8,
          splits,
          keysPerSplit: 8,
        };
        const partials = L.storage('part', 'scratch', Math.max(16, attendPartialFloats(cfg, R) * 4));
        const op = attendRows(L, 'attend-rows', cfg, s, {
          run: runBuffer(L, run),
          rowInfo: L.upload('ri', 'scratch', rowInfo(rows)),
          q: L.upload('q', 'scratch', q),
          keys: kb,
          values: kb,
          out: inside(out),
          partials,
        });
        if (split) assert.ok(splits >= 3, `${splits} splits`);
        await dispatch(ctx.device, [op], run);
        const got = await readGuarded(L, out, R * h * d);
        const want = new Float64Array(R * h * d);
        rows.forEach(([, pos, seq, group], r) => {
          const slot = source === 'self' ? seq : group;
          const len = source === 'self' ? pos + 1 : slotRows;
          for (let i = 0; i < h; i++) want.set(attendRef(q, keys, keys, s, r, i, slot, len), (r * h + i) * d);
        });
        const err = maxRelError(got, want);
        assert.ok(err < 2e-6, `relative error ${err}`);
        L.destroy();
      });
    }
  }
}
