/**
 * All heads of one row at once, over stored rows that every head reads whole (the Slim forms:
 * K-cache self-attention u_h = s_h·K, folded X-cache self-attention and Option 2 cross-attention
 * u_h = s_h·X): one workgroup per row reads each stored row twice (scores, weighted sum) instead
 * of twice per head, in chunks of keys with an online (running max) softmax, so the scores of
 * 1500 audio rows × h heads never need to fit in workgroup memory.
 *   s_h = softmax_j(scale · q_h · keys[j, h·kHeadOffset …])     j < len
 *   u[r, h, :] = Σ_j s_h,j · rows[j, :]                          (full rows, width d)
 * Each thread owns columns lid, lid+WG, … of every head's accumulator (registers: unrolled).
 * The per-head core (attend.ts) serves the baseline, whose values are head slices.
 */
import { computePipeline } from './pipelines.ts';
import { bindBuffers, bound, type BufferRef, type Bound } from './kernel.ts';
import { RUN_WGSL, assertPow2 } from './wgsl.ts';
import { words, type BufferLedger } from './buffers.ts';
import type { AttendShape } from './attend.ts';

export interface AttendRowsConfig {
  heads: number;
  /** Stored row width d (the accumulators: heads × d per workgroup). */
  width: number;
  /** Query width per head (d_k for the K-cache form, d when folded). */
  qWidth: number;
  workgroup: number;
  /** Keys per chunk of the online softmax. */
  chunk: number;
}

export const ATTEND_ROWS_DEFAULTS = { workgroup: 128, chunk: 64 } as const;

function unroll(n: number, f: (i: number) => string, sep = '\n  '): string {
  return Array.from({ length: n }, (_, i) => f(i)).join(sep);
}

export function attendRowsWgsl(c: AttendRowsConfig): string {
  assertPow2('workgroup', c.workgroup);
  const H = c.heads;
  const COLS = Math.ceil(c.width / c.workgroup);
  const acc = (h: number, k: number) => `a${h}_${k}`;
  const perAcc = (f: (h: number, k: number) => string) =>
    unroll(H * COLS, (i) => f(Math.floor(i / COLS), i % COLS));
  return /* wgsl */ `${RUN_WGSL}
struct Params {
  source: u32, slotRows: u32, rowWidth: u32, qWidth: u32,
  qRowStride: u32, qHeadStride: u32, kHeadOffset: u32, vWidth: u32,
  vHeadOffset: u32, oRowStride: u32, oHeadStride: u32, scale: f32,
}
const WG = ${c.workgroup}u;
const H = ${H}u;
const CH = ${c.chunk}u;
const QW = ${c.qWidth}u;
@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> rowInfo: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> q: array<f32>;
@group(0) @binding(4) var<storage, read> keys: array<f32>;
@group(0) @binding(5) var<storage, read> vals: array<f32>;
@group(0) @binding(6) var<storage, read_write> o: array<f32>;
var<workgroup> qs: array<f32, ${H * c.qWidth}>;
var<workgroup> sc: array<f32, ${H * c.chunk}>;
var<workgroup> mh: array<f32, H>;
var<workgroup> lh: array<f32, H>;
var<workgroup> corr: array<f32, H>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x;
  if (r >= run.rows) { return; }
  let info = rowInfo[r];
  var len = p.slotRows;
  var slot = info.w;
  if (p.source == 0u) { len = info.y + 1u; slot = info.z; }
  let base = slot * p.slotRows * p.rowWidth;
  for (var i = lid; i < H * QW; i += WG) {
    let h = i / QW;
    qs[i] = q[r * p.qRowStride + h * p.qHeadStride + i % QW] * p.scale;
  }
  if (lid < H) { mh[lid] = -3.0e38; lh[lid] = 0.0; }
  ${perAcc((h, k) => `var ${acc(h, k)} = 0.0;`)}
  workgroupBarrier();
  for (var j0 = 0u; j0 < len; j0 += CH) {
    let n = min(CH, len - j0);
    for (var i = lid; i < H * n; i += WG) {
      let h = i / n;
      let jj = i % n;
      let kr = base + (j0 + jj) * p.rowWidth + h * p.kHeadOffset;
      var dot = 0.0;
      for (var c = 0u; c < QW; c++) { dot = fma(qs[h * QW + c], keys[kr + c], dot); }
      sc[h * CH + jj] = dot;
    }
    workgroupBarrier();
    if (lid < H) {
      var m = mh[lid];
      for (var jj = 0u; jj < n; jj++) { m = max(m, sc[lid * CH + jj]); }
      let f = exp(mh[lid] - m);
      var s = 0.0;
      for (var jj = 0u; jj < n; jj++) { let e = exp(sc[lid * CH + jj] - m); sc[lid * CH + jj] = e; s += e; }
      lh[lid] = lh[lid] * f + s;
      mh[lid] = m;
      corr[lid] = f;
    }
    workgroupBarrier();
    ${perAcc((h, k) => `${acc(h, k)} *= corr[${h}u];`)}
    for (var jj = 0u; jj < n; jj++) {
      let vr = base + (j0 + jj) * p.rowWidth;
      ${unroll(
        COLS,
        (k) => `{
        let c = lid + ${k}u * WG;
        var e = 0.0;
        if (c < p.vWidth) { e = vals[vr + c]; }
        ${unroll(H, (h) => `${acc(h, k)} = fma(sc[${h}u * CH + jj], e, ${acc(h, k)});`, '\n        ')}
      }`,
        '\n      ',
      )}
    }
    workgroupBarrier();
  }
  ${perAcc(
    (h, k) =>
      `if (lid + ${k}u * WG < p.vWidth) { o[r * p.oRowStride + ${h}u * p.oHeadStride + lid + ${k}u * WG] = ${acc(h, k)} / lh[${h}u]; }`,
  )}
}`;
}

export interface AttendRowsBuffers {
  run: BufferRef;
  rowInfo: BufferRef;
  q: BufferRef;
  keys: BufferRef;
  values: BufferRef;
  out: BufferRef;
}

/** Bytes of workgroup memory the kernel needs (fall back to attend.ts when too many). */
export function attendRowsWorkgroupBytes(c: AttendRowsConfig): number {
  return 4 * (c.heads * c.qWidth + c.heads * c.chunk + 3 * c.heads);
}

export function attendRows(
  ledger: BufferLedger,
  label: string,
  cfg: AttendRowsConfig,
  s: AttendShape,
  b: AttendRowsBuffers,
): Bound {
  if (s.vHeadOffset !== 0 || s.vWidth !== cfg.width || s.qWidth !== cfg.qWidth || s.heads !== cfg.heads) {
    throw new Error(
      `attendRows ${label}: needs whole value rows of width ${cfg.width} and the configured heads/query width`,
    );
  }
  const pipeline = computePipeline(ledger.device, 'attend-rows', attendRowsWgsl(cfg));
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
  return bound(label, pipeline, group, (run) => [run.rows, 1, 1]);
}
