/**
 * Options of a transcription job, with the defaults of openai/whisper's transcribe() and its
 * command line (beam 5, best-of 5, temperatures 0 … 1.0 by 0.2, thresholds 2.4 / −1 / 0.6).
 */
import type { Task } from '../../models/tokenizer/tokenizer.ts';
import { SlimError } from '../../models/errors.ts';
import type { SuppressTokensSpec } from '../decoding/logit-filters.ts';
import type { DecodingOptions } from '../decoding/options.ts';
import { DEFAULT_FALLBACK, type FallbackOptions } from '../decoding/fallback.ts';
import { DEFAULT_LOOP, type LoopOptions } from '../decoding/repetition.ts';
import { APPEND_PUNCTUATIONS, PREPEND_PUNCTUATIONS } from './alignment/word-timestamps.ts';

export interface GuardOptions {
  /**
   * 'flag' (default): keep suspected hallucinations, flagged, and warn. 'skip': drop segments
   * flagged 'repetition', 'repeated-segment' or 'silence' (and warn). Either way the
   * previous-text prompt is reset after one, so that a loop does not feed the next window.
   */
  action: 'flag' | 'skip';
  loop: LoopOptions;
  /** Identical segment texts in a row allowed before the next one is flagged. */
  maxRepeatedSegments: number;
  /** A frame is silent below this level (dBFS of its mean power) … */
  silenceDb: number;
  /** … or more than this far below the loudest frame of its window. */
  silenceBelowPeakDb: number;
  /** A segment with fewer voiced frames than this fraction is flagged 'silence'. */
  minVoicedFraction: number;
}

export const DEFAULT_GUARD: GuardOptions = {
  action: 'flag',
  loop: DEFAULT_LOOP,
  maxRepeatedSegments: 2,
  silenceDb: -50,
  silenceBelowPeakDb: 40,
  minVoicedFraction: 0.1,
};

export interface VadOptions {
  /** Speech needs a frame level above this (dBFS) … */
  thresholdDb: number;
  /** … and this far above the noise floor (10th percentile of the frames being planned) … */
  marginDb: number;
  /** … but never more than this far below the loudest frame. */
  belowPeakDb: number;
  /** Shorter bursts are not speech. */
  minSpeechMs: number;
  /** Shorter pauses do not split speech. */
  minSilenceMs: number;
  /** Audio kept around each speech region. */
  padMs: number;
}

export const DEFAULT_VAD: VadOptions = {
  thresholdDb: -50,
  marginDb: 12,
  belowPeakDb: 20,
  minSpeechMs: 100,
  minSilenceMs: 400,
  padMs: 200,
};

export interface TranscribeOptions {
  /** A language code or name; null, undefined or 'auto': detected from the first window. */
  language?: string | null;
  task?: Task;
  /** 'sequential' (Whisper's seek loop, default) or 'batched' (silence-split windows decoded together). */
  mode?: 'sequential' | 'batched';
  temperatures?: readonly number[];
  compressionRatioThreshold?: number | null;
  logProbThreshold?: number | null;
  noSpeechThreshold?: number | null;
  /** Beam search at T = 0 (default 5; null: greedy). */
  beamSize?: number | null;
  /** Samples at T > 0 (default 5). */
  bestOf?: number | null;
  patience?: number | null;
  lengthPenalty?: number | null;
  suppressTokens?: SuppressTokensSpec;
  suppressBlank?: boolean;
  maxInitialTimestamp?: number | null;
  sampleLen?: number | null;
  /** Feed the previous windows' text as the prompt (default true). */
  conditionOnPreviousText?: boolean;
  initialPrompt?: string | null;
  /** Keep the initial prompt in front of every window's prompt (transcribe.py carry_initial_prompt). */
  carryInitialPrompt?: boolean;
  prefix?: string | null;
  wordTimestamps?: boolean;
  /** With word timestamps: trim words to the speech they overlap (default true; speech-snap.ts). */
  speechSnap?: boolean;
  /** With word timestamps: cut segments at pauses between words this long (default 1000; null: never). */
  splitPauseMs?: number | null;
  prependPunctuations?: string;
  appendPunctuations?: string;
  /** transcribe.py clip_timestamps: start,end,start,end… seconds (sequential mode). */
  clipTimestamps?: readonly number[];
  /** transcribe.py hallucination_silence_threshold, seconds (needs word timestamps). */
  hallucinationSilenceThreshold?: number | null;
  guard?: Partial<GuardOptions>;
  /** Windows decoded together in batched mode (default: as many as the decoder batch holds, ≤ 8). */
  batchSize?: number;
  vad?: Partial<VadOptions>;
  /** Seed of the sampling at T > 0. */
  seed?: number;
  /** Languages reported with their probabilities (default 5). */
  topLanguages?: number;
  /** Length of a streamed input, when known (for progress and ETA). */
  durationMs?: number | null;
}

export interface ResolvedTranscribeOptions {
  language: string | null;
  task: Task;
  mode: 'sequential' | 'batched';
  fallback: FallbackOptions;
  /** Per-window decoding options (temperature, prompt and language set per window). */
  decode: DecodingOptions;
  conditionOnPreviousText: boolean;
  initialPrompt: string | null;
  carryInitialPrompt: boolean;
  wordTimestamps: boolean;
  speechSnap: boolean;
  splitPauseMs: number | null;
  prependPunctuations: string;
  appendPunctuations: string;
  clipTimestamps: readonly number[];
  hallucinationSilenceThreshold: number | null;
  guard: GuardOptions;
  batchSize: number | null;
  vad: VadOptions;
  seed: number;
  topLanguages: number;
  durationMs: number | null;
}

function bad(message: string): SlimError {
  return new SlimError('INVALID_ARGUMENT', message);
}

function resolveLanguage(language: string | null | undefined): string | null {
  if (language === undefined || language === null || language === '' || language.toLowerCase() === 'auto')
    return null;
  return language;
}

export function resolveTranscribeOptions(o: TranscribeOptions = {}): ResolvedTranscribeOptions {
  const temperatures = o.temperatures ?? DEFAULT_FALLBACK.temperatures;
  if (temperatures.length === 0 || temperatures.some((t) => !(t >= 0)))
    throw bad('temperatures must be a non-empty list of values ≥ 0');
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && o.batchSize >= 1))
    throw bad(`batchSize must be a positive integer, got ${o.batchSize}`);
  if (o.splitPauseMs !== undefined && o.splitPauseMs !== null && !(o.splitPauseMs > 0))
    throw bad(`splitPauseMs must be > 0 or null, got ${o.splitPauseMs}`);
  const clips = o.clipTimestamps ?? [];
  if (clips.some((t) => !(t >= 0))) throw bad('clipTimestamps must be seconds ≥ 0');
  return {
    language: resolveLanguage(o.language),
    task: o.task ?? 'transcribe',
    mode: o.mode ?? 'sequential',
    fallback: {
      temperatures,
      compressionRatioThreshold: pick(
        o.compressionRatioThreshold,
        DEFAULT_FALLBACK.compressionRatioThreshold,
      ),
      logProbThreshold: pick(o.logProbThreshold, DEFAULT_FALLBACK.logProbThreshold),
      noSpeechThreshold: pick(o.noSpeechThreshold, DEFAULT_FALLBACK.noSpeechThreshold),
    },
    decode: {
      task: o.task ?? 'transcribe',
      beamSize: pick(o.beamSize, 5),
      bestOf: pick(o.bestOf, 5),
      patience: o.patience ?? null,
      lengthPenalty: o.lengthPenalty ?? null,
      suppressTokens: o.suppressTokens === undefined ? '-1' : o.suppressTokens,
      suppressBlank: o.suppressBlank ?? true,
      maxInitialTimestamp: pick(o.maxInitialTimestamp, 1.0),
      sampleLen: o.sampleLen ?? null,
      prefix: o.prefix ?? null,
    },
    conditionOnPreviousText: o.conditionOnPreviousText ?? true,
    initialPrompt: o.initialPrompt ?? null,
    carryInitialPrompt: o.carryInitialPrompt ?? false,
    wordTimestamps: o.wordTimestamps ?? false,
    speechSnap: o.speechSnap ?? true,
    splitPauseMs: pick(o.splitPauseMs, 1000),
    prependPunctuations: o.prependPunctuations ?? PREPEND_PUNCTUATIONS,
    appendPunctuations: o.appendPunctuations ?? APPEND_PUNCTUATIONS,
    clipTimestamps: clips,
    hallucinationSilenceThreshold: o.hallucinationSilenceThreshold ?? null,
    guard: { ...DEFAULT_GUARD, ...o.guard },
    batchSize: o.batchSize ?? null,
    vad: { ...DEFAULT_VAD, ...o.vad },
    seed: o.seed ?? 0,
    topLanguages: o.topLanguages ?? 5,
    durationMs: o.durationMs ?? null,
  };
}

/** undefined → the default; null stays null (an explicit "off"). */
function pick<T>(v: T | null | undefined, fallback: T | null): T | null {
  return v === undefined ? fallback : v;
}
