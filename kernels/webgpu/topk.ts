/**
 * Per row of logits [rows, V]: log-softmax over the unsuppressed vocabulary and its k best
 * tokens, on the GPU, so a step reads back rows·k ids and log-probabilities instead of rows·V
 * logits. The suppress mask is additive [V]; entries ≤ −1e30 (the session writes −Infinity
 * as −3e38: WGSL does not promise infinities) drop the token altogether.
 * One workgroup per row: each thread keeps a sorted top-k of its strided slice; lists are then
 * merged pairwise in a tree. Order: higher value first, lower id on ties (argmax's convention).
 * Rows with fewer than k allowed tokens get id −1 (log-probability −3e38 → −Infinity on read).
 */
import { computePipeline } from './pipelines.ts';
import { bindBuffers, bound, type BufferRef, type Bound } from './kernel.ts';
import { RUN_WGSL, assertPow2 } from './wgsl.ts';
import { words, type BufferLedger } from './buffers.ts';

export const TOPK_MAX = 64;
export const SUPPRESSED = -3.0e38;

/** Workgroup size for k: the thread lists (8 bytes × k each) must fit workgroup memory. */
export function topKWorkgroup(k: number): number {
  return k <= 8 ? 128 : k <= 32 ? 64 : 32;
}

export function topKWgsl(k: number, wg = topKWorkgroup(k)): string {
  assertPow2('workgroup', wg);
  return /* wgsl */ `${RUN_WGSL}
const K = ${k}u;
const WG = ${wg}u;
const LOWEST = -3.0e38;
@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<uniform> p: vec4<u32>; // V, useMask
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<f32>;
@group(0) @binding(4) var<storage, read_write> outIds: array<i32>;
@group(0) @binding(5) var<storage, read_write> outLp: array<f32>;
var<workgroup> sv: array<f32, ${wg * k}>;
var<workgroup> si: array<u32, ${wg * k}>;
var<workgroup> red: array<f32, WG>;

fn better(va: f32, ia: u32, vb: f32, ib: u32) -> bool { return va > vb || (va == vb && ia < ib); }

fn reduce(v: f32, lid: u32, isMax: bool) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      if (isMax) { red[lid] = max(red[lid], red[lid + s]); } else { red[lid] += red[lid + s]; }
    }
    workgroupBarrier();
  }
  let t = red[0];
  workgroupBarrier();
  return t;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x;
  if (r >= run.outCount) { return; }
  let V = p.x;
  let base = r * V;
  var tv: array<f32, K>;
  var ti: array<u32, K>;
  for (var i = 0u; i < K; i++) { tv[i] = LOWEST; ti[i] = 0xffffffffu; }
  var m = LOWEST;
  for (var v = lid; v < V; v += WG) {
    var a = 0.0;
    if (p.y != 0u) { a = mask[v]; }
    if (a <= -1.0e30) { continue; }
    let val = logits[base + v] + a;
    m = max(m, val);
    if (!better(val, v, tv[K - 1u], ti[K - 1u])) { continue; }
    var j = K - 1u;
    while (j > 0u && better(val, v, tv[j - 1u], ti[j - 1u])) {
      tv[j] = tv[j - 1u];
      ti[j] = ti[j - 1u];
      j--;
    }
    tv[j] = val;
    ti[j] = v;
  }
  let mx = reduce(m, lid, true);
  var s = 0.0;
  for (var v = lid; v < V; v += WG) {
    var a = 0.0;
    if (p.y != 0u) { a = mask[v]; }
    if (a > -1.0e30) { s += exp(logits[base + v] + a - mx); }
  }
  let total = reduce(s, lid, false);
  for (var i = 0u; i < K; i++) { sv[lid * K + i] = tv[i]; si[lid * K + i] = ti[i]; }
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      let a0 = lid * K;
      let b0 = (lid + stride) * K;
      var ia = 0u;
      var ib = 0u;
      for (var i = 0u; i < K; i++) {
        if (better(sv[a0 + ia], si[a0 + ia], sv[b0 + ib], si[b0 + ib])) {
          tv[i] = sv[a0 + ia]; ti[i] = si[a0 + ia]; ia++;
        } else {
          tv[i] = sv[b0 + ib]; ti[i] = si[b0 + ib]; ib++;
        }
      }
    }
    workgroupBarrier();
    if (lid < stride) {
      for (var i = 0u; i < K; i++) { sv[lid * K + i] = tv[i]; si[lid * K + i] = ti[i]; }
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let logZ = mx + log(total);
    for (var i = 0u; i < K; i++) {
      let ok = si[i] != 0xffffffffu;
      outIds[r * K + i] = select(-1, i32(si[i]), ok);
      outLp[r * K + i] = select(LOWEST, sv[i] - logZ, ok);
    }
  }
}`;
}

export interface TopKBuffers {
  run: BufferRef;
  logits: BufferRef;
  mask: BufferRef;
  ids: BufferRef;
  logProbs: BufferRef;
}

/** k is rounded up by the caller to one of a few sizes (pipelines per k). */
export function topK(
  ledger: BufferLedger,
  label: string,
  k: number,
  V: number,
  useMask: boolean,
  b: TopKBuffers,
): Bound {
  if (k < 1 || k > TOPK_MAX) throw new Error(`topK: k must be in 1 … ${TOPK_MAX}`);
  const pipeline = computePipeline(ledger.device, 'topk', topKWgsl(k));
  const params = ledger.uniform(`${label}.params`, words([V, useMask ? 1 : 0]));
  const group = bindBuffers(ledger.device, pipeline, label, [
    b.run,
    params,
    b.logits,
    b.mask,
    b.ids,
    b.logProbs,
  ]);
  return bound(label, pipeline, group, (run) => [run.outCount, 1, 1]);
}
