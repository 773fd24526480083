/**
 * The messages between the renderer and the engine worker: a typed union of plain data, sent
 * with postMessage (audio buffers are transferred, not copied). Errors are `{ code, message }`
 * (models/errors.ts `toErrorData`), never Error objects, so that they survive structured clone.
 */
import { LIVE_REQUEST_TYPES, type LiveEvent, type LiveRequest } from '../live/protocol.ts';
import type { ErrorData } from '../../models/errors.ts';
import type { SourceFormat } from '../../models/checkpoint/types.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import type { AudioPayload, AudioSource } from '../ipc/contract.ts';
import type { BackendSetting, Task } from '../ipc/settings.ts';
import type { TranscriptSegment } from '../ipc/transcript.ts';

export interface TranscribeOptions {
  model: string;
  /** 'auto' or a Whisper language code. */
  language: string;
  task: Task;
  /** Milliseconds of audio to skip: a resumed job continues after its last saved segment. */
  resumeFromMs: number;
  /** Id of the first new segment (a resumed job continues its numbering; ids are unique per job). */
  firstSegmentId: number;
}

/**
 * A model's files as the main process serves them (models:files / models:read), by name
 * relative to its folder, and the self-attention forms of its measured conversion (null: none).
 */
export interface ModelData {
  format: SourceFormat;
  files: Record<string, Uint8Array>;
  forms: SelfForm[] | null;
}

/** Renderer → worker. */
export type WorkerRequest =
  | { type: 'init'; backend: BackendSetting; threads: number }
  /** The answer to a 'need-model' event. */
  | { type: 'model'; model: string; data: ModelData | null; error: ErrorData | null }
  | { type: 'transcribe'; jobId: string; audio: AudioPayload; options: TranscribeOptions }
  | { type: 'pause'; jobId: string }
  | { type: 'resume'; jobId: string }
  | { type: 'cancel'; jobId: string }
  | LiveRequest;

/** The transcriber's notices (app/transcribe/types.ts TranscribeEvent 'notice'). */
export type EngineNoticeCode = 'backend-fallback';

/** What the backend probe found: shown by the indicator, logged with each job. */
export interface BackendStatus {
  backend: 'webgpu' | 'wasm';
  /** One sentence: why this backend (from app/encoder/backend.ts chooseBackend). */
  reason: string;
  /** The WebGPU adapter's name, or null where none was found. */
  adapter: string | null;
  /** True when the adapter is a CPU renderer (SwiftShader, llvmpipe, WARP). */
  softwareAdapter: boolean;
  /** True when WebGPU was wanted (auto or asked) but the engine runs on WASM instead. */
  fellBack: boolean;
  threads: number;
  crossOriginIsolated: boolean;
}

export type JobStage = 'decoding' | 'loading-model' | 'features' | 'encoding' | 'decoding-text';

export interface JobProgress {
  stage: JobStage;
  /** Seconds of audio done (from the file's start, resumed part included). */
  processedS: number;
  totalS: number;
  /** Windows of 30 s done and in all. */
  window: number;
  windows: number;
}

/** Worker → renderer. */
export type WorkerEvent =
  | { type: 'ready'; backend: BackendStatus }
  /** The worker needs a model's files (answered with a 'model' request); sent once per model. */
  | { type: 'need-model'; model: string }
  /** The engine of a model is being built ('loading') or is ready ('ready', with its backend). */
  | { type: 'engine'; model: string; state: 'loading' | 'ready'; detail: string }
  | {
      type: 'audio';
      jobId: string;
      durationS: number;
      source: AudioSource;
      warnings: string[];
      playback: Float32Array;
    }
  | { type: 'progress'; jobId: string; progress: JobProgress }
  /**
   * The job goes on differently than it started (the transcriber's 'notice'): on a lost WebGPU
   * device it moved to the WASM decoder, and `backend` is where the engine runs now (null: unchanged).
   */
  | { type: 'notice'; jobId: string; code: EngineNoticeCode; message: string; backend: BackendStatus | null }
  | { type: 'segments'; jobId: string; segments: TranscriptSegment[] }
  | { type: 'paused'; jobId: string }
  | { type: 'resumed'; jobId: string }
  | { type: 'done'; jobId: string }
  | { type: 'cancelled'; jobId: string }
  | { type: 'error'; jobId: string | null; error: ErrorData }
  | LiveEvent;

export type WorkerEventType = WorkerEvent['type'];

/** The transferables of a request (audio bytes move to the worker instead of being copied). */
export function requestTransfer(req: WorkerRequest): ArrayBuffer[] {
  if (req.type === 'model')
    return Object.values(req.data?.files ?? {})
      .map((b) => b.buffer)
      .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  if (req.type === 'live:audio') return req.samples.buffer instanceof ArrayBuffer ? [req.samples.buffer] : [];
  if (req.type !== 'transcribe') return [];
  const a = req.audio;
  return [a.kind === 'wav' ? a.bytes.buffer : a.samples.buffer].filter(
    (b): b is ArrayBuffer => b instanceof ArrayBuffer,
  );
}

export function eventTransfer(_ev: WorkerEvent): ArrayBuffer[] {
  return []; // events are small; kept as a hook for the live-caption stage (audio back to the page)
}

const REQUEST_TYPES = new Set<string>([
  'init',
  'model',
  'transcribe',
  'pause',
  'resume',
  'cancel',
  ...LIVE_REQUEST_TYPES,
]);

/** A cheap shape check of an incoming request (the worker only talks to its own page). */
export function isWorkerRequest(v: unknown): v is WorkerRequest {
  return typeof v === 'object' && v !== null && REQUEST_TYPES.has((v as { type?: unknown }).type as string);
}
