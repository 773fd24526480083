/**
 * The transcript as it crosses worker, renderer, main (journal) and export: plain data, times
 * in seconds from the start of the file (Whisper's convention).
 */
import { arrayOf, num, object, oneOf, optional, str, type Validator } from './validate.ts';

export interface WordTiming {
  text: string;
  start: number;
  end: number;
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
  start: number;
  end: number;
  text: string;
  /** Empty when the engine ran without word timestamps. */
  words: WordTiming[];
  flags: SegmentFlag[];
  avgLogprob?: number;
  noSpeechProb?: number;
  compressionRatio?: number;
}

const TIME = num({ min: 0, max: 1e7 });

export const wordTiming: Validator<WordTiming> = object({
  text: str({ max: 1000 }),
  start: TIME,
  end: TIME,
  probability: num({ min: 0, max: 1 }),
});

export const transcriptSegment: Validator<TranscriptSegment> = (v, where) => {
  const s = object({
    id: num({ min: 0, max: 1e9, integer: true }),
    start: TIME,
    end: TIME,
    text: str({ max: 100_000 }),
    words: arrayOf(wordTiming, { max: 10_000 }),
    flags: arrayOf(oneOf(SEGMENT_FLAGS), { max: SEGMENT_FLAGS.length }),
    avgLogprob: optional(num({ max: 0 })),
    noSpeechProb: optional(num({ min: 0, max: 1 })),
    compressionRatio: optional(num({ min: 0 })),
  })(v, where);
  return s as TranscriptSegment;
};
