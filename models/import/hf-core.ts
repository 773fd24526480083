/**
 * A Hugging Face Transformers Whisper checkpoint from its parsed parts (config, an open
 * safetensors store, the vocabulary): HF Linear and Conv1d weights are already in PyTorch layout,
 * so the import is a renaming plus a dtype conversion. No node:fs here: hf.ts reads a folder,
 * bytes.ts the engine worker's files.
 */
import { expectedTensors, hfToCanonical } from '../checkpoint/names.ts';
import type { SourceDtype, Tensor, VocabSpec, WhisperCheckpoint } from '../checkpoint/types.ts';
import { validateCheckpoint } from '../checkpoint/validate.ts';
import { SlimError } from '../errors.ts';
import type { HfWhisperConfig } from './hf-config-json.ts';
import type { SafetensorsEntry, SafetensorsStore } from './safetensors-core.ts';

/** HF names with no canonical twin that a Whisper checkpoint may carry. */
const IGNORED = new Set(['proj_out.weight']);

const SOURCE_DTYPE: Record<string, SourceDtype> = {
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  // SourceDtype has no f64; f64 checkpoints keep float32 precision here.
  F64: 'f32',
};

/** The canonical checkpoint from an HF model's parts; closes `store`. */
export async function hfCheckpoint(parts: {
  cfg: HfWhisperConfig;
  store: SafetensorsStore;
  /** Called once the weights are read, so weight errors come first. */
  vocab: () => VocabSpec | undefined;
  /** The folder (or the worker's label), kept as the source path. */
  path: string;
}): Promise<WhisperCheckpoint> {
  const { cfg, store, path } = parts;
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
  const vocab = parts.vocab();
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
