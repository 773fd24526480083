/** WebVTT (.vtt): "WEBVTT" header, numbered cues with "hh:mm:ss.mmm" times and escaped text. */
import { formatClock } from '../time.ts';
import type { Cue } from '../types.ts';
import { displayCues } from './cues.ts';

/**
 * Cue text is markup in VTT: "&" and "<" must be escaped, and ">" too so that "-->" can never
 * appear in a cue (it would be taken for a timing line).
 */
export function escapeVtt(line: string): string {
  return line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function toVtt(cues: readonly Cue[]): string {
  const blocks = displayCues(cues).map((c, k) =>
    [
      String(k + 1),
      `${formatClock(c.startMs, '.')} --> ${formatClock(c.endMs, '.')}`,
      ...c.lines.map(escapeVtt),
      '',
    ].join('\n'),
  );
  return ['WEBVTT', '', ...blocks].join('\n');
}
