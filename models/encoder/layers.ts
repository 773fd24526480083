/**
 * Graph pieces of the Whisper encoder on top of the ONNX GraphBuilder. Activations inside
 * the transformer are 2-D [nAudioCtx, nAudioState] (batch 1), so every projection is one
 * Gemm with a MatMul-ready [in, out] weight and no reshapes around it.
 */
import type { GraphBuilder } from '../onnx/builder.ts';
import { i64 } from '../onnx/builder.ts';
import type { OnnxDtype } from '../onnx/proto.ts';
import { hostTensor, type WeightDtype } from './weights.ts';

/** Exact (erf) GELU as ONNX's Gelu-20 op, or spelled out with Erf (for runtimes without it). */
export type GeluForm = 'op' | 'erf';

/**
 * How attention is written: standard ops (Reshape/Transpose, MatMul, Softmax, MatMul), or
 * onnxruntime's fused com.microsoft MultiHeadAttention kernel (CPU/WASM and WebGPU EPs).
 */
export type AttentionForm = 'ops' | 'mha';

export interface LayerContext {
  g: GraphBuilder;
  attention: AttentionForm;
  /** Element type of the stored initializers. */
  weightDtype: WeightDtype;
  /** Element type the arithmetic runs in. */
  computeDtype: WeightDtype;
  gelu: GeluForm;
}

export const LN_EPSILON = 1e-5; // torch.nn.LayerNorm's default, which Whisper uses

/**
 * Adds a weight and returns a value of the compute dtype: fp16 weights feeding fp32
 * arithmetic get a Cast, which onnxruntime constant-folds when the session loads.
 */
export function weight(ctx: LayerContext, name: string, data: Float32Array, dims: number[]): string {
  const stored = ctx.g.initializer(name, hostTensor(data, dims, ctx.weightDtype));
  if (ctx.weightDtype === ctx.computeDtype) return stored;
  return ctx.g.op('Cast', [stored], {
    name: `${name}/Cast`,
    attrs: { to: { i: onnxCode(ctx.computeDtype) } },
  });
}

/** An int64 shape constant for Reshape, named after its use. */
export function shapeConst(g: GraphBuilder, name: string, dims: number[]): string {
  return g.initializer(name, i64([dims.length], dims));
}

export function onnxCode(dtype: OnnxDtype): number {
  return dtype === 'float16' ? 10 : 1;
}

/** y = x·W + b with W [in, out] (Gemm, no transposes). */
export function linear(ctx: LayerContext, scope: string, x: string, w: string, b: string): string {
  return ctx.g.op('Gemm', [x, w, b], { name: `${scope}/Gemm` });
}

export function layerNorm(ctx: LayerContext, scope: string, x: string, w: string, b: string): string {
  return ctx.g.op('LayerNormalization', [x, w, b], {
    name: `${scope}/LayerNormalization`,
    attrs: { axis: { i: -1 }, epsilon: { f: LN_EPSILON } },
  });
}

/** GELU with erf, as torch.nn.functional.gelu's default (not the tanh approximation). */
export function gelu(ctx: LayerContext, scope: string, x: string): string {
  const g = ctx.g;
  if (ctx.gelu === 'op') {
    return g.op('Gelu', [x], { name: `${scope}/Gelu`, attrs: { approximate: { s: 'none' } } });
  }
  // 0.5·x·(1 + erf(x / sqrt 2)): the pattern onnxruntime fuses into its own Gelu kernel.
  const c = (n: string, v: number): string => weight(ctx, `${scope}/${n}`, Float32Array.of(v), []);
  const div = g.op('Div', [x, c('sqrt2', Math.SQRT2)], { name: `${scope}/Div` });
  const erf = g.op('Erf', [div], { name: `${scope}/Erf` });
  const add = g.op('Add', [erf, c('one', 1)], { name: `${scope}/Add` });
  const mul = g.op('Mul', [x, add], { name: `${scope}/Mul` });
  return g.op('Mul', [mul, c('half', 0.5)], { name: `${scope}/Mul_1` });
}

/**
 * Multi-head self-attention on qkv [n, 3s] (query pre-scaled by 1/sqrt(d_k)): heads split
 * with Reshape/Transpose, scores = q·kᵀ, softmax over keys, weighted sum of values, heads
 * merged back to [n, s].
 */
export function attentionHeads(
  ctx: LayerContext,
  scope: string,
  qkv: string,
  n: number,
  s: number,
  heads: number,
): string {
  const g = ctx.g;
  const dk = s / heads;
  const [q, k, v] = g.node('Split', [qkv, shapeConst(g, `${scope}/split_sizes`, [s, s, s])], 3, {
    name: `${scope}/Split`,
    attrs: { axis: { i: 1 } },
  }) as [string, string, string];
  const headShape = shapeConst(g, `${scope}/head_shape`, [n, heads, dk]);
  const split = (x: string, tag: string, perm: number[]): string => {
    const r = g.op('Reshape', [x, headShape], { name: `${scope}/${tag}/Reshape` });
    return g.op('Transpose', [r], { name: `${scope}/${tag}/Transpose`, attrs: { perm: { ints: perm } } });
  };
  const qh = split(q, 'q', [1, 0, 2]); // [h, n, dk]
  const kt = split(k, 'k', [1, 2, 0]); // [h, dk, n]
  const vh = split(v, 'v', [1, 0, 2]); // [h, n, dk]
  const scores = g.op('MatMul', [qh, kt], { name: `${scope}/scores/MatMul` }); // [h, n, n]
  const probs = g.op('Softmax', [scores], { name: `${scope}/Softmax`, attrs: { axis: { i: -1 } } });
  const ctxh = g.op('MatMul', [probs, vh], { name: `${scope}/context/MatMul` }); // [h, n, dk]
  const merged = g.op('Transpose', [ctxh], {
    name: `${scope}/merge/Transpose`,
    attrs: { perm: { ints: [1, 0, 2] } },
  });
  return g.op('Reshape', [merged, shapeConst(g, `${scope}/merged_shape`, [n, s])], {
    name: `${scope}/merge/Reshape`,
  });
}

/** The same attention as one com.microsoft MultiHeadAttention node (scale 1: q is pre-scaled). */
export function attentionFused(
  ctx: LayerContext,
  scope: string,
  qkv: string,
  n: number,
  s: number,
  heads: number,
): string {
  const g = ctx.g;
  const [q, k, v] = g.node('Split', [qkv, shapeConst(g, `${scope}/split_sizes`, [s, s, s])], 3, {
    name: `${scope}/Split`,
    attrs: { axis: { i: 1 } },
  }) as [string, string, string];
  const batched = shapeConst(g, `${scope}/batched_shape`, [1, n, s]);
  const b = (x: string, tag: string): string =>
    g.op('Reshape', [x, batched], { name: `${scope}/${tag}/Reshape` });
  const o = g.op('MultiHeadAttention', [b(q, 'q'), b(k, 'k'), b(v, 'v')], {
    name: `${scope}/MultiHeadAttention`,
    domain: 'com.microsoft',
    attrs: { num_heads: { i: heads }, scale: { f: 1 } },
  });
  return g.op('Reshape', [o, shapeConst(g, `${scope}/merged_shape`, [n, s])], {
    name: `${scope}/merge/Reshape`,
  });
}
