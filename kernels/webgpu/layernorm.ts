/**
 * LayerNorm over rows of width d (eps 1e-5, two passes: mean, then variance about the mean):
 * one workgroup per row, tree reductions in workgroup memory. `rowsFrom: 'outCount'` is the
 * final LayerNorm: it normalises rows outFirst … outFirst+outCount−1 into rows 0 … of y
 * (only the rows whose logits are wanted).
 */
import { computePipeline } from './pipelines.ts';
import { bindBuffers, bound, type BufferRef, type Bound } from './kernel.ts';
import { RUN_WGSL, assertPow2 } from './wgsl.ts';
import { words, type BufferLedger } from './buffers.ts';

export const LAYERNORM_WORKGROUP = 128;
export const LAYERNORM_EPS = 1e-5;

export function layerNormWgsl(rowsFrom: 'rows' | 'outCount', wg = LAYERNORM_WORKGROUP): string {
  assertPow2('workgroup', wg);
  const final = rowsFrom === 'outCount';
  return /* wgsl */ `${RUN_WGSL}
struct Params { d: u32, pad0: u32, pad1: u32, eps: f32 }
const WG = ${wg}u;
@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
var<workgroup> red: array<f32, WG>;

fn reduceSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x;
  if (r >= run.${rowsFrom}) { return; }
  let d = p.d;
  let src = ${final ? '(run.outFirst + r)' : 'r'} * d;
  let dst = r * d;
  var s = 0.0;
  for (var c = lid; c < d; c += WG) { s += x[src + c]; }
  let mean = reduceSum(s, lid) / f32(d);
  var v = 0.0;
  for (var c = lid; c < d; c += WG) { let t = x[src + c] - mean; v += t * t; }
  let inv = inverseSqrt(reduceSum(v, lid) / f32(d) + p.eps);
  for (var c = lid; c < d; c += WG) { y[dst + c] = (x[src + c] - mean) * inv * gamma[c] + beta[c]; }
}`;
}

export interface LayerNormBuffers {
  run: BufferRef;
  x: BufferRef;
  gamma: BufferRef;
  beta: BufferRef;
  y: BufferRef;
}

export function layerNorm(
  ledger: BufferLedger,
  label: string,
  rowsFrom: 'rows' | 'outCount',
  d: number,
  b: LayerNormBuffers,
): Bound {
  const pipeline = computePipeline(ledger.device, 'layernorm', layerNormWgsl(rowsFrom));
  const params = ledger.uniform(`${label}.params`, words([d, 0, 0, { f32: LAYERNORM_EPS }]));
  const group = bindBuffers(ledger.device, pipeline, label, [b.run, params, b.x, b.gamma, b.beta, b.y]);
  return bound(label, pipeline, group, (run) => [rowsFrom === 'rows' ? run.rows : run.outCount, 1, 1]);
}
