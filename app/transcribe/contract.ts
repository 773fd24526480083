/**
 * The engine's segments as the worker contract carries them (app/ipc/transcript.ts): the same
 * times, text and words; the guard's finer flags fold into the contract's 'hallucination'.
 */
import type { SegmentFlag as ContractFlag, TranscriptSegment } from '../ipc/transcript.ts';
import type { SegmentFlag, TranscriptionSegment } from './types.ts';

const FOLD: Record<SegmentFlag, ContractFlag> = {
  repetition: 'hallucination',
  'repeated-segment': 'hallucination',
  silence: 'hallucination',
  'anomalous-words': 'hallucination',
  'fallback-failed': 'hallucination',
  'no-speech': 'no-speech',
  'low-confidence': 'low-confidence',
};

export function contractFlags(flags: readonly SegmentFlag[]): ContractFlag[] {
  return [...new Set(flags.map((f) => FOLD[f]))];
}

export function toContractSegment(s: TranscriptionSegment): TranscriptSegment {
  return {
    id: s.id,
    startMs: s.startMs,
    endMs: s.endMs,
    text: s.text,
    words: s.words ?? [],
    flags: contractFlags(s.flags),
    avgLogProb: Math.min(0, s.avgLogProb),
    noSpeechProb: s.noSpeechProb,
    compressionRatio: s.compressionRatio,
  };
}
