/**
 * Input and output types of the subtitle and export code. The transcript types mirror the
 * engine's result (app/transcribe) field for field, so its output feeds in directly; only the
 * fields the formatters read are required to be meaningful.
 */

/** One word with its time span. Text carries its leading space as Whisper's words do. */
export interface Word {
  startMs: number;
  endMs: number;
  text: string;
  probability: number;
}

export interface Segment {
  id: number;
  startMs: number;
  endMs: number;
  text: string;
  tokens: number[];
  avgLogProb: number;
  noSpeechProb: number;
  compressionRatio: number;
  temperature: number;
  flags: string[];
  words?: Word[];
}

export interface Transcript {
  /** ISO 639-1 code as Whisper reports it (en, ja, zh, yue …). */
  language: string;
  durationMs: number;
  segments: Segment[];
}

/** One subtitle cue: integer milliseconds, text already broken into display lines. */
export interface Cue {
  startMs: number;
  endMs: number;
  /** Display lines (no line contains a newline). */
  lines: string[];
  /** The same text on one line, joined the way the language joins words (LRC and tests use it). */
  text: string;
}

/** Subtitle shaping rules; every field optional, see DEFAULT_RULES in rules.ts. */
export interface ShapingOptions {
  maxCharsPerLine?: number;
  maxLines?: number;
  /** Reading speed limit, characters per second (at most 20). */
  maxCharsPerSecond?: number;
  minDurationMs?: number;
  maxDurationMs?: number;
  /** Minimum gap between consecutive cues (2 frames at 24 fps ≈ 83 ms). */
  minGapMs?: number;
  /** A silence at least this long counts as a pause (a preferred break). */
  pauseMs?: number;
  /** A gap shorter than this to the next cue is closed down to minGapMs (avoids flicker). */
  closeGapMs?: number;
  /** Overrides transcript.language for the word-joining and counting rules. */
  language?: string;
}

export type ShapingRules = Required<Omit<ShapingOptions, 'language'>>;
