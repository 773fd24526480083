/**
 * The packed decoder (kernels/decoder/weights.ts) uploaded once: one storage buffer per array.
 * fp16 mode stores the matrices the kernels stream (projections, MLP, the token embedding that
 * is also the tied output projection) as binary16 pairs in u32 words; LayerNorm parameters,
 * biases, the positional table and the K-cache form's W_KV stay fp32.
 */
import type { PackedDecoder, PackedLayer, Norm } from '../decoder/weights.ts';
import { floatsToHalfs } from '../../models/numerics/half.ts';
import type { BufferLedger } from './buffers.ts';
import type { WeightPrecision } from './wgsl.ts';

export interface GpuNorm {
  w: GPUBuffer;
  b: GPUBuffer;
}

export interface GpuLayer {
  attnLn: GpuNorm;
  wq: GPUBuffer;
  bq: GPUBuffer;
  wk: GPUBuffer;
  wv: GPUBuffer;
  bv: GPUBuffer | null;
  wo: GPUBuffer;
  bo: GPUBuffer;
  crossLn: GpuNorm;
  cwq: GPUBuffer;
  cbq: GPUBuffer;
  cwk: GPUBuffer;
  cwv: GPUBuffer;
  cbv: GPUBuffer | null;
  cwo: GPUBuffer;
  cbo: GPUBuffer;
  mlpLn: GpuNorm;
  w1: GPUBuffer;
  b1: GPUBuffer;
  w2: GPUBuffer;
  b2: GPUBuffer;
}

export interface GpuWeights {
  precision: WeightPrecision;
  layers: GpuLayer[];
  ln: GpuNorm;
  tokenEmbedding: GPUBuffer;
  positionalEmbedding: GPUBuffer;
}

/** Matrix data as the kernels read it: fp32, or fp16 pairs (an even count). */
export function matrixData(a: Float32Array, precision: WeightPrecision): Float32Array | Uint32Array {
  if (precision === 'f32') return a;
  if (a.length % 2 !== 0) throw new Error('fp16 weights: an even number of values is needed');
  const h = floatsToHalfs(a);
  return new Uint32Array(h.buffer, h.byteOffset, h.length / 2);
}

export function uploadWeights(
  ledger: BufferLedger,
  p: PackedDecoder,
  precision: WeightPrecision,
): GpuWeights {
  const vec = (label: string, a: Float32Array) => ledger.upload(label, 'weights', a);
  const mat = (label: string, a: Float32Array) => ledger.upload(label, 'weights', matrixData(a, precision));
  const norm = (label: string, n: Norm): GpuNorm => ({
    w: vec(`${label}.w`, n.w),
    b: vec(`${label}.b`, n.b),
  });
  const layer = (L: PackedLayer, l: number): GpuLayer => {
    const s = `layer${l}`;
    return {
      attnLn: norm(`${s}.attnLn`, L.attnLn),
      wq: mat(`${s}.wq`, L.wq),
      bq: vec(`${s}.bq`, L.bq),
      wk: mat(`${s}.wk`, L.wk),
      // W_KV = W_K⁺·W_V stays fp32: rounding it would add error the conversion never measured.
      wv: p.forms[l] === 'k-cache' ? vec(`${s}.wkv`, L.wv) : mat(`${s}.wv`, L.wv),
      bv: L.bv ? vec(`${s}.bv`, L.bv) : null,
      wo: mat(`${s}.wo`, L.wo),
      bo: vec(`${s}.bo`, L.bo),
      crossLn: norm(`${s}.crossLn`, L.crossLn),
      cwq: mat(`${s}.cwq`, L.cwq),
      cbq: vec(`${s}.cbq`, L.cbq),
      cwk: mat(`${s}.cwk`, L.cwk),
      cwv: mat(`${s}.cwv`, L.cwv),
      cbv: L.cbv ? vec(`${s}.cbv`, L.cbv) : null,
      cwo: mat(`${s}.cwo`, L.cwo),
      cbo: vec(`${s}.cbo`, L.cbo),
      mlpLn: norm(`${s}.mlpLn`, L.mlpLn),
      w1: mat(`${s}.w1`, L.w1),
      b1: vec(`${s}.b1`, L.b1),
      w2: mat(`${s}.w2`, L.w2),
      b2: vec(`${s}.b2`, L.b2),
    };
  };
  return {
    precision,
    layers: p.layers.map(layer),
    ln: norm('ln', p.ln),
    tokenEmbedding: mat('tokenEmbedding', p.tokenEmbedding),
    positionalEmbedding: vec('positionalEmbedding', p.positionalEmbedding),
  };
}
