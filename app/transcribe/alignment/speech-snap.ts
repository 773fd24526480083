/**
 * Word timing refined by the audio itself. Whisper's cross-attention DTW (timing.py) knows no
 * silence: a word before a pause is often stretched across it, and the first word after one pulled
 * into it, so segments and subtitle cues start or end in silence (the complaint stable-ts and
 * WhisperX exist for). Here each word is trimmed to the speech it overlaps (the energy mask of
 * vad.ts, padded), and a segment is cut where its words are separated by a long pause, so that
 * segment bounds sit at the speech bounds. Words are never moved outside their DTW span.
 */
import type { WindowLevels } from '../guard.ts';
import type { VadOptions } from '../options.ts';
import { speechMask, speechRegions, type Chunk } from '../vad.ts';
import type { TimedWord } from './word-timestamps.ts';

const FRAMES_PER_SECOND = 100;

/** The speech regions of a window as absolute [start, end) times in seconds, padded by `padMs`. */
export function speechSpans(levels: WindowLevels, vad: VadOptions): Array<[number, number]> {
  const pad = vad.padMs / 1000;
  const toSeconds = (r: Chunk): [number, number] => [
    (levels.seek + r.start) / FRAMES_PER_SECOND - pad,
    (levels.seek + r.end) / FRAMES_PER_SECOND + pad,
  ];
  return speechRegions(speechMask(levels.energyDb, vad)).map(toSeconds);
}

/**
 * Trims each word to the padded speech span it overlaps most (in place): pauses the mask keeps
 * (≥ minSilenceMs) are longer than any pause inside a word. A word over no speech at all keeps its
 * timing: quiet speech under the mask's threshold is still speech to the model.
 */
export function snapWordsToSpeech(words: TimedWord[], spans: ReadonlyArray<readonly [number, number]>): void {
  for (const w of words) {
    let best: readonly [number, number] | null = null;
    let bestOverlap = 0;
    for (const span of spans) {
      const overlap = Math.min(w.end, span[1]) - Math.max(w.start, span[0]);
      if (overlap > bestOverlap) {
        best = span;
        bestOverlap = overlap;
      }
    }
    if (best === null) continue;
    w.start = round2(Math.max(w.start, best[0]));
    w.end = round2(Math.max(Math.min(w.end, best[1]), w.start));
  }
}

/** The part of a segment the split reads and writes (seconds; tokens with their timestamps). */
export interface SplittableSegment {
  start: number;
  end: number;
  tokens: number[];
  textTokens: number[];
  text: string;
  words: TimedWord[];
}

/**
 * Cuts a segment between words whose gap is at least `pauseSeconds`. Every part gets its words'
 * tokens, the first part the leading timestamp token and the last the trailing one, so the parts'
 * tokens in order are the segment's tokens (the prompt of the next window does not change).
 * A segment whose word tokens do not add up to its text tokens is left whole.
 */
export function splitAtPauses<S extends SplittableSegment>(
  segment: S,
  pauseSeconds: number,
  eot: number,
  decode: (tokens: number[]) => string,
): S[] {
  const words = segment.words;
  const cuts: number[] = [];
  for (let i = 1; i < words.length; i++)
    if (words[i]!.start - words[i - 1]!.end >= pauseSeconds) cuts.push(i);
  if (cuts.length === 0) return [segment];
  const counts = words.map((w) => w.tokens?.length ?? -1);
  if (counts.some((n) => n < 0) || counts.reduce((a, b) => a + b, 0) !== segment.textTokens.length)
    return [segment];
  const lead = segment.tokens.slice(0, segment.tokens.indexOf(segment.textTokens[0]!));
  const trail = segment.tokens.slice(lead.length + segment.textTokens.length);
  if (lead.some((t) => t < eot) || trail.some((t) => t < eot)) return [segment];
  const bounds = [0, ...cuts, words.length];
  const parts: S[] = [];
  let token = 0;
  for (let k = 0; k + 1 < bounds.length; k++) {
    const partWords = words.slice(bounds[k], bounds[k + 1]);
    const n = partWords.reduce((a, w) => a + w.tokens!.length, 0);
    const textTokens = segment.textTokens.slice(token, token + n);
    token += n;
    const first = k === 0;
    const last = k + 2 === bounds.length;
    parts.push({
      ...segment,
      start: first ? segment.start : partWords[0]!.start,
      end: last ? segment.end : partWords[partWords.length - 1]!.end,
      tokens: [...(first ? lead : []), ...textTokens, ...(last ? trail : [])],
      textTokens,
      text: decode(textTokens),
      words: partWords,
    });
  }
  return parts;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
