/**
 * From the app's transcript to app/subtitles' Transcript, and the export text for a format
 * with the user's subtitle rules. The formatters themselves live in app/subtitles.
 */
import { formatTranscript, type Transcript } from '../../app/subtitles/index.ts';
import type { ExportFormat } from '../../app/ipc/contract.ts';
import type { SubtitleRules } from '../../app/ipc/settings.ts';
import type { TranscriptSegment } from '../../app/ipc/transcript.ts';

export function toSubtitleTranscript(
  segments: readonly TranscriptSegment[],
  language: string,
  durationMs: number,
): Transcript {
  return {
    language: language === 'auto' ? 'en' : language,
    durationMs,
    segments: segments.map((s) => ({
      id: s.id,
      startMs: s.startMs,
      endMs: s.endMs,
      text: s.text,
      tokens: [],
      avgLogProb: s.avgLogProb ?? 0,
      noSpeechProb: s.noSpeechProb ?? 0,
      compressionRatio: s.compressionRatio ?? 0,
      temperature: 0,
      flags: [...s.flags],
      ...(s.words.length ? { words: s.words.map((w) => ({ ...w })) } : {}),
    })),
  };
}

export function exportText(
  segments: readonly TranscriptSegment[],
  format: ExportFormat,
  rules: SubtitleRules,
  language: string,
  durationMs: number,
): string {
  const t = toSubtitleTranscript(segments, language, durationMs);
  return formatTranscript(t, format, { shaping: { ...rules } });
}

export function exportFileName(sourceName: string, format: ExportFormat): string {
  const base = sourceName.replace(/\.[^.]+$/, '').replace(/[/\\\0:*?"<>|]+/g, '_') || 'transcript';
  return `${base}.${format}`;
}
