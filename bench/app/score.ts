/**
 * Scores a run: corpus WER over the clips and WER over the long file with Whisper's English
 * normalizer (app/eval), and dropped speech in the long file: the words of each clip found among
 * the words of the segments that lie over it.
 */
import { alignWords, normalizeEnglish, wordErrorRate } from '../../app/eval/index.ts';
import { pySplit } from '../../app/eval/normalizer/python-re.ts';
import type { Clip, LongFile } from './corpus.ts';

/** A piece of a transcript with its times in the input (seconds). */
export interface TimedText {
  startS: number;
  endS: number;
  text: string;
}

export interface ClipFound {
  file: string;
  startS: number;
  /** Reference words of the clip matched by the words transcribed over it. */
  found: number;
  words: number;
}

export interface LongScore {
  wer: number;
  clips: ClipFound[];
  /** Clips of which fewer than half the words were found. */
  dropped: string[];
}

const words = (text: string): string[] => pySplit(normalizeEnglish(text));

export function clipsWer(clips: readonly Clip[], texts: readonly string[]): number {
  return wordErrorRate(clips.map((c, i) => ({ reference: c.reference, hypothesis: texts[i] ?? '' }))).wer;
}

/**
 * Each segment goes to the clip under its midpoint; a clip owns the time from halfway through
 * the silence before it to halfway through the silence after it.
 */
export function scoreLong(
  clips: readonly Clip[],
  long: LongFile,
  text: string,
  pieces: readonly TimedText[],
): LongScore {
  const wer = wordErrorRate([{ reference: long.reference, hypothesis: text }]).wer;
  const spans = long.spans;
  const found = spans.map((s, k): ClipFound => {
    const lo = k === 0 ? -Infinity : (spans[k - 1]!.endS + s.startS) / 2;
    const hi = k === spans.length - 1 ? Infinity : (s.endS + spans[k + 1]!.startS) / 2;
    const hyp = pieces
      .filter((p) => {
        const mid = (p.startS + p.endS) / 2;
        return mid >= lo && mid < hi;
      })
      .map((p) => p.text)
      .join(' ');
    const ref = words(clips[s.clip]!.reference);
    const c = alignWords(ref, words(hyp));
    return { file: clips[s.clip]!.file, startS: s.startS, found: c.hits, words: ref.length };
  });
  return {
    wer,
    clips: found,
    dropped: found.filter((f) => f.found < f.words / 2).map((f) => `${f.file}@${f.startS.toFixed(1)}s`),
  };
}
