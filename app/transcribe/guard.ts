/**
 * The hallucination guard. Whisper's own defences (temperature fallback on the compression
 * ratio and log-prob, skipping silent windows) miss the cases users complain about most: a
 * phrase looping across segments, and text "heard" in silence ("Thank you for watching").
 * This looks at each finished segment for those patterns and returns flags; the transcriber
 * flags or drops the segment (GuardOptions.action) and warns the user.
 */
import { findTokenLoop } from '../decoding/repetition.ts';
import type { GuardOptions } from './options.ts';
import { FRAME_MS } from './segments.ts';
import type { SegmentFlag } from './types.ts';

export interface GuardInput {
  text: string;
  /** Text tokens only (no timestamps). */
  textTokens: readonly number[];
  startMs: number;
  endMs: number;
}

/** The audio the segment came from: the frame levels of its window. */
export interface WindowLevels {
  /** First frame of the window. */
  seek: number;
  /** Level of each audio frame of the window (dBFS); frames past its end count as silent. */
  energyDb: Float32Array;
}

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export class HallucinationGuard {
  private lastText = '';
  private run = 0;

  constructor(private readonly o: GuardOptions) {}

  check(seg: GuardInput, levels: WindowLevels | null): SegmentFlag[] {
    const flags: SegmentFlag[] = [];
    if (findTokenLoop(seg.textTokens, this.o.loop)) flags.push('repetition');
    if (this.repeated(seg.text)) flags.push('repeated-segment');
    if (levels && this.silent(seg, levels)) flags.push('silence');
    return flags;
  }

  /** Counts identical texts in a row; the ones past maxRepeatedSegments are flagged. */
  private repeated(text: string): boolean {
    const t = normalise(text);
    if (t === '') return false;
    this.run = t === this.lastText ? this.run + 1 : 1;
    this.lastText = t;
    return this.run > this.o.maxRepeatedSegments;
  }

  /** Too few voiced frames under the segment (frames past the audio are silent). */
  private silent(seg: GuardInput, levels: WindowLevels): boolean {
    const from = Math.round(seg.startMs / FRAME_MS) - levels.seek;
    const to = Math.round(seg.endMs / FRAME_MS) - levels.seek;
    if (to <= from) return false;
    let peak = -Infinity;
    for (const e of levels.energyDb) peak = Math.max(peak, e);
    const threshold = Math.max(this.o.silenceDb, peak - this.o.silenceBelowPeakDb);
    let voiced = 0;
    for (let f = Math.max(0, from); f < Math.min(to, levels.energyDb.length); f++)
      if (levels.energyDb[f]! >= threshold) voiced++;
    return voiced / (to - from) < this.o.minVoicedFraction;
  }
}
