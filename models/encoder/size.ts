/**
 * How big the encoder graph will be, known before any weight is copied: a serialized ONNX
 * ModelProto must stay under protobuf's 2 GB message limit (onnxruntime refuses larger ones).
 * large-v1/v2/v3 in fp32 (~2.55 GB) exceed it; their fp16 graphs (~1.27 GB) do not.
 */
import type { ModelDimensions } from '../checkpoint/types.ts';

/** protobuf's hard limit on one message (INT32_MAX bytes). */
export const PROTOBUF_LIMIT_BYTES = 2 ** 31 - 1;
/** Room left for node, value-info and tensor headers, which weigh a few kB per layer. */
export const PROTOBUF_HEADROOM_BYTES = 16 * 2 ** 20;

/** Number of weight values the encoder graph stores (with the fused zero key bias). */
export function encoderWeightCount(dims: ModelDimensions): number {
  const s = dims.nAudioState;
  const stem = s * dims.nMels * 3 + s + s * s * 3 + s + dims.nAudioCtx * s;
  const attn = s * 3 * s + 3 * s + s * s + s;
  const mlp = s * 4 * s + 4 * s + 4 * s * s + s;
  const norms = 4 * s;
  return stem + dims.nAudioLayer * (attn + mlp + norms) + 2 * s;
}

/** Bytes of the weights at `bytesPerValue` (4 for fp32, 2 for fp16). */
export function encoderWeightBytes(dims: ModelDimensions, bytesPerValue: number): number {
  return encoderWeightCount(dims) * bytesPerValue;
}

/** Whether a graph with these weights fits one protobuf message, headers included. */
export function fitsProtobuf(weightBytes: number): boolean {
  return weightBytes + PROTOBUF_HEADROOM_BYTES <= PROTOBUF_LIMIT_BYTES;
}
