/**
 * Word timestamps onto a window's segments (openai/whisper timing.py add_word_timestamps and
 * merge_punctuations): punctuation joins its neighbour word, over-long words at sentence and
 * segment boundaries are cut to twice the median word length, and segment bounds follow their
 * words unless a word is implausibly long. Times are seconds here, as in timing.py.
 */
import type { WordAlignment } from './find-alignment.ts';

export const PREPEND_PUNCTUATIONS = '"\'“¿([{-';
export const APPEND_PUNCTUATIONS = '"\'.。,，!！?？:：”)]}、';
const SENTENCE_END = '.。!！?？';

export interface TimedWord {
  word: string;
  start: number;
  end: number;
  probability: number;
  /** The word's tokens (punctuation merged in), for splitting segments between words. */
  tokens?: number[];
}

/** The part of a segment the word timing reads and adjusts (seconds). */
export interface WordSegment {
  start: number;
  end: number;
  /** Text tokens of the segment (below <|endoftext|>). */
  textTokens: readonly number[];
  words: TimedWord[];
}

export interface WordTimestampOptions {
  /** Start of the window, seconds. */
  timeOffset: number;
  /** End of the last word before this window, seconds. */
  lastSpeechTimestamp: number;
  prependPunctuations?: string;
  appendPunctuations?: string;
}

/** Moves leading punctuation onto the next word and trailing punctuation onto the previous one. */
export function mergePunctuations(alignment: WordAlignment[], prepended: string, appended: string): void {
  let i = alignment.length - 2;
  let j = alignment.length - 1;
  while (i >= 0) {
    const prev = alignment[i]!;
    const next = alignment[j]!;
    if (prev.word.startsWith(' ') && prepended.includes(prev.word.trim())) {
      next.word = prev.word + next.word;
      next.tokens = [...prev.tokens, ...next.tokens];
      prev.word = '';
      prev.tokens = [];
    } else j = i;
    i--;
  }
  i = 0;
  j = 1;
  while (j < alignment.length) {
    const prev = alignment[i]!;
    const next = alignment[j]!;
    // As in Python, an emptied word counts as punctuation: merging it keeps `prev` in place.
    if (!prev.word.endsWith(' ') && appended.includes(next.word)) {
      prev.word = prev.word + next.word;
      prev.tokens = [...prev.tokens, ...next.tokens];
      next.word = '';
      next.tokens = [];
    } else i = j;
    j++;
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Words at sentence boundaries may not last longer than maxDuration. */
function clampSentenceBoundaries(alignment: WordAlignment[], maxDuration: number): void {
  for (let i = 1; i < alignment.length; i++) {
    const a = alignment[i]!;
    if (a.end - a.start <= maxDuration) continue;
    if (SENTENCE_END.includes(a.word)) a.end = a.start + maxDuration;
    else if (SENTENCE_END.includes(alignment[i - 1]!.word)) a.start = a.end - maxDuration;
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Fills segment.words and adjusts segment bounds; returns the new last-speech timestamp.
 * `alignment` covers the text tokens of all `segments`, in order.
 */
export function addWordTimestamps(
  segments: WordSegment[],
  alignment: WordAlignment[],
  opts: WordTimestampOptions,
): number {
  if (segments.length === 0) return opts.lastSpeechTimestamp;
  const durations = alignment.map((t) => t.end - t.start).filter((d) => d !== 0);
  const medianDuration = durations.length ? Math.min(0.7, median(durations)) : 0;
  const maxDuration = medianDuration * 2;
  if (durations.length) clampSentenceBoundaries(alignment, maxDuration);
  mergePunctuations(
    alignment,
    opts.prependPunctuations ?? PREPEND_PUNCTUATIONS,
    opts.appendPunctuations ?? APPEND_PUNCTUATIONS,
  );
  let lastSpeech = opts.lastSpeechTimestamp;
  let wordIndex = 0;
  for (const segment of segments) {
    let saved = 0;
    const words: TimedWord[] = [];
    while (wordIndex < alignment.length && saved < segment.textTokens.length) {
      const t = alignment[wordIndex]!;
      if (t.word)
        words.push({
          word: t.word,
          start: round2(opts.timeOffset + t.start),
          end: round2(opts.timeOffset + t.end),
          probability: t.probability,
          tokens: t.tokens,
        });
      saved += t.tokens.length;
      wordIndex++;
    }
    if (words.length) lastSpeech = fitSegment(segment, words, lastSpeech, medianDuration, maxDuration);
    segment.words = words;
  }
  return lastSpeech;
}

/** The segment-boundary hacks of add_word_timestamps; returns the segment's end. */
function fitSegment(
  segment: WordSegment,
  words: TimedWord[],
  lastSpeech: number,
  medianDuration: number,
  maxDuration: number,
): number {
  const first = words[0]!;
  const second = words[1];
  // the first (and second) word after a pause may not be longer than twice the median
  if (
    first.end - lastSpeech > medianDuration * 4 &&
    (first.end - first.start > maxDuration ||
      (second !== undefined && second.end - first.start > maxDuration * 2))
  ) {
    if (second !== undefined && second.end - second.start > maxDuration) {
      const boundary = Math.max(second.end / 2, second.end - maxDuration);
      first.end = second.start = boundary;
    }
    first.start = Math.max(0, first.end - maxDuration);
  }
  // prefer the segment-level start timestamp if the first word is too long
  if (segment.start < first.end && segment.start - 0.5 > first.start)
    first.start = Math.max(0, Math.min(first.end - medianDuration, segment.start));
  else segment.start = first.start;
  const last = words[words.length - 1]!;
  // prefer the segment-level end timestamp if the last word is too long
  if (segment.end > last.start && segment.end + 0.5 < last.end)
    last.end = Math.max(last.start + medianDuration, segment.end);
  else segment.end = last.end;
  return segment.end;
}
