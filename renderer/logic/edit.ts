/**
 * Editing text while keeping timings. Editing one word keeps that word's span. Editing a whole
 * segment's text re-times its words: a word that is unchanged in place keeps its span exactly;
 * otherwise the segment's span is shared out in proportion to the words' lengths, so that the
 * first and last words still begin and end the segment. Segment times never change.
 */
import type { TranscriptSegment, WordTiming } from '../../app/ipc/transcript.ts';

export function joinWords(words: readonly WordTiming[]): string {
  return words.map((w) => w.text).join('');
}

/** Whisper's words carry their leading space; an edit keeps that convention. */
function withLeadingSpace(text: string, original: string): string {
  const t = text.trim();
  return original.startsWith(' ') ? ` ${t}` : t;
}

export function editWord(seg: TranscriptSegment, index: number, text: string): TranscriptSegment {
  const old = seg.words[index];
  if (!old) return seg;
  if (!text.trim()) return removeWord(seg, index);
  const words = seg.words.map((w, i) =>
    i === index ? { ...w, text: withLeadingSpace(text, w.text), probability: 1 } : w,
  );
  return { ...seg, words, text: joinWords(words) };
}

function removeWord(seg: TranscriptSegment, index: number): TranscriptSegment {
  const words = seg.words.filter((_, i) => i !== index);
  return { ...seg, words, text: joinWords(words) };
}

export function editSegmentText(seg: TranscriptSegment, text: string): TranscriptSegment {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  if (seg.words.length === 0 || parts.length === 0)
    return { ...seg, text: parts.length ? ` ${parts.join(' ')}` : '', words: [] };
  const sameCount = parts.length === seg.words.length;
  const words: WordTiming[] = sameCount
    ? seg.words.map((w, i) => {
        const t = ` ${parts[i]}`;
        return t.trim() === w.text.trim() ? w : { ...w, text: t, probability: 1 };
      })
    : spread(parts, seg.startMs, seg.endMs);
  return { ...seg, words, text: joinWords(words) };
}

/** New words over [startMs, endMs], each getting time in proportion to its characters. */
export function spread(parts: readonly string[], startMs: number, endMs: number): WordTiming[] {
  const total = parts.reduce((n, p) => n + p.length, 0) || 1;
  let t = startMs;
  return parts.map((p, i) => {
    const end = i === parts.length - 1 ? endMs : t + ((endMs - startMs) * p.length) / total;
    const w = { text: ` ${p}`, startMs: Math.round(t), endMs: Math.round(end), probability: 1 };
    t = end;
    return w;
  });
}

/** The word (or, without words, the segment) playing at `ms`: [segmentIndex, wordIndex | -1]. */
export function locate(segments: readonly TranscriptSegment[], ms: number): [number, number] | null {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = segments[mid]!;
    if (ms < s.startMs) hi = mid - 1;
    else if (ms >= s.endMs) lo = mid + 1;
    else {
      const w = s.words.findIndex((x) => ms >= x.startMs && ms < x.endMs);
      return [mid, w];
    }
  }
  return null;
}

/** Indices of the segments whose text contains the query (case- and accent-insensitive). */
export function searchSegments(segments: readonly TranscriptSegment[], query: string): number[] {
  const q = fold(query.trim());
  if (!q) return [];
  const out: number[] = [];
  segments.forEach((s, i) => {
    if (fold(s.text).includes(q)) out.push(i);
  });
  return out;
}

export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
