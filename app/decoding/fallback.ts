/**
 * Temperature fallback (transcribe.py decode_with_fallback): decode at T = 0; if the text is too
 * repetitive (compression ratio) or too improbable (average log-prob), decode again at the next
 * temperature, unless the window looks silent. Windows decoded together fall back together.
 */
import type { DecoderSession } from '../../kernels/decoder/types.ts';
import type { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { resolveDecodingOptions, type DecodingOptions } from './options.ts';
import type { SeededRandom } from './rng.ts';
import { runDecodeTasks } from './runner.ts';
import { DecodeTask, type DecodingResult } from './task.ts';

export interface FallbackOptions {
  /** Tried in order (Whisper: 0, 0.2, …, 1.0). */
  temperatures: readonly number[];
  compressionRatioThreshold: number | null;
  logProbThreshold: number | null;
  noSpeechThreshold: number | null;
}

export const DEFAULT_FALLBACK: FallbackOptions = {
  temperatures: [0, 0.2, 0.4, 0.6, 0.8, 1.0],
  compressionRatioThreshold: 2.4,
  logProbThreshold: -1,
  noSpeechThreshold: 0.6,
};

/** A window to decode: its audio group and the previous-text prompt. */
export interface WindowRequest {
  group: number;
  prompt: readonly number[];
}

export interface WindowOutcome {
  result: DecodingResult;
  /** Every temperature failed a threshold; the result is the last temperature's (as Whisper keeps it). */
  fallbackFailed: boolean;
}

/** Whisper's no-speech test: P(no speech) above its threshold and the text improbable. */
export function looksSilent(r: DecodingResult, o: FallbackOptions): boolean {
  return (
    o.noSpeechThreshold !== null &&
    r.noSpeechProb > o.noSpeechThreshold &&
    o.logProbThreshold !== null &&
    r.avgLogProb < o.logProbThreshold
  );
}

export function needsFallback(r: DecodingResult, o: FallbackOptions): boolean {
  const repetitive = o.compressionRatioThreshold !== null && r.compressionRatio > o.compressionRatioThreshold;
  const improbable = o.logProbThreshold !== null && r.avgLogProb < o.logProbThreshold;
  return (repetitive || improbable) && !looksSilent(r, o);
}

/** transcribe.py's should_skip: silent unless the text is probable enough. */
export function shouldSkipAsSilence(r: DecodingResult, o: FallbackOptions): boolean {
  if (o.noSpeechThreshold === null || !(r.noSpeechProb > o.noSpeechThreshold)) return false;
  return !(o.logProbThreshold !== null && r.avgLogProb > o.logProbThreshold);
}

/** Options at one temperature: beam search only at T = 0, best-of only above (transcribe.py). */
export function optionsAtTemperature(base: DecodingOptions, temperature: number): DecodingOptions {
  if (temperature > 0) return { ...base, temperature, beamSize: null, patience: null };
  return { ...base, temperature, bestOf: null };
}

export interface FallbackContext {
  session: DecoderSession;
  tokenizer: WhisperTokenizer;
  rng: SeededRandom;
  signal?: AbortSignal;
}

export async function decodeWithFallback(
  ctx: FallbackContext,
  requests: readonly WindowRequest[],
  base: DecodingOptions,
  fallback: FallbackOptions,
): Promise<WindowOutcome[]> {
  const outcomes: Array<WindowOutcome | undefined> = Array(requests.length).fill(undefined);
  let pending = requests.map((_, i) => i);
  const temps = fallback.temperatures.length ? fallback.temperatures : [0];
  for (const temperature of temps) {
    const options = resolveDecodingOptions(
      optionsAtTemperature(base, temperature),
      ctx.session.dims.nTextCtx,
    );
    const tasks = pending.map(
      (i) =>
        new DecodeTask(
          ctx.tokenizer,
          { ...options, prompt: requests[i]!.prompt },
          ctx.session.dims.nTextCtx,
          ctx.rng,
        ),
    );
    const jobs = tasks.map((task, k) => ({ task, group: requests[pending[k]!]!.group }));
    // As many windows per run as the session's batch holds (beams or samples each).
    const perRun = Math.max(1, Math.floor(ctx.session.maxBatch / (tasks[0]?.nGroup ?? 1)));
    for (let i = 0; i < jobs.length; i += perRun)
      await runDecodeTasks(ctx.session, jobs.slice(i, i + perRun), ctx.signal);
    const retry: number[] = [];
    tasks.forEach((task, k) => {
      const result = task.result();
      const failed = needsFallback(result, fallback);
      outcomes[pending[k]!] = { result, fallbackFailed: failed };
      if (failed) retry.push(pending[k]!);
    });
    pending = retry;
    if (pending.length === 0) break;
  }
  return outcomes.map((o) => o!);
}
