/** Builders, a seeded random source and an independent rule checker for the subtitle tests. */
import assert from 'node:assert/strict';
import type { Cue, Segment, Transcript, Word } from '../../../app/subtitles/types.ts';
import type { ShapingRules } from '../../../app/subtitles/types.ts';
import { endsClause, endsSentence, weakEnding } from '../../../app/subtitles/text.ts';

/** mulberry32: small, fast, and the same sequence for a seed on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function segment(id: number, startMs: number, endMs: number, text: string, words?: Word[]): Segment {
  return {
    id,
    startMs,
    endMs,
    text,
    tokens: [],
    avgLogProb: -0.2,
    noSpeechProb: 0.01,
    compressionRatio: 1.4,
    temperature: 0,
    flags: [],
    ...(words ? { words } : {}),
  };
}

/** One segment per ~20 words, as Whisper would cut them. */
export function transcriptOf(words: Word[], language = 'en', durationMs?: number): Transcript {
  const segments: Segment[] = [];
  for (let k = 0; k < words.length; k += 20) {
    const ws = words.slice(k, k + 20);
    segments.push(
      segment(segments.length, ws[0]!.startMs, ws[ws.length - 1]!.endMs, ws.map((w) => w.text).join(''), ws),
    );
  }
  const end = words.length ? words[words.length - 1]!.endMs : 0;
  return { language, durationMs: durationMs ?? end + 2000, segments };
}

/** Words of a sentence list with a steady speaking rate and pauses between sentences. */
export function wordsOf(
  sentences: string[],
  opts: { msPerChar?: number; pauseMs?: number; gapMs?: number } = {},
): Word[] {
  const msPerChar = opts.msPerChar ?? 60;
  const words: Word[] = [];
  let t = 0;
  for (const s of sentences) {
    for (const w of s.split(/\s+/).filter(Boolean)) {
      const d = 80 + w.length * msPerChar;
      words.push({ startMs: t, endMs: t + d, text: ' ' + w, probability: 0.9 });
      t += d + (opts.gapMs ?? 40);
    }
    t += opts.pauseMs ?? 700;
  }
  return words;
}

export function graphemes(s: string): number {
  return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].length;
}

export interface CheckInput {
  words: Word[];
  cues: Cue[];
  rules: ShapingRules;
  mediaEndMs: number;
  spaced: boolean;
}

/** Which cue each word landed in, by matching the words' text against the cues' text in order. */
export function wordCues(input: CheckInput): number[] {
  const sep = input.spaced ? ' ' : '';
  const all = input.words.map((w) => w.text.trim()).join(sep);
  assert.equal(input.cues.map((c) => c.text).join(sep), all, 'cues must hold exactly the words, in order');
  const cueStarts: number[] = [];
  let pos = 0;
  for (const c of input.cues) {
    cueStarts.push(pos);
    pos += c.text.length + sep.length;
  }
  const out: number[] = [];
  pos = 0;
  let k = 0;
  for (const w of input.words) {
    while (k + 1 < cueStarts.length && cueStarts[k + 1]! <= pos) k++;
    out.push(k);
    pos += w.text.trim().length + sep.length;
  }
  return out;
}

function checkLines(c: Cue, r: ShapingRules, spaced: boolean, wordTexts: Set<string>): void {
  assert.ok(
    c.lines.length >= 1 && c.lines.length <= r.maxLines,
    `lines ${c.lines.length}: ${JSON.stringify(c.lines)}`,
  );
  assert.equal(c.lines.join(spaced ? ' ' : ''), c.text, 'lines are the text, broken only between words');
  if (graphemes(c.text) <= r.maxCharsPerLine) assert.equal(c.lines.length, 1, 'one line when the text fits');
  for (const line of c.lines) {
    const ok = graphemes(line) <= r.maxCharsPerLine || wordTexts.has(line);
    assert.ok(ok, `line over ${r.maxCharsPerLine} chars that is not a single word: "${line}"`);
  }
}

/** How good a line break after this word is: sentence end, clause end, plain, weak ("the"). */
function breakClass(word: string): number {
  if (endsSentence(word)) return 0;
  if (endsClause(word)) return 1;
  return weakEnding(word, 'en') ? 3 : 2;
}

/**
 * Balance of a two-line cue: no other break between words is at least as good a place to break
 * and more balanced, unless it is top-heavy where the chosen one is not (bottom-heavy pyramid).
 */
function checkBalance(c: Cue, r: ShapingRules): void {
  const words = c.text.split(' ');
  const top = c.lines[0]!.split(' ').length;
  const diff = (b: number): number =>
    graphemes(words.slice(0, b).join(' ')) - graphemes(words.slice(b).join(' '));
  const fits = (b: number): boolean =>
    [words.slice(0, b), words.slice(b)].every(
      (ws) => ws.length === 1 || graphemes(ws.join(' ')) <= r.maxCharsPerLine,
    );
  const d = diff(top);
  for (let b = 1; b < words.length; b++) {
    if (b === top || !fits(b) || breakClass(words[b - 1]!) > breakClass(words[top - 1]!)) continue;
    const better = Math.abs(diff(b)) < Math.abs(d) && (diff(b) <= 0 || d > 0);
    assert.ok(
      !better,
      `unbalanced ${JSON.stringify(c.lines)}: a break after word ${b} is as good and more balanced`,
    );
  }
}

/** Asserts every shaping rule, or the documented tie-break where rules conflict. */
export function checkRules(input: CheckInput): void {
  const { cues, words, rules: r } = input;
  const of = wordCues(input);
  const texts = new Set(words.map((w) => w.text.trim()));
  cues.forEach((c, k) => {
    const ws = words.filter((_, i) => of[i] === k);
    assert.ok(ws.length > 0, 'every cue holds words');
    const next = cues[k + 1];
    const prev = cues[k - 1];
    const tag = `cue ${k} ${JSON.stringify(c)}`;
    checkLines(c, r, input.spaced, texts);
    if (input.spaced && c.lines.length === 2) checkBalance(c, r);
    assert.ok(Number.isInteger(c.startMs) && Number.isInteger(c.endMs), `${tag}: integer ms`);
    assert.ok(c.endMs > c.startMs, `${tag}: ends after it starts`);
    const dur = c.endMs - c.startMs;
    assert.ok(dur <= r.maxDurationMs, `${tag}: longer than maxDurationMs`);
    if (next) assert.ok(next.startMs - c.endMs >= r.minGapMs, `${tag}: gap to the next cue under minGapMs`);
    const first = ws[0]!.startMs;
    const collided = prev !== undefined && c.startMs === prev.endMs + r.minGapMs;
    assert.ok(c.startMs === first || (c.startMs > first && collided), `${tag}: starts with its first word`);
    const touches = next !== undefined && next.startMs - c.endMs === r.minGapMs;
    const atMediaEnd = !next && c.endMs >= input.mediaEndMs;
    const atMax = dur === r.maxDurationMs;
    assert.ok(
      dur >= r.minDurationMs || touches || atMediaEnd,
      `${tag}: shorter than minDurationMs with room left`,
    );
    // Reading speed counts what is on screen: each line with its spaces, not the line breaks.
    const cps = c.lines.reduce((n, l) => n + graphemes(l), 0) / (dur / 1000);
    assert.ok(
      cps <= r.maxCharsPerSecond + 1e-9 || touches || atMax || atMediaEnd,
      `${tag}: ${cps} cps with room left`,
    );
    const lastEnd = Math.max(...ws.map((w) => w.endMs));
    assert.ok(c.endMs >= lastEnd || touches || atMax, `${tag}: hides before its last word ends`);
  });
}
