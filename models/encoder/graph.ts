/**
 * The Whisper audio encoder as an ONNX graph, built from the canonical checkpoint (openai/whisper
 * model.py AudioEncoder): conv stem with GELU, positional table, pre-LN residual blocks, ln_post.
 * Input `mel` [1, nMels, 2·nAudioCtx] float32 → output `xa` [1, nAudioCtx, nAudioState] float32,
 * for any Whisper size; everything is sized from `ckpt.dims`.
 */
import type { ModelDimensions, WhisperCheckpoint } from '../checkpoint/types.ts';
import { validateDims } from '../checkpoint/validate.ts';
import { SlimError } from '../errors.ts';
import { GraphBuilder, serializeModel } from '../onnx/builder.ts';
import {
  attentionFused,
  attentionHeads,
  gelu,
  layerNorm,
  linear,
  onnxCode,
  shapeConst,
  weight,
  type AttentionForm,
  type GeluForm,
  type LayerContext,
} from './layers.ts';
import { encoderWeightBytes, fitsProtobuf } from './size.ts';
import { fusedQkv, tensorOf, transposeLinear, type WeightDtype } from './weights.ts';

export type EncoderPrecision = 'fp32' | 'fp16';

export interface EncoderGraphOptions {
  precision: EncoderPrecision;
  /**
   * fp16 graphs only: where the arithmetic runs. 'fp16' keeps activations in fp16 between a
   * Cast at the input and one at the output (GPUs); 'fp32' stores fp16 weights and widens them
   * when the session loads (CPUs: half the bytes to ship, fp32 speed and accuracy of compute).
   * Default 'fp16'.
   */
  compute?: EncoderPrecision;
  /** How GELU is written (default 'op': ONNX Gelu-20, which onnxruntime-web 1.30 runs natively). */
  gelu?: GeluForm;
  /** How attention is written (default 'ops'). */
  attention?: AttentionForm;
}

export const ENCODER_INPUT = 'mel';
export const ENCODER_OUTPUT = 'xa';
/** Gelu and LayerNormalization need opset ≥ 20 and ≥ 17; opset 20 needs IR version 9. */
export const ENCODER_OPSET = 20;
const IR_VERSION = 9;

const DTYPE: Record<EncoderPrecision, WeightDtype> = { fp32: 'float32', fp16: 'float16' };

/** Serialized ModelProto of the encoder. Throws MODEL_SHAPE when over protobuf's 2 GB limit. */
export function buildEncoderGraph(ckpt: WhisperCheckpoint, opts: EncoderGraphOptions): Uint8Array {
  const dims = ckpt.dims;
  validateDims(dims, ckpt.source.path);
  checkSize(ckpt, opts.precision);
  const compute = opts.precision === 'fp32' ? 'fp32' : (opts.compute ?? 'fp16');
  const ctx: LayerContext = {
    g: new GraphBuilder('whisper_encoder'),
    weightDtype: DTYPE[opts.precision],
    computeDtype: DTYPE[compute],
    gelu: opts.gelu ?? 'op',
    attention: opts.attention ?? 'ops',
  };
  const n = dims.nAudioCtx;
  const s = dims.nAudioState;
  let x = stem(ctx, ckpt);
  for (let i = 0; i < dims.nAudioLayer; i++) x = block(ctx, ckpt, i, x);
  const lnW = weight(ctx, 'ln_post.weight', tensorOf(ckpt, 'encoder.ln_post.weight', [s]).data, [s]);
  const lnB = weight(ctx, 'ln_post.bias', tensorOf(ckpt, 'encoder.ln_post.bias', [s]).data, [s]);
  const y = layerNorm(ctx, '/ln_post', x, lnW, lnB);
  output(ctx, y, n, s);
  return serializeModel(ctx.g, {
    opset: ENCODER_OPSET,
    irVersion: IR_VERSION,
    ...(ctx.attention === 'mha' ? { extraOpsets: { 'com.microsoft': 1 } } : {}),
    metadata: metadataOf(dims, opts.precision, compute),
  });
}

function checkSize(ckpt: WhisperCheckpoint, precision: EncoderPrecision): void {
  const bytes = encoderWeightBytes(ckpt.dims, precision === 'fp32' ? 4 : 2);
  if (fitsProtobuf(bytes)) return;
  const gb = (bytes / 1e9).toFixed(2);
  throw new SlimError(
    'MODEL_SHAPE',
    `${ckpt.source.path}: the ${precision} encoder graph would hold ${gb} GB of weights, over ` +
      `protobuf's 2 GB limit for one ONNX model (external data is not supported yet); use precision 'fp16'`,
  );
}

/** mel [1, nMels, 2n] → conv1 + GELU → conv2 (stride 2) + GELU → [n, s] + positions. */
function stem(ctx: LayerContext, ckpt: WhisperCheckpoint): string {
  const g = ctx.g;
  const { nMels, nAudioCtx: n, nAudioState: s } = ckpt.dims;
  g.input(ENCODER_INPUT, 'float32', [1, nMels, 2 * n]);
  let x = ENCODER_INPUT;
  if (ctx.computeDtype === 'float16') {
    x = g.op('Cast', [x], { name: '/input/Cast', attrs: { to: { i: onnxCode('float16') } } });
  }
  const conv = (name: string, inCh: number, stride: number, input: string): string => {
    const w = weight(ctx, `${name}.weight`, tensorOf(ckpt, `encoder.${name}.weight`, [s, inCh, 3]).data, [
      s,
      inCh,
      3,
    ]);
    const b = weight(ctx, `${name}.bias`, tensorOf(ckpt, `encoder.${name}.bias`, [s]).data, [s]);
    const y = g.op('Conv', [input, w, b], {
      name: `/${name}/Conv`,
      attrs: { kernel_shape: { ints: [3] }, pads: { ints: [1, 1] }, strides: { ints: [stride] } },
    });
    return gelu(ctx, `/${name}/gelu`, y);
  };
  const c2 = conv('conv2', s, 2, conv('conv1', nMels, 1, x)); // [1, s, n]
  const t = g.op('Transpose', [c2], { name: '/stem/Transpose', attrs: { perm: { ints: [0, 2, 1] } } });
  const flat = g.op('Reshape', [t, shapeConst(g, '/stem/shape', [n, s])], { name: '/stem/Reshape' });
  const pos = tensorOf(ckpt, 'encoder.positional_embedding', [n, s]).data;
  return g.op('Add', [flat, weight(ctx, 'positional_embedding', pos, [n, s])], {
    name: '/stem/positions/Add',
  });
}

/** One pre-LN residual block: x += attn(attn_ln(x)); x += mlp(mlp_ln(x)). */
function block(ctx: LayerContext, ckpt: WhisperCheckpoint, i: number, x: string): string {
  const g = ctx.g;
  const { nAudioCtx: n, nAudioState: s, nAudioHead: heads } = ckpt.dims;
  const p = `encoder.blocks.${i}`;
  const scope = `/blocks.${i}`;
  const vec = (name: string, len: number): string =>
    weight(ctx, `blocks.${i}.${name}`, tensorOf(ckpt, `${p}.${name}`, [len]).data, [len]);
  const mat = (name: string, out: number, inp: number): string =>
    weight(
      ctx,
      `blocks.${i}.${name}`,
      transposeLinear(tensorOf(ckpt, `${p}.${name}`, [out, inp]).data, out, inp),
      [inp, out],
    );

  const h = layerNorm(ctx, `${scope}/attn_ln`, x, vec('attn_ln.weight', s), vec('attn_ln.bias', s));
  const qkvW = fusedQkv(ckpt, `${p}.attn`, s, 1 / Math.sqrt(s / heads));
  const qkv = linear(
    ctx,
    `${scope}/attn/qkv`,
    h,
    weight(ctx, `blocks.${i}.attn.qkv.weight`, qkvW.weight, [s, 3 * s]),
    weight(ctx, `blocks.${i}.attn.qkv.bias`, qkvW.bias, [3 * s]),
  );
  const attend = ctx.attention === 'mha' ? attentionFused : attentionHeads;
  const a = attend(ctx, `${scope}/attn`, qkv, n, s, heads);
  const o = linear(ctx, `${scope}/attn/out`, a, mat('attn.out.weight', s, s), vec('attn.out.bias', s));
  const x1 = g.op('Add', [x, o], { name: `${scope}/attn/residual/Add` });

  const m = layerNorm(ctx, `${scope}/mlp_ln`, x1, vec('mlp_ln.weight', s), vec('mlp_ln.bias', s));
  const up = linear(ctx, `${scope}/mlp.0`, m, mat('mlp.0.weight', 4 * s, s), vec('mlp.0.bias', 4 * s));
  const down = linear(
    ctx,
    `${scope}/mlp.2`,
    gelu(ctx, `${scope}/mlp/gelu`, up),
    mat('mlp.2.weight', s, 4 * s),
    vec('mlp.2.bias', s),
  );
  return g.op('Add', [x1, down], { name: `${scope}/mlp/residual/Add` });
}

/** [n, s] → `xa` [1, n, s] float32. */
function output(ctx: LayerContext, y: string, n: number, s: number): void {
  const g = ctx.g;
  const shape = shapeConst(g, '/output/shape', [1, n, s]);
  if (ctx.computeDtype === 'float16') {
    const r = g.op('Reshape', [y, shape], { name: '/output/Reshape' });
    g.node('Cast', [r], [ENCODER_OUTPUT], {
      name: '/output/Cast',
      attrs: { to: { i: onnxCode('float32') } },
    });
  } else {
    g.node('Reshape', [y, shape], [ENCODER_OUTPUT], { name: '/output/Reshape' });
  }
  g.output(ENCODER_OUTPUT, 'float32', [1, n, s]);
}

function metadataOf(
  dims: ModelDimensions,
  precision: EncoderPrecision,
  compute: EncoderPrecision,
): Record<string, string> {
  return {
    'slim_whisper.graph': 'encoder',
    'slim_whisper.precision': precision,
    'slim_whisper.compute': compute,
    'slim_whisper.dims': JSON.stringify({
      nMels: dims.nMels,
      nAudioCtx: dims.nAudioCtx,
      nAudioState: dims.nAudioState,
      nAudioHead: dims.nAudioHead,
      nAudioLayer: dims.nAudioLayer,
    }),
  };
}
