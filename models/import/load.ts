/**
 * One entry point for every model source: a Hugging Face folder (config.json + safetensors),
 * a Transformers.js export (config.json + onnx/), or a whisper.cpp ggml file. The format is
 * recognised from the files themselves, never from the name alone.
 */
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { WhisperCheckpoint } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { GGML_MAGIC, loadGgmlCheckpoint } from './ggml.ts';
import { loadHfCheckpoint } from './hf.ts';
import { loadTransformersJsCheckpoint, type TransformersJsVariant } from './onnx.ts';

export type DetectedFormat = WhisperCheckpoint['source']['format'];

export interface LoadOptions {
  /** Transformers.js exports only: which precision variant to read. */
  variant?: TransformersJsVariant;
}

/** Recognises the source format of a path, or throws a SlimError saying what is there instead. */
export function detectFormat(path: string): DetectedFormat {
  if (!existsSync(path)) throw new SlimError('MODEL_NOT_FOUND', `${path}: no such file or folder`);
  const st = statSync(path);
  if (st.isFile()) {
    if (st.size < 4)
      throw new SlimError('MODEL_CORRUPT', `${path}: file is too short to be a model (${st.size} bytes)`);
    const head = Buffer.alloc(4);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
    if (head.readUInt32LE(0) === GGML_MAGIC) return 'ggml';
    if (head.toString('latin1') === 'GGUF') {
      throw new SlimError(
        'MODEL_FORMAT',
        `${path}: GGUF files are not supported; use a whisper.cpp ggml .bin (f32/f16)`,
      );
    }
    throw new SlimError(
      'MODEL_FORMAT',
      `${path}: not a whisper.cpp ggml file; for Hugging Face or Transformers.js models give the folder`,
    );
  }
  const names = new Set(readdirSync(path));
  if (names.has('onnx') && statSync(join(path, 'onnx')).isDirectory()) return 'transformers-js-onnx';
  if ([...names].some((n) => n.endsWith('.safetensors') || n === 'model.safetensors.index.json'))
    return 'hf-safetensors';
  throw new SlimError(
    'MODEL_FORMAT',
    `${path}: this folder holds no Whisper model (expected model.safetensors with config.json, or an onnx/ folder)`,
  );
}

export async function loadCheckpoint(path: string, opts: LoadOptions = {}): Promise<WhisperCheckpoint> {
  switch (detectFormat(path)) {
    case 'ggml':
      return loadGgmlCheckpoint(path);
    case 'transformers-js-onnx':
      return loadTransformersJsCheckpoint(path, opts.variant ? { variant: opts.variant } : {});
    case 'hf-safetensors':
      return loadHfCheckpoint(path);
  }
}
