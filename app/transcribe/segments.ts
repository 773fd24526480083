/**
 * How one window's tokens become segments and where the next window starts
 * (openai/whisper transcribe.py, the body of its seek loop): consecutive timestamp pairs close
 * segments; a single timestamp at the end means the speech ended inside the window (advance by
 * the whole window); otherwise the unfinished last segment is dropped and decoding resumes at
 * the last closing timestamp.
 */

/** Frames (10 ms) per timestamp step (20 ms): N_FRAMES / n_audio_ctx. */
export const INPUT_STRIDE = 2;
/** Milliseconds per mel frame. */
export const FRAME_MS = 10;
/** Milliseconds per timestamp token step. */
export const TIMESTAMP_MS = FRAME_MS * INPUT_STRIDE;

export interface WindowSegment {
  startMs: number;
  endMs: number;
  /** The segment's tokens, timestamps included (as Whisper's segment["tokens"]). */
  tokens: number[];
}

export interface WindowSplit {
  segments: WindowSegment[];
  /** Frame where the next window starts. */
  nextSeek: number;
  /** The tokens end with text then one timestamp: no speech after it in this window. */
  singleTimestampEnding: boolean;
}

export function splitWindow(
  tokens: readonly number[],
  seek: number,
  segmentFrames: number,
  timestampBegin: number,
): WindowSplit {
  const isTs = tokens.map((t) => t >= timestampBegin);
  const n = tokens.length;
  const singleTimestampEnding = n >= 2 && !isTs[n - 2] && isTs[n - 1]!;
  const offsetMs = seek * FRAME_MS;
  const pos = (t: number): number => t - timestampBegin;
  const slices: number[] = [];
  for (let i = 0; i + 1 < n; i++) if (isTs[i] && isTs[i + 1]) slices.push(i + 1);
  if (slices.length === 0) return wholeWindow(tokens, isTs, seek, segmentFrames, timestampBegin);
  if (singleTimestampEnding) slices.push(n);
  const segments: WindowSegment[] = [];
  let last = 0;
  for (const cur of slices) {
    const sliced = tokens.slice(last, cur);
    segments.push({
      startMs: offsetMs + pos(sliced[0]!) * TIMESTAMP_MS,
      endMs: offsetMs + pos(sliced[sliced.length - 1]!) * TIMESTAMP_MS,
      tokens: sliced,
    });
    last = cur;
  }
  const nextSeek = singleTimestampEnding
    ? seek + segmentFrames
    : seek + pos(tokens[last - 1]!) * INPUT_STRIDE;
  return { segments, nextSeek, singleTimestampEnding };
}

/** No timestamp pair: one segment over the window, ending at its last timestamp if any. */
function wholeWindow(
  tokens: readonly number[],
  isTs: readonly boolean[],
  seek: number,
  segmentFrames: number,
  timestampBegin: number,
): WindowSplit {
  let durationMs = segmentFrames * FRAME_MS;
  const timestamps = tokens.filter((_, i) => isTs[i]);
  const lastTs = timestamps[timestamps.length - 1];
  if (lastTs !== undefined && lastTs !== timestampBegin)
    durationMs = (lastTs - timestampBegin) * TIMESTAMP_MS;
  const n = tokens.length;
  return {
    segments: [{ startMs: seek * FRAME_MS, endMs: seek * FRAME_MS + durationMs, tokens: [...tokens] }],
    nextSeek: seek + segmentFrames,
    singleTimestampEnding: n >= 2 && !isTs[n - 2] && isTs[n - 1]!,
  };
}
