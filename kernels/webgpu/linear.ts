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
import { bindBuffers, bound, type BufferRef, ceilDiv, type Bound } from './kernel.ts';
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

export function linearWgsl(c: LinearConfig): string {
  const BM = c.tileRows;
  const CPT = c.colsPerThread;
  const WG = c.workgroup;
  const BK = WG;
  const f16 = c.weights === 'f16';
  const wLoads =
    c.layout === 'kn'
      ? f16
        ? `for (var c = 0u; c < CPT; c += 2u) {
        let n = n0 + c;
        var pr = vec2<f32>(0.0);
        if (n < N) { pr = wPair(k * N + n); }
        wv[c] = pr.x; wv[c + 1u] = pr.y;
      }`
        : `for (var c = 0u; c < CPT; c++) {
        let n = n0 + c;
        if (n < N) { wv[c] = wAt(k * N + n); } else { wv[c] = 0.0; }
      }`
      : `for (var c = 0u; c < CPT; c++) {
        let n = n0 + c;
        if (n < N) { wv[c] = wAt(wBase[c] + k); } else { wv[c] = 0.0; }
      }`;
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
  var wBase: array<u32, CPT>;
  for (var c = 0u; c < CPT; c++) {
    let n = n0 + c;
    wBase[c] = (n % p.wHeadCols) * p.wRowStride + (n / p.wHeadCols) * p.wHeadStride;
  }
  var acc: array<f32, ${BM * CPT}>;
  var wv: array<f32, CPT>;
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
      ${wLoads}
      for (var m = 0u; m < BM; m++) {
        let xv = xs[m * BK + kk];
        for (var c = 0u; c < CPT; c++) { acc[m * CPT + c] = fma(xv, wv[c], acc[m * CPT + c]); }
      }
    }
    workgroupBarrier();
  }
  for (var m = 0u; m < BM; m++) {
    let r = r0 + m;
    if (r >= rows) { break; }
    for (var c = 0u; c < CPT; c++) {
      let n = n0 + c;
      if (n >= N) { break; }
      var v = acc[m * CPT + c];
      ${c.bias ? 'v += bias[n];' : ''}
      ${c.gelu ? 'v = gelu(v);' : ''}
      let yi = p.yOffset + r * p.yRowStride + n;
      ${c.residual ? 'y[yi] += v;' : 'y[yi] = v;'}
    }
  }
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
  const group = bindBuffers(device, pipeline, label, buffers);
  const cols = cfg.workgroup * cfg.colsPerThread;
  return bound(label, pipeline, group, (run) => [
    ceilDiv(N, cols),
    ceilDiv(cfg.rowsFrom === 'rows' ? run.rows : run.outCount, cfg.tileRows),
    1,
  ]);
}
