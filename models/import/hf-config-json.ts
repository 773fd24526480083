/**
 * Hugging Face `config.json` / `generation_config.json` of a Whisper model: dimensions and
 * alignment heads, parsed from their text (no file access: the engine worker parses the files
 * the main process hands it). hf-config.ts reads them from a folder.
 */
import { SlimError } from '../errors.ts';
import type { ModelDimensions } from '../checkpoint/types.ts';
import { validateDims } from '../checkpoint/validate.ts';

export interface HfWhisperConfig {
  dims: ModelDimensions;
  multilingual: boolean;
  alignmentHeads?: Array<[number, number]>;
}

/** A file's text and the name errors give it (a path, or a label in the worker). */
export interface NamedText {
  label: string;
  text: string;
}

function parseJson({ label, text }: NamedText): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SlimError('MODEL_CONFIG', `${label}: not valid JSON (${(e as Error).message})`);
  }
}

function int(cfg: Record<string, unknown>, key: string, path: string, fallback?: number): number {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new SlimError(
      'MODEL_CONFIG',
      `${path}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Parses config.json (and generation_config.json when there is one). */
export function parseHfWhisperConfig(config: NamedText, generation: NamedText | null): HfWhisperConfig {
  const path = config.label;
  const raw = parseJson(config);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SlimError('MODEL_CONFIG', `${path}: expected a JSON object`);
  }
  const cfg = raw as Record<string, unknown>;
  if (cfg.model_type !== undefined && cfg.model_type !== 'whisper') {
    throw new SlimError('MODEL_CONFIG', `${path}: model_type is "${String(cfg.model_type)}", not "whisper"`);
  }
  const dModel = int(cfg, 'd_model', path);
  const dims: ModelDimensions = {
    nMels: int(cfg, 'num_mel_bins', path),
    nAudioCtx: int(cfg, 'max_source_positions', path),
    nAudioState: dModel,
    nAudioHead: int(cfg, 'encoder_attention_heads', path),
    nAudioLayer: int(cfg, 'encoder_layers', path),
    nVocab: int(cfg, 'vocab_size', path),
    nTextCtx: int(cfg, 'max_target_positions', path),
    nTextState: dModel,
    nTextHead: int(cfg, 'decoder_attention_heads', path),
    nTextLayer: int(cfg, 'decoder_layers', path),
  };
  validateDims(dims, path);
  for (const [k, want] of [
    ['encoder_ffn_dim', 4 * dModel],
    ['decoder_ffn_dim', 4 * dModel],
  ] as const) {
    if (cfg[k] !== undefined && cfg[k] !== want) {
      throw new SlimError(
        'MODEL_CONFIG',
        `${path}: ${k} = ${String(cfg[k])}, Whisper needs 4·d_model = ${want}`,
      );
    }
  }
  // openai/whisper tokenizer.py: the vocabulary is multilingual when n_vocab ≥ 51865.
  let multilingual = dims.nVocab >= 51865;
  let alignmentHeads: Array<[number, number]> | undefined;
  if (generation) {
    const gen = parseJson(generation) as Record<string, unknown>;
    if (typeof gen.is_multilingual === 'boolean') multilingual = gen.is_multilingual;
    if (Array.isArray(gen.alignment_heads)) {
      alignmentHeads = gen.alignment_heads.filter(
        (h): h is [number, number] =>
          Array.isArray(h) && h.length === 2 && h.every((x) => Number.isInteger(x)),
      );
    }
  }
  return { dims, multilingual, ...(alignmentHeads ? { alignmentHeads } : {}) };
}
