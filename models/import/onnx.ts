/**
 * Imports a Transformers.js ONNX export (Xenova / onnx-community layout: config.json,
 * tokenizer.json, onnx/encoder_model*.onnx, onnx/decoder_model_merged*.onnx) into the
 * canonical checkpoint.
 *
 * The exporter leaves most weights anonymous (`onnx::MatMul_883`, `…_merged_0_quantized`), so
 * each initializer is named either from its own name when that is a Hugging Face parameter
 * name (`model.decoder.layers.0.fc1.bias_merged_0`, `layers.0.self_attn.q_proj.bias`) or from
 * the node that consumes it (`/model/decoder/layers.0/self_attn/k_proj/MatMul` → the key
 * weight). MatMul weights are stored [in, out] and are transposed to PyTorch's [out, in];
 * 8-bit weights are dequantized, `(q − zero_point) · scale`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WhisperCheckpoint } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { ExternalData, readModelFile } from '../onnx/files.ts';
import { loadHfVocab } from '../tokenizer/load.ts';
import { readHfWhisperConfig } from './hf-config.ts';
import {
  pickTransformersJsFiles,
  transformersJsCheckpoint,
  type StackSource,
  type TransformersJsFiles,
  type TransformersJsVariant,
} from './transformers-js.ts';

export {
  VARIANT_SUFFIXES,
  type TransformersJsFiles,
  type TransformersJsOptions,
  type TransformersJsVariant,
} from './transformers-js.ts';

/** Loads a Transformers.js Whisper export folder into the canonical checkpoint. */
export async function loadTransformersJsCheckpoint(
  dir: string,
  opts: { variant?: TransformersJsVariant } = {},
): Promise<WhisperCheckpoint> {
  const files = findTransformersJsFiles(dir, opts.variant);
  const cfg = readHfWhisperConfig(dir);
  const open = (file: string): StackSource => ({
    model: readModelFile(file),
    label: file,
    ext: new ExternalData(dirname(file)),
  });
  const encoder = open(files.encoder);
  const decoder = open(files.decoder);
  try {
    const hasTokenizer =
      existsSync(join(dir, 'tokenizer.json')) ||
      (existsSync(join(dir, 'vocab.json')) && existsSync(join(dir, 'merges.txt')));
    const vocab = hasTokenizer ? loadHfVocab(dir) : undefined;
    return transformersJsCheckpoint({ encoder, decoder, cfg, vocab, path: dir });
  } finally {
    (encoder.ext as ExternalData).close();
    (decoder.ext as ExternalData).close();
  }
}

/** The encoder and decoder files of an export folder (full paths); see pickTransformersJsFiles. */
export function findTransformersJsFiles(dir: string, variant?: TransformersJsVariant): TransformersJsFiles {
  if (!existsSync(dir)) throw new SlimError('MODEL_NOT_FOUND', `${dir}: no such folder`);
  const onnxDir = join(dir, 'onnx');
  if (!existsSync(onnxDir) || !statSync(onnxDir).isDirectory()) {
    throw new SlimError('MODEL_FORMAT', `${dir}: no onnx/ folder, so not a Transformers.js export`);
  }
  const picked = pickTransformersJsFiles(new Set(readdirSync(onnxDir)), onnxDir, variant);
  return { encoder: join(onnxDir, picked.encoder), decoder: join(onnxDir, picked.decoder) };
}
