/**
 * Appends each row's new cache row: cache[(seq_r·slotRows + pos_r)·d + c] = src[r·d + c], with
 * seq and position from rowInfo. Self-attention caches are preallocated [slots, nTextCtx, d].
 */
import { computePipeline } from './pipelines.ts';
import { bindBuffers, bound, type BufferRef, ceilDiv, type Bound } from './kernel.ts';
import { RUN_WGSL } from './wgsl.ts';
import { words, type BufferLedger } from './buffers.ts';

export const SCATTER_WORKGROUP = 64;

export function scatterWgsl(wg = SCATTER_WORKGROUP): string {
  return /* wgsl */ `${RUN_WGSL}
@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<uniform> p: vec4<u32>; // d, slotRows
@group(0) @binding(2) var<storage, read> rowInfo: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> src: array<f32>;
@group(0) @binding(4) var<storage, read_write> cache: array<f32>;
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let d = p.x;
  let r = g.y;
  let c = g.x;
  if (r >= run.rows || c >= d) { return; }
  let info = rowInfo[r];
  cache[(info.z * p.y + info.y) * d + c] = src[r * d + c];
}`;
}

export interface ScatterBuffers {
  run: BufferRef;
  rowInfo: BufferRef;
  src: BufferRef;
  cache: BufferRef;
}

export function scatterRows(
  ledger: BufferLedger,
  label: string,
  d: number,
  slotRows: number,
  b: ScatterBuffers,
): Bound {
  const pipeline = computePipeline(ledger.device, 'scatter', scatterWgsl());
  const params = ledger.uniform(`${label}.params`, words([d, slotRows]));
  const group = bindBuffers(ledger.device, pipeline, label, [b.run, params, b.rowInfo, b.src, b.cache]);
  return bound(label, pipeline, group, (run) => [ceilDiv(d, SCATTER_WORKGROUP), run.rows, 1]);
}
