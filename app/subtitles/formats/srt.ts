/** SubRip (.srt): numbered blocks, "hh:mm:ss,mmm --> hh:mm:ss,mmm", text lines, a blank line. */
import { formatClock } from '../time.ts';
import type { Cue } from '../types.ts';
import { displayCues } from './cues.ts';

export interface SrtOptions {
  /** Start with a UTF-8 byte order mark (some older players and editors need it to detect UTF-8). */
  bom?: boolean;
  /** Windows line ends (CRLF), as some hardware players expect. */
  crlf?: boolean;
}

/** SRT has no escaping; an arrow in the text could pass for a timing line in lenient parsers. */
function srtLine(line: string): string {
  return line.replaceAll('-->', '->');
}

export function toSrt(cues: readonly Cue[], options: SrtOptions = {}): string {
  const blocks = displayCues(cues).map((c, k) =>
    [
      String(k + 1),
      `${formatClock(c.startMs, ',')} --> ${formatClock(c.endMs, ',')}`,
      ...c.lines.map(srtLine),
      '',
    ].join('\n'),
  );
  const text = blocks.join('\n');
  return (options.bom ? '\ufeff' : '') + (options.crlf ? text.replace(/\n/g, '\r\n') : text);
}
