/**
 * Hugging Face `config.json` / `generation_config.json` of a Whisper model, read from a folder
 * (parsing in hf-config-json.ts). Shared by the safetensors and the Transformers.js ONNX importers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlimError } from '../errors.ts';
import { parseHfWhisperConfig, type HfWhisperConfig, type NamedText } from './hf-config-json.ts';

export type { HfWhisperConfig };

function readText(path: string): NamedText {
  try {
    return { label: path, text: readFileSync(path, 'utf8') };
  } catch (e) {
    throw new SlimError('MODEL_NOT_FOUND', `${path}: cannot read (${(e as Error).message})`);
  }
}

/** Reads config.json (and generation_config.json when present) from a model folder. */
export function readHfWhisperConfig(dir: string): HfWhisperConfig {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new SlimError('MODEL_CONFIG', `${dir}: no config.json in this folder`);
  const genPath = join(dir, 'generation_config.json');
  return parseHfWhisperConfig(readText(path), existsSync(genPath) ? readText(genPath) : null);
}
