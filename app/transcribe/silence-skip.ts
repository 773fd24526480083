/**
 * transcribe.py's hallucination_silence_threshold (with word timestamps): skip the silence in
 * front of a likely hallucination, and drop an anomalous segment that silence surrounds.
 */
import { isSegmentAnomaly, type WorkSegment } from './job.ts';

export interface SilenceSkipInput {
  segments: WorkSegment[];
  threshold: number;
  /** Seconds: window start, window end (start + 30 s), audio in the window, audio in the file (∞ while unknown). */
  timeOffset: number;
  windowEnd: number;
  segmentDuration: number;
  contentDuration: number;
  previousSeek: number;
  seek: number;
  singleTimestampEnding: boolean;
  lastSpeech: number;
  punctuation: string;
}

export interface SilenceSkipResult {
  seek: number;
  /** The segments to keep (a cut at the first hallucination surrounded by silence). */
  segments: WorkSegment[];
  /** The whole window is dropped: seek past the leading silence and decode again. */
  skipWindow: boolean;
}

const FRAMES_PER_SECOND = 100;

export function lastWordEnd(segments: readonly WorkSegment[]): number | null {
  for (let i = segments.length - 1; i >= 0; i--) {
    const w = segments[i]!.words;
    if (w.length) return w[w.length - 1]!.end;
  }
  return segments.length ? segments[segments.length - 1]!.end : null;
}

export function applySilenceSkip(x: SilenceSkipInput): SilenceSkipResult {
  const anomaly = (s: WorkSegment | undefined): boolean => !!s && isSegmentAnomaly(s.words, x.punctuation);
  let seek = x.seek;
  if (!x.singleTimestampEnding) {
    const end = lastWordEnd(x.segments);
    if (end !== null && end > x.timeOffset)
      seek =
        x.windowEnd - end > x.threshold
          ? Math.round(end * FRAMES_PER_SECOND)
          : x.previousSeek + Math.round(x.segmentDuration * FRAMES_PER_SECOND);
  }
  const withWords = x.segments.filter((s) => s.words.length);
  const first = withWords[0];
  if (first && anomaly(first) && first.start - x.timeOffset > x.threshold)
    return {
      seek: x.previousSeek + Math.round((first.start - x.timeOffset) * FRAMES_PER_SECOND),
      segments: [],
      skipWindow: true,
    };
  let halLastEnd = x.lastSpeech;
  for (let si = 0; si < x.segments.length; si++) {
    const seg = x.segments[si]!;
    if (!seg.words.length) continue;
    if (anomaly(seg)) {
      const next = x.segments.slice(si + 1).find((s) => s.words.length);
      const nextStart = next ? next.words[0]!.start : x.timeOffset + x.segmentDuration;
      const before =
        seg.start - halLastEnd > x.threshold || seg.start < x.threshold || seg.start - x.timeOffset < 2;
      const after = nextStart - seg.end > x.threshold || anomaly(next) || x.windowEnd - seg.end < 2;
      if (before && after) {
        seek = Math.round(Math.max(x.timeOffset + 1, seg.start) * FRAMES_PER_SECOND);
        if (x.contentDuration - seg.end < x.threshold)
          seek = Math.round(x.contentDuration * FRAMES_PER_SECOND);
        return { seek, segments: x.segments.slice(0, si), skipWindow: false };
      }
    }
    halLastEnd = seg.end;
  }
  return { seek, segments: x.segments, skipWindow: false };
}
