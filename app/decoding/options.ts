/**
 * Options of one window's decoding, with openai/whisper decoding.py DecodingOptions' defaults
 * and checks (verify_options).
 */
import type { Task } from '../../models/tokenizer/tokenizer.ts';
import { SlimError } from '../../models/errors.ts';
import type { SuppressTokensSpec } from './logit-filters.ts';

export interface DecodingOptions {
  task?: Task;
  /** Language code for multilingual models (required there); ignored by English-only models. */
  language?: string | null;
  /** 0: greedy or beam search; > 0: sampling. */
  temperature?: number;
  /** Most tokens to sample (default n_text_ctx / 2). */
  sampleLen?: number | null;
  /** Independent samples at T > 0, the best kept. Not with beamSize. */
  bestOf?: number | null;
  /** Beam search at T = 0. Not with bestOf. */
  beamSize?: number | null;
  /** Beam search collects round(beamSize × patience) finished candidates (default 1). */
  patience?: number | null;
  /** null: rank by sum log-prob / length; α in [0, 1]: by Google NMT's ((5 + n) / 6)^α. */
  lengthPenalty?: number | null;
  /** Previous text (or its tokens), given after <|startofprev|>. */
  prompt?: string | readonly number[] | null;
  /** Text (or tokens) the transcript of this window is forced to begin with. */
  prefix?: string | readonly number[] | null;
  /** Default "-1": Whisper's non-speech symbols. */
  suppressTokens?: SuppressTokensSpec;
  suppressBlank?: boolean;
  withoutTimestamps?: boolean;
  /** Seconds (default 1.0); 0 or null: no limit. */
  maxInitialTimestamp?: number | null;
}

export interface ResolvedDecodingOptions {
  task: Task;
  language: string | null;
  temperature: number;
  sampleLen: number;
  bestOf: number | null;
  beamSize: number | null;
  patience: number | null;
  lengthPenalty: number | null;
  prompt: string | readonly number[] | null;
  prefix: string | readonly number[] | null;
  suppressTokens: SuppressTokensSpec;
  suppressBlank: boolean;
  withoutTimestamps: boolean;
  maxInitialTimestamp: number | null;
}

function bad(message: string): SlimError {
  return new SlimError('INVALID_ARGUMENT', message);
}

function positiveInt(name: string, v: number | null | undefined): number | null {
  if (v === undefined || v === null) return null;
  if (!Number.isInteger(v) || v < 1) throw bad(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** Fills defaults and rejects the combinations decoding.py rejects. */
export function resolveDecodingOptions(o: DecodingOptions, nTextCtx: number): ResolvedDecodingOptions {
  const temperature = o.temperature ?? 0;
  if (!(temperature >= 0 && Number.isFinite(temperature)))
    throw bad(`temperature must be ≥ 0, got ${temperature}`);
  const beamSize = positiveInt('beamSize', o.beamSize);
  const bestOf = positiveInt('bestOf', o.bestOf);
  if (beamSize !== null && bestOf !== null) throw bad("beamSize and bestOf can't be given together");
  if (temperature === 0 && bestOf !== null) throw bad('bestOf with greedy sampling (T=0) is not compatible');
  const patience = o.patience ?? null;
  if (patience !== null && beamSize === null) throw bad('patience requires beamSize to be given');
  if (patience !== null && !(patience > 0)) throw bad(`patience must be > 0, got ${patience}`);
  const lengthPenalty = o.lengthPenalty ?? null;
  if (lengthPenalty !== null && !(lengthPenalty >= 0 && lengthPenalty <= 1))
    throw bad('lengthPenalty (alpha) should be a value between 0 and 1');
  return {
    task: o.task ?? 'transcribe',
    language: o.language ?? null,
    temperature,
    sampleLen: positiveInt('sampleLen', o.sampleLen) ?? Math.floor(nTextCtx / 2),
    bestOf,
    beamSize,
    patience,
    lengthPenalty,
    prompt: o.prompt ?? null,
    prefix: o.prefix ?? null,
    suppressTokens: o.suppressTokens === undefined ? '-1' : o.suppressTokens,
    suppressBlank: o.suppressBlank ?? true,
    withoutTimestamps: o.withoutTimestamps ?? false,
    maxInitialTimestamp: o.maxInitialTimestamp === undefined ? 1.0 : o.maxInitialTimestamp,
  };
}

/** Sequences decoded together for one window: beam size, best-of, or 1. */
export function groupSize(o: ResolvedDecodingOptions): number {
  return o.beamSize ?? o.bestOf ?? 1;
}
