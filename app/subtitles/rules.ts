/**
 * The shaping rules and their defaults, after common broadcast subtitle guidelines (BBC, EBU,
 * Netflix timed-text style guides):
 *
 * - at most 42 characters per line and 2 lines per cue (characters = grapheme clusters);
 * - reading speed at most 17 characters per second (adult programmes; configurable up to 20);
 * - a cue shows for 0.83 s (20 frames at 24 fps) to 7 s;
 * - at least 2 frames (≈ 83 ms) between cues, so players register a change of cue;
 * - breaks go preferably at sentence ends, then at clause punctuation or pauses (≥ 0.5 s);
 * - gaps to the next cue shorter than 0.5 s are closed down to the minimum gap (less flicker).
 */
import { SlimError } from '../../models/errors.ts';
import type { ShapingOptions, ShapingRules } from './types.ts';

export const DEFAULT_RULES: Readonly<ShapingRules> = Object.freeze({
  maxCharsPerLine: 42,
  maxLines: 2,
  maxCharsPerSecond: 17,
  minDurationMs: 830,
  maxDurationMs: 7000,
  minGapMs: 83,
  pauseMs: 500,
  closeGapMs: 500,
});

/** Readers cannot follow faster text; guidelines stop at 20 cps even for fast programmes. */
export const MAX_CPS_LIMIT = 20;

function check(ok: boolean, message: string): void {
  if (!ok) throw new SlimError('INVALID_ARGUMENT', `subtitle shaping: ${message}`);
}

function isPositiveInt(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}

function isNonNegative(n: number): boolean {
  return Number.isFinite(n) && n >= 0;
}

/** Cue times are integer ms; rounding the limits the safe way keeps every guarantee exact. */
function roundTimes(r: ShapingRules): ShapingRules {
  return {
    ...r,
    minDurationMs: Math.ceil(r.minDurationMs),
    maxDurationMs: Math.max(1, Math.floor(r.maxDurationMs), Math.ceil(r.minDurationMs)),
    minGapMs: Math.ceil(r.minGapMs),
    pauseMs: Math.round(r.pauseMs),
    closeGapMs: Math.round(r.closeGapMs),
  };
}

/** Defaults filled in and every value checked, so the shaper can trust them. */
export function resolveRules(options: ShapingOptions = {}): ShapingRules {
  const r: ShapingRules = { ...DEFAULT_RULES };
  for (const key of Object.keys(DEFAULT_RULES) as (keyof ShapingRules)[]) {
    const v = options[key];
    if (v !== undefined) r[key] = v;
  }
  check(isPositiveInt(r.maxCharsPerLine), `maxCharsPerLine must be a positive integer`);
  check(isPositiveInt(r.maxLines), `maxLines must be a positive integer`);
  check(
    Number.isFinite(r.maxCharsPerSecond) && r.maxCharsPerSecond > 0 && r.maxCharsPerSecond <= MAX_CPS_LIMIT,
    `maxCharsPerSecond must be in (0, ${MAX_CPS_LIMIT}], got ${r.maxCharsPerSecond}`,
  );
  check(isNonNegative(r.minDurationMs), 'minDurationMs must be ≥ 0');
  check(
    Number.isFinite(r.maxDurationMs) && r.maxDurationMs > 0 && r.maxDurationMs >= r.minDurationMs,
    'maxDurationMs must be positive and ≥ minDurationMs',
  );
  check(isNonNegative(r.minGapMs), 'minGapMs must be ≥ 0');
  check(isNonNegative(r.pauseMs), 'pauseMs must be ≥ 0');
  check(isNonNegative(r.closeGapMs), 'closeGapMs must be ≥ 0');
  return roundTimes(r);
}
