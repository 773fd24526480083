/**
 * GEMM over the batch: Y[r, n] (+)= act(Σ_k X[r, k]·W(k, n) + b[n]) for r < rows.
 *
 * A workgroup of `workgroup` threads owns `tileRows` rows × (workgroup·colsPerThread) columns;
 * it stages the X tile [tileRows, tileK] in workgroup memory, and each thread keeps
 * tileRows·colsPerThread accumulators, so a weight value read once serves tileRows rows.
 *
 * W layouts: 'kn' = row-vector form [K, N] (reads coalesced across threads); 'nk' = [N, K]
 * (the tied token embedding for the logits, and the per-head query fold). fp16 weights are
 * u32 pairs along the contiguous axis (n for 'kn', k for 'nk'), accumulation in fp32.
 *
 * Per-head addressing (one kernel for the Slim attention projections):
 *  - X: x[xOffset + r·xRowStride + head(nBlock)·xHeadStride + k], head(n) = n / xHeadCols
 *    (xHeadCols = 0: no heads). The block of columns must lie in one head.
 *  - W 'nk': w[(n % wHeadCols)·wRowStride + (n / wHeadCols)·wHeadStride + k]; 'kn': w[k·N + n].
 */
import { computePipeline } from './pipelines.ts';
import { bindBuffers, bound, type BufferRef, ceilDiv, type Bound, type RunShape } from './kernel.ts';
import { RUN_WGSL, weightAccess, assertPow2, type WeightPrecision } from './wgsl.ts';
import { GELU_WGSL } from './gelu.ts';
import { words, type BufferLedger } from './buffers.ts';

export interface LinearConfig {
  layout: 'kn' | 'nk';
  weights: WeightPrecision;
  bias: boolean;
  /** Add into Y (the residual stream) instead of overwriting it. */
  residual: boolean;
  gelu: boolean;
  /** Which Run field counts the rows: 'rows' (all rows of the call) or 'outCount' (logits rows). */
  rowsFrom: 'rows' | 'outCount';
  tileRows: number;
  colsPerThread: number;
  workgroup: number;
}

export interface LinearShape {
  K: number;
  N: number;
  xOffset?: number;
  xRowStride?: number;
  xHeadCols?: number;
  xHeadStride?: number;
  wHeadCols?: number;
  wRowStride?: number;
  wHeadStride?: number;
  yOffset?: number;
  yRowStride?: number;
}

export const LINEAR_DEFAULTS = { tileRows: 8, colsPerThread: 2, workgroup: 64 } as const;
/** Depth of the X tile staged per barrier (at least the workgroup size). */
export const LINEAR_TILE_K = 128;

/** Weight loads of one k for the thread's columns, into w0 … w{CPT−1} (unrolled). */
function weightLoads(c: LinearConfig): string {
  const lines: string[] = [];
  for (let j = 0; j < c.colsPerThread; j++) {
    lines.push(`var w${j} = 0.0;`);
  }
  for (let j = 0; j < c.colsPerThread; j++) {
    const n = `n0 + ${j}u`;
    if (c.layout === 'nk') lines.push(`if (${n} < N) { w${j} = wAt(wb${j} + k); }`);
    else if (c.weights === 'f32') lines.push(`if (${n} < N) { w${j} = wAt(k * N + ${n}); }`);
    else if (j % 2 === 0) {
      lines.push(
        `if (${n} < N) { let pr${j} = wPair(k * N + ${n}); w${j} = pr${j}.x; w${j + 1} = pr${j}.y; }`,
      );
    }
  }
  return lines.join('\n      ');
}

/** The accumulators a{m}_{c} in registers: straight-line code, no dynamically indexed arrays. */
function unrolled(BM: number, CPT: number, f: (m: number, j: number) => string): string {
  const out: string[] = [];
  for (let m = 0; m < BM; m++) for (let j = 0; j < CPT; j++) out.push(f(m, j));
  return out.join('\n      ');
}

export function linearWgsl(c: LinearConfig): string {
  const BM = c.tileRows;
  const CPT = c.colsPerThread;
  const WG = c.workgroup;
  const BK = Math.max(WG, LINEAR_TILE_K);
  const xLoads = Array.from({ length: BM }, (_, m) => `let x${m} = xs[${m * BK}u + kk];`).join('\n      ');
  const wBases = Array.from(
    { length: CPT },
    (_, j) =>
      `let wb${j} = ((n0 + ${j}u) % p.wHeadCols) * p.wRowStride + ((n0 + ${j}u) / p.wHeadCols) * p.wHeadStride;`,
  ).join('\n  ');
  return /* wgsl */ `${RUN_WGSL}
struct Params {
  K: u32, N: u32, xOffset: u32, xRowStride: u32,
  xHeadCols: u32, xHeadStride: u32, wHeadCols: u32, wRowStride: u32,
  wHeadStride: u32, yOffset: u32, yRowStride: u32, pad: u32,
}
const BM = ${BM}u;
const CPT = ${CPT}u;
const WG = ${WG}u;
const BK = ${BK}u;
@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> x: array<f32>;
${weightAccess(c.weights, 3)}
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
${c.bias ? '@group(0) @binding(5) var<storage, read> bias: array<f32>;' : ''}
${c.gelu ? GELU_WGSL : ''}
var<workgroup> xs: array<f32, ${BM * BK}>;

fn store(r: u32, n: u32, acc: f32, rows: u32, N: u32) {
  if (r >= rows || n >= N) { return; }
  var v = acc;
  ${c.bias ? 'v += bias[n];' : ''}
  ${c.gelu ? 'v = gelu(v);' : ''}
  let yi = p.yOffset + r * p.yRowStride + n;
  ${c.residual ? 'y[yi] += v;' : 'y[yi] = v;'}
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let rows = run.${c.rowsFrom};
  let K = p.K;
  let N = p.N;
  let r0 = wid.y * BM;
  let nBlock = wid.x * WG * CPT;
  let n0 = nBlock + lid * CPT;
  var xBase = p.xOffset;
  if (p.xHeadCols > 0u) { xBase += (nBlock / p.xHeadCols) * p.xHeadStride; }
  ${c.layout === 'nk' ? wBases : ''}
  ${unrolled(BM, CPT, (m, j) => `var a${m}_${j} = 0.0;`)}
  for (var k0 = 0u; k0 < K; k0 += BK) {
    for (var i = lid; i < BM * BK; i += WG) {
      let r = r0 + i / BK;
      let k = k0 + i % BK;
      var v = 0.0;
      if (r < rows && k < K) { v = x[xBase + r * p.xRowStride + k]; }
      xs[i] = v;
    }
    workgroupBarrier();
    let kEnd = min(BK, K - k0);
    for (var kk = 0u; kk < kEnd; kk++) {
      let k = k0 + kk;
      ${weightLoads(c)}
      ${xLoads}
      ${unrolled(BM, CPT, (m, j) => `a${m}_${j} = fma(x${m}, w${j}, a${m}_${j});`)}
    }
    workgroupBarrier();
  }
  ${unrolled(BM, CPT, (m, j) => `store(r0 + ${m}u, n0 + ${j}u, a${m}_${j}, rows, N);`)}
}`;
}

function validate(c: LinearConfig, s: LinearShape): void {
  assertPow2('workgroup', c.workgroup);
  if (c.weights === 'f16' && c.layout === 'kn' && (c.colsPerThread % 2 !== 0 || s.N % 2 !== 0)) {
    throw new Error('linear: fp16 [K, N] weights need an even colsPerThread and N');
  }
  if (c.weights === 'f16' && c.layout === 'nk' && s.K % 2 !== 0)
    throw new Error('linear: fp16 [N, K] weights need an even K');
  const block = c.workgroup * c.colsPerThread;
  if (s.xHeadCols && s.xHeadCols % block !== 0) {
    throw new Error(`linear: a column block (${block}) must lie in one head (${s.xHeadCols} columns)`);
  }
}

export interface LinearBuffers {
  run: BufferRef;
  x: BufferRef;
  w: BufferRef;
  y: BufferRef;
  bias?: BufferRef;
}

/** Binds a linear op; `ledger` owns its uniform buffer. */
export function linear(
  ledger: BufferLedger,
  label: string,
  cfg: LinearConfig,
  shape: LinearShape,
  b: LinearBuffers,
): Bound {
  validate(cfg, shape);
  if (cfg.bias !== !!b.bias) throw new Error(`linear ${label}: bias buffer and config disagree`);
  const device = ledger.device;
  const pipeline = computePipeline(device, 'linear', linearWgsl(cfg));
  const { K, N } = shape;
  const huge = 0x7fffffff;
  const params = ledger.uniform(
    `${label}.params`,
    words([
      K,
      N,
      shape.xOffset ?? 0,
      shape.xRowStride ?? K,
      shape.xHeadCols ?? 0,
      shape.xHeadStride ?? 0,
      shape.wHeadCols ?? huge,
      shape.wRowStride ?? K,
      shape.wHeadStride ?? 0,
      shape.yOffset ?? 0,
      shape.yRowStride ?? N,
      0,
    ]),
  );
  const buffers = [b.run, params, b.x, b.w, b.y, ...(b.bias ? [b.bias] : [])];
  const cols = cfg.workgroup * cfg.colsPerThread;
  const rowsOf = (run: RunShape) => (cfg.rowsFrom === 'rows' ? run.rows : run.outCount);
  const tiled = bound(label, pipeline, bindBuffers(device, pipeline, label, buffers), (run) => [
    ceilDiv(N, cols),
    ceilDiv(rowsOf(run), cfg.tileRows),
    1,
  ]);
  if (cfg.tileRows === 1) return tiled;
  // One row (a step at batch 1, the logits of a prefill): a one-row tile wastes no arithmetic.
  const single = computePipeline(device, 'linear', linearWgsl({ ...cfg, tileRows: 1 }));
  const one = bound(label, single, bindBuffers(device, single, label, buffers), () => [
    ceilDiv(N, cols),
    1,
    1,
  ]);
  return { label, dispatch: (pass, run) => (rowsOf(run) === 1 ? one : tiled).dispatch(pass, run) };
}
