/**
 * Hugging Face Transformers Whisper folders: config.json (+ generation_config.json),
 * model.safetensors or sharded model-*.safetensors with model.safetensors.index.json,
 * and tokenizer.json or vocab.json + merges.txt. The import itself is hf-core.ts (node-free).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { WhisperCheckpoint } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { loadHfVocab } from '../tokenizer/load.ts';
import { readHfWhisperConfig } from './hf-config.ts';
import { hfCheckpoint } from './hf-core.ts';
import { openSafetensors, openSafetensorsIndex, type SafetensorsStore } from './safetensors.ts';

/** Loads a Hugging Face Whisper model folder into the canonical checkpoint. */
export async function loadHfCheckpoint(path: string): Promise<WhisperCheckpoint> {
  checkFolder(path);
  const cfg = readHfWhisperConfig(path);
  const store = await openWeights(path);
  const vocab = () => (hasTokenizerFiles(path) ? loadHfVocab(path) : undefined);
  return hfCheckpoint({ cfg, store, vocab, path });
}

function checkFolder(path: string): void {
  if (!existsSync(path)) throw new SlimError('MODEL_NOT_FOUND', `${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) {
    throw new SlimError(
      'MODEL_FORMAT',
      `${path}: expected a Hugging Face model folder (config.json + model.safetensors), got a file`,
    );
  }
  if (!existsSync(join(path, 'config.json'))) {
    throw new SlimError('MODEL_FORMAT', `${path}: not a Hugging Face model folder (no config.json)`);
  }
}

async function openWeights(dir: string): Promise<SafetensorsStore> {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return openSafetensors(single);
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) return openSafetensorsIndex(index);
  const other = ['pytorch_model.bin', 'tf_model.h5', 'flax_model.msgpack'].find((f) =>
    existsSync(join(dir, f)),
  );
  if (other) {
    throw new SlimError(
      'MODEL_FORMAT',
      `${dir}: holds only ${other}; convert it to safetensors (model.safetensors) to load it`,
    );
  }
  throw new SlimError('MODEL_NOT_FOUND', `${dir}: no model.safetensors or model.safetensors.index.json`);
}

function hasTokenizerFiles(dir: string): boolean {
  return (
    existsSync(join(dir, 'tokenizer.json')) ||
    (existsSync(join(dir, 'vocab.json')) && existsSync(join(dir, 'merges.txt')))
  );
}
