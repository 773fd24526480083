/**
 * Hugging Face Transformers Whisper folders: config.json (+ generation_config.json),
 * model.safetensors or sharded model-*.safetensors with model.safetensors.index.json,
 * and tokenizer.json or vocab.json + merges.txt. HF Linear and Conv1d weights are already in
 * PyTorch layout, so the import is a renaming plus a dtype conversion.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expectedTensors, hfToCanonical } from '../checkpoint/names.ts';
import type { SourceDtype, Tensor, WhisperCheckpoint } from '../checkpoint/types.ts';
import { validateCheckpoint } from '../checkpoint/validate.ts';
import { SlimError } from '../errors.ts';
import { loadHfVocab } from '../tokenizer/load.ts';
import { readHfWhisperConfig } from './hf-config.ts';
import { SafetensorsStore, type SafetensorsEntry } from './safetensors.ts';

/** HF names with no canonical twin that a Whisper checkpoint may carry. */
const IGNORED = new Set(['proj_out.weight']);

const SOURCE_DTYPE: Record<string, SourceDtype> = {
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  // SourceDtype has no f64; f64 checkpoints keep float32 precision here.
  F64: 'f32',
};

/** Loads a Hugging Face Whisper model folder into the canonical checkpoint. */
export async function loadHfCheckpoint(path: string): Promise<WhisperCheckpoint> {
  checkFolder(path);
  const cfg = readHfWhisperConfig(path);
  const store = await openWeights(path);
  let tensors: Map<string, Tensor>;
  let dtype: SourceDtype;
  try {
    const plan = planTensors(store, cfg.dims);
    dtype = sourceDtype([...plan.values()]);
    tensors = new Map();
    for (const [canon, entry] of plan) tensors.set(canon, await store.read(entry.name));
  } finally {
    await store.close();
  }
  const vocab = hasTokenizerFiles(path) ? loadHfVocab(path) : undefined;
  const ckpt: WhisperCheckpoint = {
    dims: cfg.dims,
    tensors,
    source: { format: 'hf-safetensors', path, dtype },
    multilingual: cfg.multilingual,
    ...(vocab ? { vocab } : {}),
    ...(cfg.alignmentHeads ? { alignmentHeads: cfg.alignmentHeads } : {}),
  };
  validateCheckpoint(ckpt);
  return ckpt;
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
  if (existsSync(single)) return SafetensorsStore.open(single);
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) return SafetensorsStore.openIndex(index);
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

/**
 * Maps every stored tensor to its canonical name and checks names and shapes against the
 * config before any data is read, so a wrong file fails fast and names the HF tensor.
 */
function planTensors(
  store: SafetensorsStore,
  dims: WhisperCheckpoint['dims'],
): Map<string, SafetensorsEntry> {
  const expected = expectedTensors(dims);
  const plan = new Map<string, SafetensorsEntry>();
  for (const entry of store.entries.values()) {
    const bare = entry.name.replace(/^model\./, '');
    if (IGNORED.has(bare)) continue;
    const canon = hfToCanonical(entry.name);
    const shape = canon === undefined ? undefined : expected.get(canon);
    if (canon === undefined || shape === undefined) {
      throw new SlimError(
        'MODEL_FORMAT',
        `${entry.file}: tensor ${entry.name} is not part of a Whisper model with this config.json`,
      );
    }
    if (!(entry.dtype in SOURCE_DTYPE)) {
      throw new SlimError(
        'MODEL_DTYPE',
        `${entry.file}: tensor ${entry.name} is ${entry.dtype}; only F32, F16, BF16 and F64 weights are supported`,
      );
    }
    if (plan.has(canon)) {
      throw new SlimError('MODEL_CORRUPT', `${entry.file}: tensor ${canon} is stored twice (${entry.name})`);
    }
    if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
      throw new SlimError(
        'MODEL_SHAPE',
        `${entry.file}: tensor ${entry.name} has shape [${entry.shape.join(', ')}], ` +
          `config.json implies [${shape.join(', ')}]`,
      );
    }
    plan.set(canon, entry);
  }
  const missing = [...expected.keys()].filter((k) => !plan.has(k));
  if (missing.length > 0) {
    const shown =
      missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
    throw new SlimError('MODEL_SHAPE', `${store.path}: missing required tensors: ${shown}`);
  }
  return plan;
}

function sourceDtype(entries: SafetensorsEntry[]): SourceDtype {
  const kinds = new Set(entries.map((e) => SOURCE_DTYPE[e.dtype]!));
  return kinds.size === 1 ? [...kinds][0]! : 'mixed';
}

function hasTokenizerFiles(dir: string): boolean {
  return (
    existsSync(join(dir, 'tokenizer.json')) ||
    (existsSync(join(dir, 'vocab.json')) && existsSync(join(dir, 'merges.txt')))
  );
}
