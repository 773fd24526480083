/**
 * The transcript as it crosses worker, renderer and main (journal): plain data, times in
 * milliseconds from the start of the file, named as app/subtitles names them (startMs/endMs),
 * so export needs no conversion of times.
 */
import { arrayOf, num, object, oneOf, optional, str, type Validator } from './validate.ts';

export interface WordTiming {
  /** With its leading space, as Whisper's words carry it. */
  text: string;
  startMs: number;
  endMs: number;
  /** The decoder's probability of the word's tokens (0..1). */
  probability: number;
}

/**
 * Why a segment deserves a second look: 'hallucination' (compression ratio or log-prob
 * thresholds failed, as in Whisper's fallback rules), 'no-speech' (no-speech probability high),
 * 'low-confidence' (average log-prob low).
 */
export const SEGMENT_FLAGS = ['hallucination', 'no-speech', 'low-confidence'] as const;
export type SegmentFlag = (typeof SEGMENT_FLAGS)[number];

export interface TranscriptSegment {
  /** Index in the job, from 0, stable across edits. */
  id: number;
  startMs: number;
  endMs: number;
  text: string;
  /** Empty when the engine ran without word timestamps. */
  words: WordTiming[];
  flags: SegmentFlag[];
  avgLogProb?: number;
  noSpeechProb?: number;
  compressionRatio?: number;
}

const TIME = num({ min: 0, max: 1e10 });

export const wordTiming: Validator<WordTiming> = object({
  text: str({ max: 1000 }),
  startMs: TIME,
  endMs: TIME,
  probability: num({ min: 0, max: 1 }),
});

export const transcriptSegment: Validator<TranscriptSegment> = (v, where) => {
  const s = object({
    id: num({ min: 0, max: 1e9, integer: true }),
    startMs: TIME,
    endMs: TIME,
    text: str({ max: 100_000 }),
    words: arrayOf(wordTiming, { max: 10_000 }),
    flags: arrayOf(oneOf(SEGMENT_FLAGS), { max: SEGMENT_FLAGS.length }),
    avgLogProb: optional(num({ max: 0 })),
    noSpeechProb: optional(num({ min: 0, max: 1 })),
    compressionRatio: optional(num({ min: 0 })),
  })(v, where);
  return s as TranscriptSegment;
};
