/**
 * All heads of one row at once, over stored rows that every head reads whole (the Slim forms:
 * K-cache self-attention u_h = s_h·K, folded X-cache self-attention and Option 2 cross-attention
 * u_h = s_h·X): one workgroup per row reads each stored row twice (scores, weighted sum) instead
 * of twice per head, in chunks of keys with an online (running max) softmax, so the scores of
 * 1500 audio rows × h heads never need to fit in workgroup memory.
 *   s_h = softmax_j(scale · q_h · keys[j, h·kHeadOffset …])     j < len
 *   u[r, h, :] = Σ_j s_h,j · rows[j, :]                          (full rows, width d)
 * Each thread owns columns lid, lid+WG, … of every head's accumulator (registers: unrolled).
 * Split keys (flash-decoding): with `splits` S > 1 the keys are cut into S ranges of
 * `keysPerSplit`, one workgroup per (row, range), each writing its running max m, sum l and
 * unnormalised accumulators; a second pass combines them, o = Σ_y e^(m_y − M)·acc_y / Σ_y
 * e^(m_y − M)·l_y. One workgroup per row walking 1500 audio rows alone left a GPU almost idle
 * (a real H200 spent ~3 ms per layer on it at batch 1).
 * The per-head core (attend.ts) serves the baseline, whose values are head slices.
 */
import { computePipeline } from './pipelines.ts';
import { bindBuffers, bound, type BufferRef, type Bound } from './kernel.ts';
import { RUN_WGSL, assertPow2 } from './wgsl.ts';
import { words, type BufferLedger } from './buffers.ts';
import { ATTEND_PARAMS_WGSL, type AttendShape } from './attend.ts';

export interface AttendRowsConfig {
  heads: number;
  /** Stored row width d (the accumulators: heads × d per workgroup). */
  width: number;
  /** Query width per head (d_k for the K-cache form, d when folded). */
  qWidth: number;
  workgroup: number;
  /** Keys per chunk of the online softmax. */
  chunk: number;
  /** Key ranges per row, each its own workgroup (1: no split, no combine pass). */
  splits?: number;
  /** Keys per range when splits > 1 (a multiple of chunk). */
  keysPerSplit?: number;
}

export const ATTEND_ROWS_DEFAULTS = { workgroup: 128, chunk: 64 } as const;

/** Key ranges for `slotRows` stored rows at `keysPerSplit` keys each (0: no split). */
export function attendSplits(slotRows: number, keysPerSplit: number): number {
  return keysPerSplit > 0 ? Math.max(1, Math.ceil(slotRows / keysPerSplit)) : 1;
}

/** Floats of the partials buffer a split attention needs for `rows` rows. */
export function attendPartialFloats(c: AttendRowsConfig, rows: number): number {
  const S = c.splits ?? 1;
  return S > 1 ? rows * S * c.heads * (c.width + 2) : 0;
}

function unroll(n: number, f: (i: number) => string, sep = '\n  '): string {
  return Array.from({ length: n }, (_, i) => f(i)).join(sep);
}

export function attendRowsWgsl(c: AttendRowsConfig): string {
  assertPow2('workgroup', c.workgroup);
  const H = c.heads;
  const COLS = Math.ceil(c.width / c.workgroup);
  const S = c.splits ?? 1;
  const KPS = S > 1 ? c.keysPerSplit! : 0;
  const acc = (h: number, k: number) => `a${h}_${k}`;
  const perAcc = (f: (h: number, k: number) => string) =>
    unroll(H * COLS, (i) => f(Math.floor(i / COLS), i % COLS));
  return /* wgsl */ `${RUN_WGSL}
${ATTEND_PARAMS_WGSL}
const WG = ${c.workgroup}u;
const H = ${H}u;
const CH = ${c.chunk}u;
const QW = ${c.qWidth}u;
const S = ${S}u;
const PW = ${c.width + 2}u; // a partial block: m, l, then the accumulators
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
  let jBegin = ${S > 1 ? `wid.y * ${KPS}u` : '0u'};
  let jEnd = ${S > 1 ? `min(len, jBegin + ${KPS}u)` : 'len'};
  for (var i = lid; i < H * QW; i += WG) {
    let h = i / QW;
    qs[i] = q[r * p.qRowStride + h * p.qHeadStride + i % QW] * p.scale;
  }
  if (lid < H) { mh[lid] = -3.0e38; lh[lid] = 0.0; }
  ${perAcc((h, k) => `var ${acc(h, k)} = 0.0;`)}
  workgroupBarrier();
  for (var j0 = jBegin; j0 < jEnd; j0 += CH) {
    let n = min(CH, jEnd - j0);
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
  ${S > 1 ? partialStores(H, COLS, acc) : finalStores(H, COLS, acc)}
}`;
}

function finalStores(H: number, COLS: number, acc: (h: number, k: number) => string): string {
  return unroll(H * COLS, (i) => {
    const [h, k] = [Math.floor(i / COLS), i % COLS];
    return `if (lid + ${k}u * WG < p.vWidth) { o[r * p.oRowStride + ${h}u * p.oHeadStride + lid + ${k}u * WG] = ${acc(h, k)} / lh[${h}u]; }`;
  });
}

/** Split mode: `o` is the partials buffer, block ((r·S + y)·H + h)·PW = [m, l, acc…]. */
function partialStores(H: number, COLS: number, acc: (h: number, k: number) => string): string {
  return `let pb = (r * S + wid.y) * H;
  if (lid < H) { o[(pb + lid) * PW] = mh[lid]; o[(pb + lid) * PW + 1u] = lh[lid]; }
  ${unroll(H * COLS, (i) => {
    const [h, k] = [Math.floor(i / COLS), i % COLS];
    return `if (lid + ${k}u * WG < p.vWidth) { o[(pb + ${h}u) * PW + 2u + lid + ${k}u * WG] = ${acc(h, k)}; }`;
  })}`;
}

/** The combine pass of split mode: one workgroup per (row, head). */
export function attendCombineWgsl(c: AttendRowsConfig): string {
  assertPow2('workgroup', c.workgroup);
  return /* wgsl */ `${RUN_WGSL}
${ATTEND_PARAMS_WGSL}
const WG = ${c.workgroup}u;
const H = ${c.heads}u;
const S = ${c.splits ?? 1}u;
const PW = ${c.width + 2}u;
@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> part: array<f32>;
@group(0) @binding(3) var<storage, read_write> o: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x;
  let h = wid.y;
  if (r >= run.rows) { return; }
  var m = -3.0e38;
  for (var y = 0u; y < S; y++) { m = max(m, part[((r * S + y) * H + h) * PW]); }
  var w: array<f32, ${c.splits ?? 1}>;
  var l = 0.0;
  for (var y = 0u; y < S; y++) {
    let b = ((r * S + y) * H + h) * PW;
    w[y] = exp(part[b] - m);
    l += part[b + 1u] * w[y];
  }
  for (var col = lid; col < p.vWidth; col += WG) {
    var a = 0.0;
    for (var y = 0u; y < S; y++) { a = fma(part[((r * S + y) * H + h) * PW + 2u + col], w[y], a); }
    o[r * p.oRowStride + h * p.oHeadStride + col] = a / l;
  }
}`;
}

export interface AttendRowsBuffers {
  run: BufferRef;
  rowInfo: BufferRef;
  q: BufferRef;
  keys: BufferRef;
  values: BufferRef;
  out: BufferRef;
  /** Split mode's partials (attendPartialFloats floats). */
  partials?: BufferRef;
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
  const S = cfg.splits ?? 1;
  if (
    S > 1 &&
    (!b.partials ||
      !cfg.keysPerSplit ||
      cfg.keysPerSplit % cfg.chunk !== 0 ||
      S * cfg.keysPerSplit < s.slotRows)
  ) {
    throw new Error(
      `attendRows ${label}: ${S} splits need partials and keysPerSplit (a multiple of chunk) covering ${s.slotRows} keys`,
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
    S > 1 ? b.partials! : b.out,
  ]);
  const attend = bound(label, pipeline, group, (run) => [run.rows, S, 1]);
  if (S === 1) return attend;
  const cp = computePipeline(ledger.device, 'attend-combine', attendCombineWgsl(cfg));
  const cg = bindBuffers(ledger.device, cp, `${label}.combine`, [b.run, params, b.partials!, b.out]);
  const combine = bound(`${label}.combine`, cp, cg, (run) => [run.rows, cfg.heads, 1]);
  return {
    label,
    dispatch(pass, run) {
      attend.dispatch(pass, run);
      combine.dispatch(pass, run);
    },
  };
}
