/**
 * The live-caption messages between the page and the engine worker (part of the worker
 * protocol's unions, app/worker/protocol.ts): plain data; audio chunks are transferred.
 */
import type { ErrorData } from '../../models/errors.ts';
import type { Task } from '../ipc/settings.ts';
import type { LiveUpdate } from './types.ts';

export interface LiveStartOptions {
  model: string;
  /** 'auto' or a Whisper language code. */
  language: string;
  task: Task;
  /** A pass per this much new audio (default 1000 ms). */
  intervalMs?: number;
  /** Encoder audio context in seconds (default LIVE_AUDIO_CTX_S; 30 = Whisper's full window). */
  audioCtxS?: number;
}

/** Page → worker. */
export type LiveRequest =
  | { type: 'live:start'; sessionId: string; options: LiveStartOptions }
  /** 16 kHz mono samples, in order. */
  | { type: 'live:audio'; sessionId: string; samples: Float32Array }
  | { type: 'live:stop'; sessionId: string };

/** Worker → page. */
export type LiveEvent =
  | { type: 'live:started'; sessionId: string; nAudioCtx: number; intervalMs: number }
  | { type: 'live:update'; sessionId: string; update: LiveUpdate }
  | { type: 'live:stopped'; sessionId: string }
  | { type: 'live:error'; sessionId: string; error: ErrorData };

export const LIVE_REQUEST_TYPES: readonly string[] = ['live:start', 'live:audio', 'live:stop'];

export function isLiveRequest(req: { type: string }): req is LiveRequest {
  return LIVE_REQUEST_TYPES.includes(req.type);
}
