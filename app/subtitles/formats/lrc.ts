/**
 * LRC lyrics (.lrc): one "[mm:ss.xx]text" line per cue, the cue's lines joined into one. An empty
 * timestamped line clears the display where a pause of at least a second follows, and at the end.
 */
import { formatLrcTime } from '../time.ts';
import type { Cue } from '../types.ts';
import { cleanLines, displayCues } from './cues.ts';

const CLEAR_AFTER_GAP_MS = 1000;

export function toLrc(cues: readonly Cue[]): string {
  const shown = displayCues(cues);
  const out: string[] = [];
  shown.forEach((c, k) => {
    out.push(formatLrcTime(c.startMs) + (cleanLines([c.text])[0] ?? c.lines.join(' ')));
    const next = shown[k + 1];
    if (!next || next.startMs - c.endMs >= CLEAR_AFTER_GAP_MS) out.push(formatLrcTime(c.endMs));
  });
  return out.map((l) => l + '\n').join('');
}
