/**
 * The encoder's weights as graph initializers: read from the canonical checkpoint (PyTorch
 * layout), checked, turned MatMul-ready ([in, out]) and stored in the graph's weight dtype.
 */
import type { Tensor, WhisperCheckpoint } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { floatsToHalfs } from '../numerics/half.ts';
import type { HostTensor } from '../onnx/proto.ts';

export type WeightDtype = 'float32' | 'float16';

/** A checkpoint tensor, checked against the shape the encoder needs. */
export function tensorOf(ckpt: WhisperCheckpoint, name: string, shape: readonly number[]): Tensor {
  const t = ckpt.tensors.get(name);
  const where = ckpt.source.path;
  if (!t) throw new SlimError('MODEL_SHAPE', `${where}: encoder tensor ${name} is missing`);
  const same = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (!same || t.data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new SlimError(
      'MODEL_SHAPE',
      `${where}: tensor ${name} has shape [${t.shape.join(', ')}], the encoder needs [${shape.join(', ')}]`,
    );
  }
  return t;
}

/** Host tensor of `data` with `dims`, in the weight dtype (float16 rounds to nearest even). */
export function hostTensor(data: Float32Array, dims: number[], dtype: WeightDtype): HostTensor {
  if (dtype === 'float32') return { dtype, dims, data };
  return { dtype, dims, data: floatsToHalfs(data) };
}

/** PyTorch Linear weight [out, in] → [in, out], times `scale` (MatMul-ready, y = x·W). */
export function transposeLinear(w: Float32Array, out: number, inp: number, scale = 1): Float32Array {
  const t = new Float32Array(inp * out);
  for (let o = 0; o < out; o++) {
    const row = o * inp;
    for (let i = 0; i < inp; i++) t[i * out + o] = w[row + i]! * scale;
  }
  return t;
}

/**
 * Query, key and value projections as one [s, 3s] weight and [3s] bias, so one GEMM computes
 * all three. The attention scale 1/sqrt(d_k) is folded into the query columns (exact when d_k
 * is a power of 4, as Whisper's 64 is); the key has no bias, so its third is zero.
 */
export function fusedQkv(
  ckpt: WhisperCheckpoint,
  prefix: string,
  s: number,
  scale: number,
): { weight: Float32Array; bias: Float32Array } {
  const q = transposeLinear(tensorOf(ckpt, `${prefix}.query.weight`, [s, s]).data, s, s, scale);
  const k = transposeLinear(tensorOf(ckpt, `${prefix}.key.weight`, [s, s]).data, s, s);
  const v = transposeLinear(tensorOf(ckpt, `${prefix}.value.weight`, [s, s]).data, s, s);
  const weight = new Float32Array(s * 3 * s);
  for (let r = 0; r < s; r++) {
    const at = r * 3 * s;
    weight.set(q.subarray(r * s, (r + 1) * s), at);
    weight.set(k.subarray(r * s, (r + 1) * s), at + s);
    weight.set(v.subarray(r * s, (r + 1) * s), at + 2 * s);
  }
  const bias = new Float32Array(3 * s);
  const bq = tensorOf(ckpt, `${prefix}.query.bias`, [s]).data;
  for (let i = 0; i < s; i++) bias[i] = bq[i]! * scale;
  bias.set(tensorOf(ckpt, `${prefix}.value.bias`, [s]).data, 2 * s);
  return { weight, bias };
}
