/**
 * One pass's tokens as timed words. Whisper's timestamp tokens bound segments; the last segment
 * of a live buffer is usually still open (the speaker has not finished it) and is kept, unlike
 * transcribe.py which decodes it again from the next window. Word times inside a segment are
 * spread over it by length: the word-alignment pass (timing.py) costs more than a live pass can
 * afford on a CPU, and agreement compares words, not times.
 */
import type { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { TIMESTAMP_MS } from '../transcribe/segments.ts';
import type { LiveWord } from './types.ts';

export interface HypothesisSegment {
  startMs: number;
  endMs: number;
  /** Closed by a timestamp token: the model has finished the segment. */
  closed: boolean;
  words: LiveWord[];
}

/** Punctuation that belongs to the word before it (openai's append_punctuations, plus ellipsis). */
const APPEND = '"\'.。,，!！?？:：;”)]}、…';

/**
 * Segments and words of decoded `tokens` (timestamps included, no <|endoftext|>), in times
 * from the session start: `offsetMs` is where the buffer starts, `contentMs` its length.
 */
export function hypothesisSegments(
  tokenizer: WhisperTokenizer,
  tokens: readonly number[],
  offsetMs: number,
  contentMs: number,
  language: string,
): HypothesisSegment[] {
  const out: HypothesisSegment[] = [];
  const tsBegin = tokenizer.timestampBegin;
  let startMs = 0;
  let text: number[] = [];
  const close = (endMs: number, closed: boolean): void => {
    const end = Math.max(startMs, Math.min(endMs, contentMs));
    const words = spread(wordsOf(tokenizer, text, language), offsetMs + startMs, offsetMs + end);
    if (words.length) out.push({ startMs: offsetMs + startMs, endMs: offsetMs + end, closed, words });
    text = [];
  };
  for (const t of tokens) {
    if (t >= tsBegin) {
      const ms = (t - tsBegin) * TIMESTAMP_MS;
      if (text.length) close(ms, true);
      startMs = Math.min(ms, contentMs);
    } else if (t < tokenizer.eot) text.push(t);
  }
  if (text.length) close(contentMs, false);
  return out;
}

/** Whisper's words with trailing punctuation joined to the word before it. */
function wordsOf(tokenizer: WhisperTokenizer, tokens: number[], language: string): string[] {
  const words: string[] = [];
  for (const w of tokenizer.splitToWordTokens(tokens, language).words) {
    const t = w.trim();
    if (t === '') continue;
    if (words.length && [...t].every((ch) => APPEND.includes(ch))) words[words.length - 1] += t;
    else words.push(w);
  }
  return words;
}

/** Words laid over [startMs, endMs] in proportion to their length. */
function spread(words: string[], startMs: number, endMs: number): LiveWord[] {
  const lengths = words.map((w) => Math.max(1, w.trim().length));
  const total = lengths.reduce((a, b) => a + b, 0);
  const out: LiveWord[] = [];
  let acc = 0;
  words.forEach((text, i) => {
    const a = startMs + ((endMs - startMs) * acc) / total;
    acc += lengths[i]!;
    const b = startMs + ((endMs - startMs) * acc) / total;
    out.push({ text, startMs: Math.round(a), endMs: Math.round(b) });
  });
  return out;
}
