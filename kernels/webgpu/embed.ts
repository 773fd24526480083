/**
 * Token + position embedding: x[r, c] = tokenEmbedding[token_r, c] + positional[pos_r, c],
 * token and position from rowInfo[r] = (token, position, sequence, group). The token table may be
 * fp16 pairs (it is also the tied output projection).
 */
import { computePipeline } from './pipelines.ts';
import { bindBuffers, bound, type BufferRef, ceilDiv, type Bound } from './kernel.ts';
import { RUN_WGSL, weightAccess, type WeightPrecision } from './wgsl.ts';
import { words, type BufferLedger } from './buffers.ts';

export const EMBED_WORKGROUP = 64;

export function embedWgsl(weights: WeightPrecision, wg = EMBED_WORKGROUP): string {
  return /* wgsl */ `${RUN_WGSL}
@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<uniform> p: vec4<u32>; // d
@group(0) @binding(2) var<storage, read> rowInfo: array<vec4<u32>>;
${weightAccess(weights, 3)}
@group(0) @binding(4) var<storage, read> pos: array<f32>;
@group(0) @binding(5) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let d = p.x;
  let r = g.y;
  let c = g.x;
  if (r >= run.rows || c >= d) { return; }
  let info = rowInfo[r];
  x[r * d + c] = wAt(info.x * d + c) + pos[info.y * d + c];
}`;
}

export interface EmbedBuffers {
  run: BufferRef;
  rowInfo: BufferRef;
  tokens: BufferRef;
  positions: BufferRef;
  x: BufferRef;
}

export function embed(
  ledger: BufferLedger,
  label: string,
  weights: WeightPrecision,
  d: number,
  b: EmbedBuffers,
): Bound {
  const pipeline = computePipeline(ledger.device, 'embed', embedWgsl(weights));
  const params = ledger.uniform(`${label}.params`, words([d]));
  const group = bindBuffers(ledger.device, pipeline, label, [
    b.run,
    params,
    b.rowInfo,
    b.tokens,
    b.positions,
    b.x,
  ]);
  return bound(label, pipeline, group, (run) => [ceilDiv(d, EMBED_WORKGROUP), run.rows, 1]);
}
