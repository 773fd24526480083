/**
 * Subtitle and transcript formats: pure functions from a transcript to file text (no I/O), so the
 * same code serves the CLI in Node and the app's browser worker. Files are written by
 * app/export/write.ts.
 */
import { SlimError } from '../../models/errors.ts';
import { toCsv, toJson, toText, type CsvOptions } from './formats/plain.ts';
import { toLrc } from './formats/lrc.ts';
import { toSrt, type SrtOptions } from './formats/srt.ts';
import { toVtt } from './formats/vtt.ts';
import { segmentCues, shapeCues } from './shaper.ts';
import type { Cue, ShapingOptions, Transcript } from './types.ts';

export type { Cue, Segment, ShapingOptions, Transcript, Word } from './types.ts';
export type { CsvOptions } from './formats/plain.ts';
export type { SrtOptions } from './formats/srt.ts';
export { DEFAULT_RULES, resolveRules } from './rules.ts';
export { segmentCues, shapeCues } from './shaper.ts';
export { toCsv, toJson, toText, transcriptText } from './formats/plain.ts';
export { toLrc } from './formats/lrc.ts';
export { toSrt } from './formats/srt.ts';
export { toVtt } from './formats/vtt.ts';

export const EXPORT_FORMATS = ['srt', 'vtt', 'txt', 'json', 'csv', 'lrc'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface FormatOptions {
  /** Rules for re-segmenting words into cues, or false for one cue per Whisper segment. */
  shaping?: ShapingOptions | false;
  srt?: SrtOptions;
  csv?: CsvOptions;
}

export function isExportFormat(s: string): s is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(s);
}

/** "srt,vtt, json" → ['srt', 'vtt', 'json'] (deduplicated), or an INVALID_ARGUMENT error naming the bad one. */
export function parseFormats(list: string): ExportFormat[] {
  const out: ExportFormat[] = [];
  for (const raw of list.split(',')) {
    const f = raw.trim().toLowerCase();
    if (!f) continue;
    if (!isExportFormat(f))
      throw new SlimError(
        'INVALID_ARGUMENT',
        `unknown format "${raw.trim()}" (known: ${EXPORT_FORMATS.join(', ')})`,
      );
    if (!out.includes(f)) out.push(f);
  }
  if (out.length === 0) throw new SlimError('INVALID_ARGUMENT', 'no output format given');
  return out;
}

/** The cues the timed formats show: shaped from words by default. */
export function transcriptCues(t: Transcript, shaping: ShapingOptions | false = {}): Cue[] {
  return shaping === false ? segmentCues(t) : shapeCues(t, shaping);
}

/** Renders each requested format; cues are shaped once and shared by SRT, VTT and LRC. */
export function renderFormats(
  t: Transcript,
  formats: readonly ExportFormat[],
  options: FormatOptions = {},
): { format: ExportFormat; text: string }[] {
  let cues: Cue[] | undefined;
  const getCues = (): Cue[] => (cues ??= transcriptCues(t, options.shaping));
  const render: Record<ExportFormat, () => string> = {
    srt: () => toSrt(getCues(), options.srt),
    vtt: () => toVtt(getCues()),
    lrc: () => toLrc(getCues()),
    txt: () => toText(t),
    json: () => toJson(t),
    csv: () => toCsv(t, options.csv),
  };
  return formats.map((format) => ({ format, text: render[format]() }));
}

export function formatTranscript(t: Transcript, format: ExportFormat, options: FormatOptions = {}): string {
  return renderFormats(t, [format], options)[0]!.text;
}
