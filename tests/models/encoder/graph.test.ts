import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedTensors } from '../../../models/checkpoint/names.ts';
import type { ModelDimensions, WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { buildEncoderGraph, ENCODER_OPSET } from '../../../models/encoder/graph.ts';
import { encoderWeightBytes, encoderWeightCount, fitsProtobuf } from '../../../models/encoder/size.ts';
import { SlimError } from '../../../models/errors.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { halfToFloat } from '../../../models/numerics/half.ts';
import {
  decodeModel,
  int64,
  readTensor,
  type HostTensor,
  type ModelProto,
} from '../../../models/onnx/proto.ts';

function decode(bytes: Uint8Array): ModelProto {
  return decodeModel(bytes, 'encoder graph');
}

function shapeOf(v: {
  type?: { tensorType?: { shape?: { dim?: Array<{ dimValue?: unknown }> | null } | null } | null } | null;
}): number[] {
  return (v.type?.tensorType?.shape?.dim ?? []).map((d) => int64(d.dimValue as number));
}

function initializers(model: ModelProto): Map<string, HostTensor> {
  return new Map((model.graph!.initializer ?? []).map((t) => [t.name!, readTensor(t, 'encoder graph')]));
}

/** The openai/whisper encoder sizes (model.py ModelDimensions of the released checkpoints). */
const SIZES: Record<string, Partial<ModelDimensions>> = {
  tiny: { nAudioState: 384, nAudioHead: 6, nAudioLayer: 4 },
  base: { nAudioState: 512, nAudioHead: 8, nAudioLayer: 6 },
  small: { nAudioState: 768, nAudioHead: 12, nAudioLayer: 12 },
  medium: { nAudioState: 1024, nAudioHead: 16, nAudioLayer: 24 },
  'large-v3': { nMels: 128, nAudioState: 1280, nAudioHead: 20, nAudioLayer: 32 },
};

function realDims(name: string): ModelDimensions {
  return {
    nMels: 80,
    nAudioCtx: 1500,
    nVocab: 51865,
    nTextCtx: 448,
    nTextState: 512,
    nTextHead: 8,
    nTextLayer: 6,
    ...SIZES[name],
  } as ModelDimensions;
}

test('encoder graph: input mel [1, nMels, 2·nAudioCtx], output xa [1, nAudioCtx, nAudioState], opset 20', () => {
  for (const dims of [{}, { nMels: 128, nAudioCtx: 16, nAudioState: 96, nAudioHead: 6, nAudioLayer: 3 }]) {
    const ckpt = makeFixtureCheckpoint({ seed: 1, dims });
    const d = ckpt.dims;
    const model = decode(buildEncoderGraph(ckpt, { precision: 'fp32' }));
    const g = model.graph!;
    assert.deepEqual(
      g.input!.map((i) => [i.name, shapeOf(i)]),
      [['mel', [1, d.nMels, 2 * d.nAudioCtx]]],
    );
    assert.deepEqual(
      g.output!.map((o) => [o.name, shapeOf(o)]),
      [['xa', [1, d.nAudioCtx, d.nAudioState]]],
    );
    assert.equal(int64(model.opsetImport![0]!.version), ENCODER_OPSET);
    const ops = new Set(g.node!.map((n) => n.opType));
    for (const op of [
      'Conv',
      'Gelu',
      'LayerNormalization',
      'Gemm',
      'Softmax',
      'MatMul',
      'Transpose',
      'Reshape',
    ]) {
      assert.ok(ops.has(op), `graph uses ${op}`);
    }
    assert.equal(g.node!.filter((n) => n.opType === 'LayerNormalization').length, 2 * d.nAudioLayer + 1);
  }
});

test('encoder graph with attention "mha": one com.microsoft MultiHeadAttention per layer, opset imported', () => {
  const ckpt = makeFixtureCheckpoint({ seed: 1 });
  const model = decode(buildEncoderGraph(ckpt, { precision: 'fp32', attention: 'mha' }));
  const mha = model.graph!.node!.filter((n) => n.opType === 'MultiHeadAttention');
  assert.equal(mha.length, ckpt.dims.nAudioLayer);
  assert.ok(mha.every((n) => n.domain === 'com.microsoft'));
  assert.ok(model.opsetImport!.some((o) => o.domain === 'com.microsoft'));
  assert.ok(!model.graph!.node!.some((n) => n.opType === 'Softmax'));
});

test('encoder graph: weights are MatMul-ready [in, out]; q/k/v fused with the 1/sqrt(d_k) scale in q', () => {
  const ckpt = makeFixtureCheckpoint({ seed: 2 });
  const s = ckpt.dims.nAudioState;
  const scale = 1 / Math.sqrt(s / ckpt.dims.nAudioHead);
  const inits = initializers(decode(buildEncoderGraph(ckpt, { precision: 'fp32' })));
  const up = inits.get('blocks.1.mlp.0.weight')!;
  const torch = ckpt.tensors.get('encoder.blocks.1.mlp.0.weight')!.data; // [4s, s]
  assert.deepEqual(up.dims, [s, 4 * s]);
  for (const [i, o] of [
    [0, 0],
    [3, 17],
    [s - 1, 4 * s - 1],
  ] as const) {
    assert.equal(up.data[i * 4 * s + o], torch[o * s + i]);
  }
  const qkv = inits.get('blocks.0.attn.qkv.weight')!;
  assert.deepEqual(qkv.dims, [s, 3 * s]);
  const wq = ckpt.tensors.get('encoder.blocks.0.attn.query.weight')!.data;
  const wk = ckpt.tensors.get('encoder.blocks.0.attn.key.weight')!.data;
  const wv = ckpt.tensors.get('encoder.blocks.0.attn.value.weight')!.data;
  const [i, o] = [5, 9];
  assert.equal(qkv.data[i * 3 * s + o], Math.fround(wq[o * s + i]! * scale));
  assert.equal(qkv.data[i * 3 * s + s + o], wk[o * s + i]);
  assert.equal(qkv.data[i * 3 * s + 2 * s + o], wv[o * s + i]);
  const bias = inits.get('blocks.0.attn.qkv.bias')!.data as Float32Array;
  assert.ok(
    bias.subarray(s, 2 * s).every((v) => v === 0),
    'the key has no bias',
  );
});

test('encoder graph fp16: float16 weights; compute fp16 casts at the edges, compute fp32 casts the weights', () => {
  const ckpt = makeFixtureCheckpoint({ seed: 3 });
  const half = decode(buildEncoderGraph(ckpt, { precision: 'fp16', compute: 'fp16' }));
  const inits = initializers(half);
  const floats = [...inits.values()].filter((t) => t.dtype !== 'int64');
  assert.ok(floats.every((t) => t.dtype === 'float16'));
  const w = inits.get('blocks.0.mlp.2.weight')!;
  const torch = ckpt.tensors.get('encoder.blocks.0.mlp.2.weight')!.data; // [s, 4s]
  const s = ckpt.dims.nAudioState;
  const got = halfToFloat(w.data[7 * s + 3] as number);
  assert.ok(Math.abs(got - torch[3 * 4 * s + 7]!) <= Math.abs(torch[3 * 4 * s + 7]!) * 2 ** -11);
  const casts = (m: ModelProto): number => m.graph!.node!.filter((n) => n.opType === 'Cast').length;
  assert.equal(casts(half), 2, 'one Cast in, one out');
  const widened = decode(buildEncoderGraph(ckpt, { precision: 'fp16', compute: 'fp32' }));
  assert.equal(casts(widened), floats.length, 'every float weight is widened');
});

test('encoderWeightCount equals the checkpoint encoder tensors (plus the zero key bias) for every Whisper size', () => {
  for (const name of Object.keys(SIZES)) {
    const dims = realDims(name);
    let n = 0;
    for (const [t, shape] of expectedTensors(dims)) {
      if (t.startsWith('encoder.')) n += shape.reduce((a, b) => a * b, 1);
    }
    assert.equal(encoderWeightCount(dims), n + dims.nAudioLayer * dims.nAudioState, name);
  }
  // And the graph really stores that many weight values.
  const ckpt = makeFixtureCheckpoint({ seed: 4, dims: { nMels: 128 } });
  const stored = [...initializers(decode(buildEncoderGraph(ckpt, { precision: 'fp32' }))).values()]
    .filter((t) => t.dtype === 'float32')
    .reduce((a, t) => a + t.data.length, 0);
  assert.equal(stored, encoderWeightCount(ckpt.dims));
});

test('encoder graph size: large-v3 fp32 is over the 2 GB protobuf limit (clear MODEL_SHAPE error), fp16 fits', () => {
  const large = realDims('large-v3');
  assert.ok(!fitsProtobuf(encoderWeightBytes(large, 4)));
  assert.ok(fitsProtobuf(encoderWeightBytes(large, 2)));
  assert.ok(fitsProtobuf(encoderWeightBytes(realDims('medium'), 4)));
  // The check runs before any weight is read: no tensors needed to see it.
  const ckpt: WhisperCheckpoint = {
    dims: large,
    tensors: new Map(),
    multilingual: true,
    source: { format: 'hf-safetensors', path: 'large-v3', dtype: 'f32' },
  };
  assert.throws(
    () => buildEncoderGraph(ckpt, { precision: 'fp32' }),
    (e: unknown) =>
      e instanceof SlimError && e.code === 'MODEL_SHAPE' && /2 GB/.test(e.message) && /fp16/.test(e.message),
  );
});

test('encoder graph: a missing or misshapen tensor is MODEL_SHAPE naming it', () => {
  const missing = makeFixtureCheckpoint({ seed: 5 });
  missing.tensors.delete('encoder.blocks.1.attn.key.weight');
  assert.throws(
    () => buildEncoderGraph(missing, { precision: 'fp32' }),
    (e: unknown) =>
      e instanceof SlimError && e.code === 'MODEL_SHAPE' && e.message.includes('blocks.1.attn.key.weight'),
  );
  const bad = makeFixtureCheckpoint({ seed: 5 });
  const t = bad.tensors.get('encoder.conv1.weight')!;
  bad.tensors.set('encoder.conv1.weight', { shape: [t.shape[0]!, t.shape[1]! * 3], data: t.data });
  assert.throws(
    () => buildEncoderGraph(bad, { precision: 'fp16' }),
    (e: unknown) => e instanceof SlimError && e.code === 'MODEL_SHAPE' && e.message.includes('conv1.weight'),
  );
});
