import { SlimError } from '../errors.ts';
import { expectedTensors } from './names.ts';
import type { ModelDimensions, WhisperCheckpoint } from './types.ts';

const DIM_KEYS: Array<keyof ModelDimensions> = [
  'nMels',
  'nAudioCtx',
  'nAudioState',
  'nAudioHead',
  'nAudioLayer',
  'nVocab',
  'nTextCtx',
  'nTextState',
  'nTextHead',
  'nTextLayer',
];

/** Checks that dims are sane positive integers; `where` names the file for the message. */
export function validateDims(dims: ModelDimensions, where: string): void {
  for (const k of DIM_KEYS) {
    const v = dims[k];
    if (!Number.isInteger(v) || v <= 0) {
      throw new SlimError('MODEL_CONFIG', `${where}: dimension ${k} must be a positive integer, got ${v}`);
    }
  }
  if (dims.nAudioState % dims.nAudioHead !== 0 || dims.nTextState % dims.nTextHead !== 0) {
    throw new SlimError('MODEL_CONFIG', `${where}: state width is not a multiple of the head count`);
  }
}

/**
 * Checks that every expected tensor is present with the expected shape and that no value is
 * NaN or infinite. Throws MODEL_SHAPE / MODEL_CORRUPT naming the file and the tensor.
 */
export function validateCheckpoint(ckpt: WhisperCheckpoint): void {
  const where = ckpt.source.path;
  validateDims(ckpt.dims, where);
  for (const [name, shape] of expectedTensors(ckpt.dims)) {
    const t = ckpt.tensors.get(name);
    if (!t) throw new SlimError('MODEL_SHAPE', `${where}: tensor ${name} is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new SlimError(
        'MODEL_SHAPE',
        `${where}: tensor ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`,
      );
    }
    const n = shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) {
      throw new SlimError(
        'MODEL_SHAPE',
        `${where}: tensor ${name} holds ${t.data.length} values, expected ${n}`,
      );
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(t.data[i]!)) {
        throw new SlimError(
          'MODEL_CORRUPT',
          `${where}: tensor ${name} holds a non-finite value at index ${i}`,
        );
      }
    }
  }
}

/** Parameter count of the canonical tensors (the tied output projection counted once). */
export function parameterCount(ckpt: WhisperCheckpoint): number {
  let n = 0;
  for (const t of ckpt.tensors.values()) n += t.data.length;
  return n;
}
