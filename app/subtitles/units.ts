/**
 * Turns a transcript into the shaper's units: the smallest pieces a line or cue may break
 * between. In spaced languages a unit is a word (never split); in languages without spaces it
 * is a dictionary word of the platform segmenter, so breaks fall between characters but never
 * inside a grapheme. Punctuation that only opens or only closes is glued to its neighbour, so
 * no line starts with "。" or "?" and none ends with "(" or "«".
 *
 * Segments without word timings fall back to segment-level timing: their text is split the same
 * way with times interpolated by character count, and a cue never spans such a segment's edge.
 */
import type { Segment, Transcript, Word } from './types.ts';
import {
  charCount,
  endsClause,
  endsSentence,
  isClosingOnly,
  isOpeningOnly,
  splitPieces,
  squashSpaces,
  weakEnding,
} from './text.ts';

export interface Unit {
  /** Display text: trimmed, single-spaced. */
  text: string;
  chars: number;
  /** Joined to the previous unit with a space (when on the same line). */
  spaceBefore: boolean;
  startMs: number;
  endMs: number;
  /** -1 for real word timings (cues may cross segments); the segment index for interpolated ones. */
  group: number;
  sentenceEnd: boolean;
  clauseEnd: boolean;
  weakEnd: boolean;
}

interface Piece {
  text: string;
  spaceBefore: boolean;
  startMs: number;
  endMs: number;
  group: number;
}

export interface UnitContext {
  spaced: boolean;
  language: string;
}

function hasWords(s: Segment): s is Segment & { words: Word[] } {
  return Array.isArray(s.words) && s.words.some((w) => w.text.trim().length > 0);
}

/** Text with a time span for each UTF-16 code unit, built word by word. */
class TimedText {
  text = '';
  private starts: number[] = [];
  private ends: number[] = [];

  /** Appends a word, spreading its time span evenly over its characters. */
  add(raw: string, startMs: number, endMs: number, spaceBefore: boolean): void {
    const t = squashSpaces(raw).trim();
    if (!t) return;
    if (spaceBefore && this.text) this.push(' ', startMs, startMs);
    const span = Math.max(0, endMs - startMs);
    for (let k = 0; k < t.length; k++)
      this.push(t[k]!, startMs + (span * k) / t.length, startMs + (span * (k + 1)) / t.length);
  }

  private push(ch: string, s: number, e: number): void {
    this.text += ch;
    this.starts.push(s);
    this.ends.push(e);
  }

  /** Break-safe pieces of the whole text, each timed by its first and last character. */
  pieces(ctx: UnitContext, group: number): Piece[] {
    return splitPieces(this.text, ctx.spaced, ctx.language).map((p) => ({
      text: p.text,
      spaceBefore: p.spaceBefore,
      startMs: this.starts[p.index]!,
      endMs: this.ends[p.index + p.text.length - 1]!,
      group,
    }));
  }
}

function wordPieces(words: Word[], ctx: UnitContext, forceSpace: boolean): Piece[] {
  if (!ctx.spaced) {
    // Whisper's words in these languages are token fragments; re-cut the joined text into words.
    const tt = new TimedText();
    for (const w of words) tt.add(w.text, w.startMs, w.endMs, /^\s/u.test(w.text));
    return tt.pieces(ctx, -1);
  }
  const out: Piece[] = [];
  words.forEach((w, k) => {
    const text = squashSpaces(w.text).trim();
    const spaceBefore = k === 0 || forceSpace || /^\s/u.test(w.text);
    if (text) out.push({ text, spaceBefore, startMs: w.startMs, endMs: w.endMs, group: -1 });
  });
  return out;
}

function segmentPieces(transcript: Transcript, ctx: UnitContext): Piece[] {
  // Some engines trim word texts; in a spaced language that must not glue the words together.
  const anyLeadingSpace = transcript.segments.some(
    (s) => hasWords(s) && s.words.some((w) => /^\s/u.test(w.text)),
  );
  const forceSpace = !anyLeadingSpace;
  return transcript.segments.flatMap((seg, si) => {
    if (hasWords(seg)) return wordPieces(seg.words, ctx, forceSpace);
    const tt = new TimedText(); // no word times: spread the segment's span by character
    tt.add(seg.text, seg.startMs, seg.endMs, false);
    return tt.pieces(ctx, si);
  });
}

/** Integer, non-negative, non-decreasing starts; ends never before starts; NaN borrows a neighbour. */
function sanitizeTimes(pieces: Piece[]): void {
  let prevStart = 0;
  let prevEnd = 0;
  for (const p of pieces) {
    let s = Number.isFinite(p.startMs) ? Math.round(p.startMs) : prevEnd;
    s = Math.max(0, s, prevStart);
    let e = Number.isFinite(p.endMs) ? Math.round(p.endMs) : s;
    e = Math.max(e, s);
    p.startMs = s;
    p.endMs = e;
    prevStart = s;
    prevEnd = e;
  }
}

function glue(a: Piece, b: Piece): Piece {
  const text = a.text + (b.spaceBefore ? ' ' : '') + b.text;
  return { ...a, text, startMs: Math.min(a.startMs, b.startMs), endMs: Math.max(a.endMs, b.endMs) };
}

/** Closing punctuation joins the piece before it, opening punctuation the piece after it. */
function gluePunctuation(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  let pending: Piece | undefined;
  for (const p of pieces) {
    const cur = pending && pending.group === p.group ? glue(pending, p) : p;
    if (pending && pending.group !== p.group) out.push(pending);
    pending = undefined;
    const prev = out[out.length - 1];
    if (prev && prev.group === cur.group && isClosingOnly(cur.text)) {
      out[out.length - 1] = glue(prev, cur);
      continue;
    }
    if (isOpeningOnly(cur.text)) {
      pending = cur;
      continue;
    }
    out.push(cur);
  }
  if (pending) out.push(pending);
  return out;
}

export function buildUnits(transcript: Transcript, ctx: UnitContext): Unit[] {
  const pieces = segmentPieces(transcript, ctx);
  sanitizeTimes(pieces);
  return gluePunctuation(pieces).map((p) => ({
    ...p,
    chars: charCount(p.text),
    sentenceEnd: endsSentence(p.text),
    clauseEnd: endsClause(p.text),
    weakEnd: weakEnding(p.text, ctx.language),
  }));
}
