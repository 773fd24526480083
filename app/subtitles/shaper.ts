/**
 * The subtitle shaper: re-segments a transcript's words into cues that follow the rules of
 * rules.ts. It is a shortest-path search over the places a cue may end (like Knuth–Plass line
 * breaking): every cue that can be displayed (fits maxLines × maxCharsPerLine, speech span ≤
 * maxDurationMs, inside one fallback segment) is priced, and the cheapest sequence wins.
 *
 * Prices, cheapest first: ending a cue at a sentence end (free), at clause punctuation or a pause
 * (≥ pauseMs of silence), anywhere else, and after a weak word ("the"); a cue that would read
 * faster than maxCharsPerSecond, show shorter than minDurationMs, or keep a long silence inside
 * it costs far more than any break, so those rules give way only when no layout meets them.
 *
 * Timing of a cue [i, j): it starts with its first word and ends at the latest of its words'
 * ends, start + minDurationMs and start + reading time (chars / maxCharsPerSecond), but never
 * later than start + maxDurationMs or minGapMs before the next cue's first word. A gap shorter
 * than closeGapMs left to the next cue is closed down to minGapMs.
 *
 * Tie-breaks where the rules conflict (the property tests assert exactly these):
 * - A unit wider than a line (a very long word) gets a line of its own; words are never split.
 * - A single unit spoken for longer than maxDurationMs is cut to maxDurationMs.
 * - Speech faster than the reading limit keeps its timing (subtitles stay in sync); the cue then
 *   reaches the next cue (minus the gap) or maxDurationMs, and the excess is minimised.
 * - A cue that cannot reach minDurationMs before the next cue's first word ends minGapMs before it.
 * - Colliding word times (identical starts that cannot share one cue) would leave a cue less
 *   than MIN_VISIBLE_MS on screen: it gets minDurationMs and the next cues start later, keeping
 *   minGapMs, until the word times move ahead again.
 */
import { layout, layoutLines, joinUnits, Widths, type Layout } from './layout.ts';
import { resolveRules } from './rules.ts';
import { squashSpaces, usesSpaces } from './text.ts';
import type { Cue, ShapingOptions, ShapingRules, Transcript } from './types.ts';
import { buildUnits, type Unit } from './units.ts';

/** Two frames at 24 fps: anything shorter does not register on screen. */
export const MIN_VISIBLE_MS = 83;

/** Prices of the search, in arbitrary points (only their order of magnitude matters). */
const COST = {
  cue: 6, // each cue: fewer, fuller cues when nothing else differs
  clauseBreak: 12,
  clauseAndPauseBreak: 6,
  plainBreak: 40,
  weakBreak: 12, // added: ending a cue on "the", "of" …
  sentenceInside: 10, // a sentence ending mid-cue: more than a cue, so sentences get their own
  // A silence ≥ pauseMs inside a cue shows words before they are said: a hesitation of half a
  // second is cheap to keep inside, one of two seconds costs more than a plain break.
  pauseInside: 10,
  pauseInsidePerSecond: 40,
  short: 100, // shorter than minDurationMs
  shortPerUnit: 200, // … per fraction of minDurationMs missing
  cpsLinear: 300, // reading speed over the limit, per fraction of the limit
  cpsSquare: 600,
  collision: 1e6, // would be on screen less than MIN_VISIBLE_MS
} as const;

interface Context {
  units: readonly Unit[];
  w: Widths;
  rules: ShapingRules;
  /** Latest end for the last cue: the media's end (or the last word's end, if later). */
  endLimitMs: number;
  /** For each unit, the first index of its run of equal group: cues may not start before it. */
  runStart: Int32Array;
}

interface Range {
  i: number;
  j: number;
  layout: Layout;
}

function makeContext(units: readonly Unit[], rules: ShapingRules, durationMs: number): Context {
  const runStart = new Int32Array(units.length);
  units.forEach((u, k) => {
    runStart[k] = k > 0 && units[k - 1]!.group === u.group ? runStart[k - 1]! : k;
  });
  const lastEnd = units[units.length - 1]!.endMs;
  const media = Number.isFinite(durationMs) && durationMs > 0 ? Math.round(durationMs) : Infinity;
  return { units, w: new Widths(units), rules, endLimitMs: Math.max(lastEnd, media), runStart };
}

function readMs(chars: number, rules: ShapingRules): number {
  return Math.ceil((chars * 1000) / rules.maxCharsPerSecond);
}

/** The latest a cue of units [·, j) starting at `start` may end. */
function cueLimit(ctx: Context, start: number, j: number): number {
  const next = j < ctx.units.length ? ctx.units[j]!.startMs - ctx.rules.minGapMs : ctx.endLimitMs;
  return Math.min(start + ctx.rules.maxDurationMs, next);
}

/** Price of ending a cue after unit j - 1 (the next cue starting at unit j). */
function breakCost(ctx: Context, j: number): number {
  const { units, rules } = ctx;
  if (j === units.length) return 0;
  const u = units[j - 1]!;
  if (u.group !== units[j]!.group) return 0; // a fallback segment's edge: a forced break
  if (u.sentenceEnd) return 0;
  const pause = units[j]!.startMs - u.endMs >= rules.pauseMs;
  let c =
    u.clauseEnd && pause
      ? COST.clauseAndPauseBreak
      : u.clauseEnd || pause
        ? COST.clauseBreak
        : COST.plainBreak;
  if (u.weakEnd) c += COST.weakBreak;
  return c;
}

/** Price of the timing rules for a cue of units [i, j) showing `chars` characters, speech ending at speechEnd. */
function timingCost(ctx: Context, i: number, speechEnd: number, j: number, chars: number): number {
  const { units, rules } = ctx;
  const start = units[i]!.startMs;
  const avail = cueLimit(ctx, start, j) - start;
  if (avail < MIN_VISIBLE_MS) return COST.collision;
  const need = Math.max(speechEnd - start, rules.minDurationMs, readMs(chars, rules));
  const dur = Math.min(need, avail);
  let c = 0;
  if (dur < rules.minDurationMs)
    c += COST.short + (COST.shortPerUnit * (rules.minDurationMs - dur)) / rules.minDurationMs;
  const over = (chars * 1000) / dur / rules.maxCharsPerSecond - 1;
  if (over > 0) c += COST.cpsLinear * over + COST.cpsSquare * over * over;
  return c;
}

function pauseCost(ctx: Context, k: number): number {
  const gap = ctx.units[k + 1]!.startMs - ctx.units[k]!.endMs;
  if (gap < ctx.rules.pauseMs) return 0;
  return COST.pauseInside + (COST.pauseInsidePerSecond * (gap - ctx.rules.pauseMs)) / 1000;
}

/** Cheapest sequence of cues over all units (dynamic programming over cue ends). */
function segmentUnits(ctx: Context): Range[] {
  const n = ctx.units.length;
  const { rules } = ctx;
  const best = new Float64Array(n + 1).fill(Infinity);
  const from: (Range | undefined)[] = new Array<Range | undefined>(n + 1);
  best[0] = 0;
  for (let j = 1; j <= n; j++) {
    const closing = breakCost(ctx, j) + COST.cue;
    let inside = 0; // pause prices inside [i, j), grown as i moves left
    let speechEnd = 0; // latest word end in [i, j): colliding times can put it before the last word
    for (let i = j - 1; i >= ctx.runStart[j - 1]!; i--) {
      if (i < j - 1) inside += pauseCost(ctx, i) + (ctx.units[i]!.sentenceEnd ? COST.sentenceInside : 0);
      speechEnd = Math.max(speechEnd, ctx.units[i]!.endMs);
      const single = j - i === 1;
      if (!single && speechEnd - ctx.units[i]!.startMs > rules.maxDurationMs) break;
      const lay = layout(ctx.w, i, j, rules.maxCharsPerLine, rules.maxLines);
      if (!lay) break; // only grows as i moves left
      const cost = best[i]! + closing + inside + lay.cost + timingCost(ctx, i, speechEnd, j, lay.chars);
      if (cost < best[j]!) {
        best[j] = cost;
        from[j] = { i, j, layout: lay };
      }
    }
  }
  const out: Range[] = [];
  for (let j = n; j > 0; j = from[j]!.i) out.push(from[j]!);
  return out.reverse();
}

/** Final times, in order, applying the timing rules and tie-breaks described at the top. */
function timeRanges(ctx: Context, ranges: readonly Range[]): Cue[] {
  const { units, rules, w } = ctx;
  const n = units.length;
  let prevEnd = -Infinity;
  return ranges.map(({ i, j, layout: lay }) => {
    const start = Math.max(units[i]!.startMs, prevEnd + rules.minGapMs);
    const limit = cueLimit(ctx, start, j);
    let end: number;
    if (limit - start < MIN_VISIBLE_MS) {
      end = start + Math.min(rules.maxDurationMs, Math.max(rules.minDurationMs, MIN_VISIBLE_MS));
    } else {
      const speechEnd = Math.max(...units.slice(i, j).map((u) => u.endMs));
      let desired = Math.max(speechEnd, start + rules.minDurationMs, start + readMs(lay.chars, rules));
      const nextLimit = j < n ? units[j]!.startMs - rules.minGapMs : Infinity;
      if (nextLimit - desired < rules.closeGapMs) desired = Math.max(desired, nextLimit);
      end = Math.min(desired, limit);
    }
    prevEnd = end;
    const lines = layoutLines(w, i, j, lay.breaks);
    return { startMs: start, endMs: end, lines, text: joinUnits(units, i, j) };
  });
}

/**
 * Cues shaped from the transcript's words under the given rules (see the top of this file).
 * Segments without words fall back to segment-level timing (see units.ts).
 */
export function shapeCues(transcript: Transcript, options: ShapingOptions = {}): Cue[] {
  const rules = resolveRules(options);
  const language = options.language ?? transcript.language ?? '';
  const units = buildUnits(transcript, { spaced: usesSpaces(language), language });
  if (units.length === 0) return [];
  const ctx = makeContext(units, rules, transcript.durationMs);
  return timeRanges(ctx, segmentUnits(ctx));
}

/** One cue per segment with Whisper's own times and text, unshaped (what `shaping: false` gives). */
export function segmentCues(transcript: Transcript): Cue[] {
  return transcript.segments
    .map((s) => ({ s, text: squashSpaces(s.text).trim() }))
    .filter(({ text }) => text.length > 0)
    .map(({ s, text }) => ({ startMs: s.startMs, endMs: s.endMs, lines: [text], text }));
}
