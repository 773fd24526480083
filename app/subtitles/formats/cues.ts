/**
 * The last guard before a cue reaches a file: times cleaned (no NaN or negatives, integer ms,
 * starts never decreasing, end after start, as VTT validators demand), text reduced to non-empty
 * single lines without control characters. Blank lines are what ends a cue in SRT and VTT, so a
 * model's stray "\n\n" must never get through.
 */
import { squashSpaces } from '../text.ts';
import { cleanMs } from '../time.ts';
import type { Cue } from '../types.ts';

// C0/C1 controls other than whitespace; \0 in particular truncates strings in some players.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/gu;

export function cleanLines(lines: readonly string[]): string[] {
  return lines
    .flatMap((l) => l.split(/\r\n|[\r\n\u2028\u2029]/u))
    .map((l) => squashSpaces(l.replace(CONTROL, '')).trim())
    .filter((l) => l.length > 0);
}

export function displayCues(cues: readonly Cue[]): Cue[] {
  const out: Cue[] = [];
  let prevStart = 0;
  for (const c of cues) {
    const lines = cleanLines(c.lines);
    if (lines.length === 0) continue;
    const startMs = Math.max(cleanMs(c.startMs), prevStart);
    const endMs = Math.max(cleanMs(c.endMs), startMs + 1);
    prevStart = startMs;
    out.push({ startMs, endMs, lines, text: c.text });
  }
  return out;
}
