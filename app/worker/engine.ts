/**
 * THE SEAM between the worker and the transcription engine (encoder + Slim decoder + decoding
 * policy), which is being built in app/ by the engine issues. The worker owns messages, audio
 * decoding, pause/resume/cancel and progress; the engine owns everything from log-mel to text.
 *
 * To plug the engine in: make `loadEngine` return an object implementing TranscriptionEngine
 * for the model id (the model's files still have to reach the worker: add a `models:read`
 * channel that hands the chosen model's bytes from the main process, or serve the model folder
 * from the app protocol). Until then it returns null and a job ends after the real front end
 * (decoding + log-mel) with a BACKEND error saying that no decoder is built in: no fake text.
 */
import type { BackendStatus, JobStage, TranscribeOptions } from './protocol.ts';
import type { TranscriptSegment } from '../ipc/transcript.ts';

export interface EngineHooks {
  /** Report progress: `processedS` counts from the start of the file. */
  progress(stage: JobStage, processedS: number, window: number, windows: number): void;
  /** Hand finished segments over (they are journaled at once: a crash loses none). */
  segments(segments: TranscriptSegment[]): void;
  /** Await between units of work: waits while the job is paused, throws CANCELLED when cancelled. */
  gate(): Promise<void>;
  signal: AbortSignal;
}

export interface EngineInput {
  /** 16 kHz mono, starting `offsetS` seconds into the file (a resumed job skips what it has). */
  samples: Float32Array;
  offsetS: number;
  /** Length of the whole file in seconds. */
  totalS: number;
}

export interface TranscriptionEngine {
  transcribe(input: EngineInput, options: TranscribeOptions, hooks: EngineHooks): Promise<void>;
}

/** SEAM: no engine is built in yet. */
export async function loadEngine(
  _model: string,
  _backend: BackendStatus,
): Promise<TranscriptionEngine | null> {
  return null;
}
