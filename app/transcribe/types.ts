/**
 * The results and events of a transcription. Times are integer milliseconds from the start of
 * the audio; words carry their leading space, as Whisper's do (and as app/ipc/transcript.ts,
 * the worker contract, expects).
 */
import type { LanguageProbability } from '../decoding/language.ts';
import type { Task } from '../../models/tokenizer/tokenizer.ts';

/**
 * Why a segment deserves a second look. Hallucination kinds (the guard, guard.ts):
 * 'repetition' (a phrase loops inside the segment), 'repeated-segment' (the same text as the
 * segments before it), 'silence' (next to no sound under it), 'anomalous-words' (Whisper's
 * word anomaly score: improbable, very short or very long words). Quality kinds (Whisper's
 * thresholds): 'fallback-failed' (every temperature failed the compression-ratio or log-prob
 * test; the last one is kept, as Whisper keeps it), 'no-speech' (P(no speech) above its
 * threshold, kept because the text was probable), 'low-confidence' (average log-prob below
 * its threshold).
 */
export type SegmentFlag =
  | 'repetition'
  | 'repeated-segment'
  | 'silence'
  | 'anomalous-words'
  | 'fallback-failed'
  | 'no-speech'
  | 'low-confidence';

/** The flags the guard acts on (warn, and drop with action 'skip'); the others only inform. */
export const HALLUCINATION_FLAGS: ReadonlySet<SegmentFlag> = new Set([
  'repetition',
  'repeated-segment',
  'silence',
]);

export interface WordTimestamp {
  text: string;
  startMs: number;
  endMs: number;
  /** Mean probability of the word's tokens (0…1). */
  probability: number;
}

export interface TranscriptionSegment {
  /** 0, 1, 2 … in time order within the job. */
  id: number;
  startMs: number;
  endMs: number;
  text: string;
  /** The decoded tokens of the segment, timestamp tokens included (Whisper's segment tokens). */
  tokens: number[];
  avgLogProb: number;
  noSpeechProb: number;
  compressionRatio: number;
  /** The temperature whose decoding was kept. */
  temperature: number;
  flags: SegmentFlag[];
  /** With word timestamps on. */
  words?: WordTimestamp[];
}

export interface TranscriptionResult {
  text: string;
  segments: TranscriptionSegment[];
  /** The language decoded with (given, or detected from the first window). */
  language: string;
  /** Most probable languages first (detection only; empty when the language was given). */
  languageProbs: LanguageProbability[];
  /** Length of the audio. */
  durationMs: number;
  task: Task;
  mode: 'sequential' | 'batched';
}

export type WarningCode = 'hallucination' | 'fallback-failed' | 'language';

export type TranscribeEvent =
  | { type: 'language'; language: string; probabilities: LanguageProbability[] }
  | { type: 'segment'; segment: TranscriptionSegment }
  | {
      type: 'progress';
      /** Audio done, from the start. */
      positionMs: number;
      /** Length of the audio when known (given, or once the stream has ended). */
      durationMs: number | null;
      /** positionMs / durationMs, when known. */
      fraction: number | null;
      elapsedMs: number;
      /** Estimated time left, from the pace so far; null until the length and a pace are known. */
      etaMs: number | null;
      /** 30 s windows decoded so far (fallback retries not counted). */
      windows: number;
    }
  | {
      /** The job goes on differently than it started (the decoder moved to WASM after a device loss). */
      type: 'notice';
      code: 'backend-fallback';
      message: string;
    }
  | {
      type: 'warning';
      code: WarningCode;
      message: string;
      segmentId?: number;
      startMs?: number;
      endMs?: number;
    };
