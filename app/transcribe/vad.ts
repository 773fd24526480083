/**
 * Energy-based speech detection and chunking for the batched mode. Frames are the log-mel's
 * 10 ms frame, their level the mean power of the 25 ms frame in dBFS. A frame is speech when
 * its level exceeds `thresholdDb` (−50 dBFS) and the noise floor (10th percentile of the frames
 * being planned) + `marginDb` (12 dB), the latter capped at `belowPeakDb` (20 dB) under the
 * loudest frame (for stretches with little silence); pauses under `minSilenceMs` (400 ms) are bridged,
 * bursts under `minSpeechMs` (100 ms) dropped, and `padMs` (200 ms) kept around speech.
 * Chunks gather consecutive speech up to one window (30 s), cut in the middle of a pause, or at
 * the quietest frame of the last third of the window when speech runs on.
 */
import type { VadOptions } from './options.ts';
import { FRAME_MS } from './segments.ts';

export interface Chunk {
  /** Frames [start, end), end − start ≤ the window. */
  start: number;
  end: number;
}

export interface ChunkPlan {
  /** The next chunk to decode, or null when the frames planned hold no speech. */
  chunk: Chunk | null;
  /** Where planning continues. */
  next: number;
}

const frames = (ms: number): number => Math.round(ms / FRAME_MS);

function percentile10(x: Float32Array): number {
  if (x.length === 0) return -Infinity;
  const s = Float32Array.from(x).sort();
  return s[Math.floor(0.1 * (s.length - 1))]!;
}

/** Speech (1) or not (0) per frame, after bridging short pauses and dropping short bursts. */
export function speechMask(energy: Float32Array, o: VadOptions): Uint8Array {
  // The floor is unreliable when the frames hold little silence: never ask more than
  // `belowPeakDb` under the loudest frame.
  let peak = -Infinity;
  for (const e of energy) if (e > peak) peak = e;
  const threshold = Math.max(
    o.thresholdDb,
    Math.min(percentile10(energy) + o.marginDb, peak - o.belowPeakDb),
  );
  const mask = energy.map((e) => (e > threshold ? 1 : 0));
  const m = Uint8Array.from(mask);
  fillRuns(m, 0, frames(o.minSilenceMs), true);
  fillRuns(m, 1, frames(o.minSpeechMs), false);
  return m;
}

/** Runs of `value` shorter than `minLen` become the other value (inner runs only when `innerOnly`). */
function fillRuns(m: Uint8Array, value: number, minLen: number, innerOnly: boolean): void {
  let i = 0;
  while (i < m.length) {
    if (m[i] !== value) {
      i++;
      continue;
    }
    let j = i;
    while (j < m.length && m[j] === value) j++;
    const inner = i > 0 && j < m.length;
    if (j - i < minLen && (inner || !innerOnly)) m.fill(1 - value, i, j);
    i = j;
  }
}

/** [start, end) runs of speech in the mask. */
export function speechRegions(mask: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  for (let i = 0; i < mask.length;) {
    if (!mask[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < mask.length && mask[j]) j++;
    out.push({ start: i, end: j });
    i = j;
  }
  return out;
}

/** Frames of lookahead past a window that planning wants before it decides (unless at the end). */
export function lookahead(windowFrames: number, o: VadOptions): number {
  return windowFrames + frames(o.padMs) + frames(o.minSilenceMs);
}

/**
 * Plans from frame `base`, given the levels of frames [base, base + energy.length): those must
 * reach `lookahead` frames past `base` unless `ended` (they are the last of the audio). Leading
 * silence is skipped first (a plan without a chunk); then the chunk starts `padMs` before the
 * speech at `base`.
 */
export function planChunk(
  energy: Float32Array,
  base: number,
  ended: boolean,
  windowFrames: number,
  o: VadOptions,
): ChunkPlan {
  const regions = speechRegions(speechMask(energy, o));
  const pad = frames(o.padMs);
  const n = energy.length;
  const keep = pad + frames(o.minSilenceMs); // frames kept unplanned in front of undecided audio
  if (regions.length === 0) return { chunk: null, next: base + (ended ? n : Math.max(1, n - keep)) };
  const start = Math.max(0, regions[0]!.start - pad);
  if (start > 0 && !ended) return { chunk: null, next: base + start };
  const limit = start + windowFrames;
  let end: number;
  if (regions[0]!.end + pad > limit) end = quietestCut(energy, start, Math.min(limit, n), windowFrames);
  else {
    let k = 0;
    while (k + 1 < regions.length && regions[k + 1]!.end + pad <= limit) k++;
    const gapEnd = regions[k + 1]?.start ?? n;
    end = Math.min(regions[k]!.end + Math.min(pad, Math.floor((gapEnd - regions[k]!.end) / 2)), n, limit);
  }
  return { chunk: { start: base + start, end: base + end }, next: base + end };
}

/** The quietest frame of the last third of [start, limit): where a long stretch of speech is cut. */
function quietestCut(energy: Float32Array, start: number, limit: number, windowFrames: number): number {
  let best = limit;
  let bestDb = Infinity;
  for (let f = Math.max(start + 1, limit - Math.floor(windowFrames / 3)); f < limit; f++) {
    if (energy[f]! < bestDb) {
      bestDb = energy[f]!;
      best = f;
    }
  }
  return best;
}
