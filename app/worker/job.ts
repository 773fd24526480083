/**
 * One transcription job inside the worker: audio → 16 kHz mono (WAV decoded here, other
 * formats arrive decoded by the main process) → the engine. A host without an engine (the
 * seam's tests) runs the real log-mel front end window by window and ends with a BACKEND error.
 */
import { decodeWavBytes } from '../audio/wav-decode.ts';
import { SlimError } from '../../models/errors.ts';
import { logMelWindow, N_SAMPLES, SAMPLE_RATE } from '../../models/features/log-mel.ts';
import type { AudioPayload, AudioSource } from '../ipc/contract.ts';
import type { EngineHooks, TranscriptionEngine } from './engine.ts';
import type { TranscribeOptions } from './protocol.ts';

export interface DecodedJobAudio {
  samples: Float32Array;
  durationS: number;
  source: AudioSource;
  warnings: string[];
}

export async function decodePayload(audio: AudioPayload, signal: AbortSignal): Promise<DecodedJobAudio> {
  if (audio.kind === 'pcm')
    return {
      samples: audio.samples,
      durationS: audio.durationMs / 1000,
      source: audio.source,
      warnings: audio.warnings,
    };
  const d = await decodeWavBytes(audio.bytes, audio.name, { signal });
  return { samples: d.samples, durationS: d.durationMs / 1000, source: d.source, warnings: d.warnings };
}

/** Whisper's mel bands for the models this app ships (large-v3 uses 128: the engine will say). */
export const DEFAULT_N_MELS = 80;

/**
 * Pause/resume/cancel for one job. `gate()` also yields to the event loop, so that messages
 * (pause, cancel) are handled between units of work.
 */
export class JobControl {
  readonly abort = new AbortController();
  private paused = false;
  private waiters: Array<() => void> = [];

  constructor(readonly jobId: string) {}

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const w of this.waiters.splice(0)) w();
  }

  cancel(): void {
    this.abort.abort();
    this.resume();
  }

  async gate(): Promise<void> {
    await new Promise((r) => setTimeout(r, 0));
    while (this.paused && !this.abort.signal.aborted) await new Promise<void>((r) => this.waiters.push(r));
    if (this.abort.signal.aborted) throw new SlimError('CANCELLED', `job ${this.jobId} was cancelled`);
  }
}

/** Milliseconds → samples offset, clamped into the clip. */
export function resumeOffset(samples: number, resumeFromMs: number): number {
  return Math.min(samples, Math.max(0, Math.round((resumeFromMs * SAMPLE_RATE) / 1000)));
}

/** The front end alone: log-mel of every 30 s window, with progress. Returns the window count. */
export async function runFrontEnd(
  samples: Float32Array,
  offsetS: number,
  totalS: number,
  hooks: EngineHooks,
): Promise<number> {
  const windows = Math.max(1, Math.ceil(samples.length / N_SAMPLES));
  for (let w = 0; w < windows; w++) {
    await hooks.gate();
    logMelWindow(samples.subarray(w * N_SAMPLES, (w + 1) * N_SAMPLES), DEFAULT_N_MELS);
    const processedS = Math.min(totalS, offsetS + ((w + 1) * N_SAMPLES) / SAMPLE_RATE);
    hooks.progress('features', processedS, w + 1, windows);
  }
  return windows;
}

export const NO_ENGINE_MESSAGE =
  'No transcription engine is built into this version yet: the audio was decoded and its log-mel ' +
  'features computed, but no decoder is available to turn them into text.';

/** Runs the engine on the decoded audio (or the front end and a clear BACKEND error without one). */
export async function runEngine(
  engine: TranscriptionEngine | null,
  audio: DecodedJobAudio,
  options: TranscribeOptions,
  hooks: EngineHooks,
): Promise<void> {
  const start = resumeOffset(audio.samples.length, options.resumeFromMs);
  const samples = audio.samples.subarray(start);
  const offsetS = start / SAMPLE_RATE;
  if (engine) return engine.transcribe({ samples, offsetS, totalS: audio.durationS }, options, hooks);
  const windows = await runFrontEnd(samples, offsetS, audio.durationS, hooks);
  throw new SlimError('BACKEND', `${NO_ENGINE_MESSAGE} (${windows} window(s) of 30 s processed)`);
}
