/**
 * THE SEAM between the worker and the transcription engine. The worker owns messages, audio
 * decoding, pause/resume/cancel and progress; the engine owns everything from log-mel to text.
 *
 * The engine's side exists: app/transcribe's Transcriber, adapted to this interface by
 * transcriberEngine() (transcriber-engine.ts; tests/renderer/worker-engine.slow.test.ts runs
 * jfk.wav through EngineHost with the real base model in Node). What is missing is building a
 * Transcriber INSIDE the worker, which needs the model there:
 *   1. the chosen model's data in the worker: a `models:prepare` channel in which the main
 *      process loads the checkpoint (models/import, fs-based), converts and packs the Slim
 *      decoder (kernels/decoder/weights.ts packDecoder) and hands over dims, vocabulary,
 *      encoder weights/graph and the packed decoder as transferable buffers (cached per model
 *      fingerprint in userData); or byte-based loaders in models/import that read files the
 *      app protocol serves;
 *   2. kernels/wasm/build/kernels.wasm in dist/renderer (compiled with WebAssembly.compileStreaming
 *      in the worker) and onnxruntime-web's files from dist/renderer/ort (`env.wasm.wasmPaths`);
 *   3. on WebGPU, the GPUDevice from navigator.gpu in the worker shared with onnxruntime-web.
 * Until then loadEngine returns null and a job ends after the real front end (decoding +
 * log-mel) with a BACKEND error saying that no decoder is built in: no fake text.
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
