/** Plain text (.txt), JSON (.json) and CSV (.csv): whole-transcript formats, from segments. */
import { cleanLines } from './cues.ts';
import { joinPieces, usesSpaces } from '../text.ts';
import { cleanMs } from '../time.ts';
import type { Segment, Transcript } from '../types.ts';

/** The transcript as one string, segments joined the way the language joins words. */
export function transcriptText(t: Transcript): string {
  return joinPieces(
    t.segments.map((s) => cleanLines([s.text]).join(' ')),
    usesSpaces(t.language),
  );
}

/** One segment per line, as Whisper's own .txt writer does. */
export function toText(t: Transcript): string {
  return t.segments
    .map((s) => cleanLines([s.text]).join(' '))
    .filter((l) => l.length > 0)
    .map((l) => l + '\n')
    .join('');
}

/** The full structure plus the joined text; NaN and infinities become null, as JSON requires. */
export function toJson(t: Transcript): string {
  const { language, durationMs, segments, ...rest } = t; // rest: any fields a later engine adds
  return JSON.stringify({ language, durationMs, text: transcriptText(t), segments, ...rest }, null, 2) + '\n';
}

export interface CsvOptions {
  /** One row per segment (default) or per word. */
  level?: 'segment' | 'word';
  /** A UTF-8 byte order mark, which spreadsheet programs need to read non-ASCII text right. */
  bom?: boolean;
}

/** RFC 4180: quote a field holding a comma, quote or line break (or edge spaces), double quotes. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/u.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function confidence(p: number): string {
  return Number.isFinite(p) ? Math.min(1, Math.max(0, p)).toFixed(4) : '';
}

/** A segment's confidence: its words' mean probability, else exp(average token log-probability). */
export function segmentConfidence(s: Segment): number {
  const ps = (s.words ?? []).map((w) => w.probability).filter(Number.isFinite);
  if (ps.length > 0) return ps.reduce((a, b) => a + b, 0) / ps.length;
  return Math.exp(s.avgLogProb);
}

function csvRow(start: number, end: number, text: string, conf: number): string {
  return [String(cleanMs(start)), String(cleanMs(end)), csvField(text), confidence(conf)].join(',');
}

/** Columns start,end (integer milliseconds, as Whisper's .tsv writer),text,confidence; CRLF rows. */
export function toCsv(t: Transcript, options: CsvOptions = {}): string {
  const rows =
    options.level === 'word'
      ? t.segments.flatMap((s) =>
          (s.words ?? []).map((w) =>
            csvRow(w.startMs, w.endMs, cleanLines([w.text]).join(' '), w.probability),
          ),
        )
      : t.segments.map((s) =>
          csvRow(s.startMs, s.endMs, cleanLines([s.text]).join(' '), segmentConfidence(s)),
        );
  return (
    (options.bom ? '\ufeff' : '') + ['start,end,text,confidence', ...rows].map((r) => r + '\r\n').join('')
  );
}
