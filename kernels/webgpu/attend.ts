/**
 * One attention head of one row over stored rows, softmax included: the core every attention
 * form shares. Workgroup (head, row):
 *   s_j = softmax_j(scale · q_h · keys[j, kCol(h) …])      j < len
 *   out[r, h, c] = Σ_j s_j · values[j, vCol(h) + c]         c < vWidth
 * What the forms store and pass:
 *   - Slim K-cache self-attention: q = q_h (width d_k), keys = K cache at head columns,
 *     values = the whole K row (width d): out is u_h = s_h·K, projected later by W_KV,h.
 *   - Folded (X-cache self-attention, Option 2 cross-attention): q = a_h = q_h·W_K,hᵀ (width d),
 *     keys = values = whole stored rows (Y cache or E): out is s_h·X, projected later by W_V,h.
 *   - Baseline: keys = K, values = V at head columns (width d_k): out is the head output.
 * Stored rows: `self` reads sequence rowInfo.z's cache slot up to its position (causal);
 * `cross` reads audio group rowInfo.w's slot, all rows.
 */
import { computePipeline } from './pipelines.ts';
import { bindBuffers, bound, type BufferRef, type Bound } from './kernel.ts';
import { RUN_WGSL, assertPow2 } from './wgsl.ts';
import { words, type BufferLedger } from './buffers.ts';

export interface AttendConfig {
  /** Most stored rows attended (nTextCtx or nAudioCtx): workgroup memory for the scores. */
  maxKeys: number;
  /** Widest query (d for the folded form). */
  maxQuery: number;
  workgroup: number;
}

export interface AttendShape {
  source: 'self' | 'cross';
  heads: number;
  /** Stored rows per slot (nTextCtx for caches, nAudioCtx for E or cross K/V). */
  slotRows: number;
  /** Row width of the stored matrices (d). */
  rowWidth: number;
  qWidth: number;
  qRowStride: number;
  qHeadStride: number;
  kHeadOffset: number;
  vWidth: number;
  vHeadOffset: number;
  oRowStride: number;
  oHeadStride: number;
  scale: number;
}

/**
 * The shape of an attention op over stored rows of width d = heads·dk: queries per head
 * ('head', d_k wide) or folded (d wide, a_h = q_h·W_K,hᵀ), values as head slices ('head') or
 * whole rows ('row': u_h = s_h·X, projected per head afterwards).
 */
export function attendShapeOf(
  source: 'self' | 'cross',
  dims: { heads: number; d: number; slotRows: number },
  q: 'head' | 'folded',
  v: 'row' | 'head',
): AttendShape {
  const { heads: h, d, slotRows } = dims;
  const dk = d / h;
  return {
    source,
    heads: h,
    slotRows,
    rowWidth: d,
    qWidth: q === 'head' ? dk : d,
    qRowStride: q === 'head' ? d : h * d,
    qHeadStride: q === 'head' ? dk : d,
    kHeadOffset: q === 'head' ? dk : 0,
    vWidth: v === 'row' ? d : dk,
    vHeadOffset: v === 'row' ? 0 : dk,
    oRowStride: v === 'row' ? h * d : d,
    oHeadStride: v === 'row' ? d : dk,
    scale: 1 / Math.sqrt(dk),
  };
}

export const ATTEND_WORKGROUP = 64;

/** The attention kernels' uniform: an AttendShape (the order of the words the ops write). */
export const ATTEND_PARAMS_WGSL = /* wgsl */ `struct Params {
  source: u32, slotRows: u32, rowWidth: u32, qWidth: u32,
  qRowStride: u32, qHeadStride: u32, kHeadOffset: u32, vWidth: u32,
  vHeadOffset: u32, oRowStride: u32, oHeadStride: u32, scale: f32,
}`;

export function attendWgsl(c: AttendConfig): string {
  assertPow2('workgroup', c.workgroup);
  return /* wgsl */ `${RUN_WGSL}
${ATTEND_PARAMS_WGSL}
const WG = ${c.workgroup}u;
@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> rowInfo: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> q: array<f32>;
@group(0) @binding(4) var<storage, read> keys: array<f32>;
@group(0) @binding(5) var<storage, read> vals: array<f32>;
@group(0) @binding(6) var<storage, read_write> o: array<f32>;
var<workgroup> qs: array<f32, ${c.maxQuery}>;
var<workgroup> sc: array<f32, ${c.maxKeys}>;
var<workgroup> red: array<f32, WG>;

fn reduce(v: f32, lid: u32, isMax: bool) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      if (isMax) { red[lid] = max(red[lid], red[lid + s]); } else { red[lid] += red[lid + s]; }
    }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x;
  let r = wid.y;
  if (r >= run.rows) { return; }
  let info = rowInfo[r];
  var len = p.slotRows;
  var slot = info.w;
  if (p.source == 0u) { len = info.y + 1u; slot = info.z; }
  let base = slot * p.slotRows * p.rowWidth;
  let qBase = r * p.qRowStride + h * p.qHeadStride;
  for (var c = lid; c < p.qWidth; c += WG) { qs[c] = q[qBase + c] * p.scale; }
  workgroupBarrier();
  let kCol = base + h * p.kHeadOffset;
  var m = -3.0e38;
  for (var j = lid; j < len; j += WG) {
    let kr = kCol + j * p.rowWidth;
    var dot = 0.0;
    for (var c = 0u; c < p.qWidth; c++) { dot = fma(qs[c], keys[kr + c], dot); }
    sc[j] = dot;
    m = max(m, dot);
  }
  let mx = reduce(m, lid, true);
  var s = 0.0;
  for (var j = lid; j < len; j += WG) { let e = exp(sc[j] - mx); sc[j] = e; s += e; }
  let inv = 1.0 / reduce(s, lid, false);
  let vCol = base + h * p.vHeadOffset;
  let oBase = r * p.oRowStride + h * p.oHeadStride;
  for (var c = lid; c < p.vWidth; c += WG) {
    var acc = 0.0;
    for (var j = 0u; j < len; j++) { acc = fma(sc[j], vals[vCol + j * p.rowWidth + c], acc); }
    o[oBase + c] = acc * inv;
  }
}`;
}

export interface AttendBuffers {
  run: BufferRef;
  rowInfo: BufferRef;
  q: BufferRef;
  keys: BufferRef;
  values: BufferRef;
  out: BufferRef;
}

export function attend(
  ledger: BufferLedger,
  label: string,
  cfg: AttendConfig,
  s: AttendShape,
  b: AttendBuffers,
): Bound {
  if (s.qWidth > cfg.maxQuery || s.slotRows > cfg.maxKeys)
    throw new Error(`attend ${label}: shape exceeds config`);
  const pipeline = computePipeline(ledger.device, 'attend', attendWgsl(cfg));
  const params = ledger.uniform(
    `${label}.params`,
    words([
      s.source === 'self' ? 0 : 1,
      s.slotRows,
      s.rowWidth,
      s.qWidth,
      s.qRowStride,
      s.qHeadStride,
      s.kHeadOffset,
      s.vWidth,
      s.vHeadOffset,
      s.oRowStride,
      s.oHeadStride,
      { f32: s.scale },
    ]),
  );
  const group = bindBuffers(ledger.device, pipeline, label, [
    b.run,
    params,
    b.rowInfo,
    b.q,
    b.keys,
    b.values,
    b.out,
  ]);
  return bound(label, pipeline, group, (run) => [s.heads, run.rows, 1]);
}
