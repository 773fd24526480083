/**
 * The engine (app/transcribe's Transcriber) behind the worker's seam: samples in, segments and
 * progress out, in the contract's form (toContractSegment) and shifted to file time for a
 * resumed job. What is still missing in the worker is the model itself (see engine.ts).
 */
import type { TranscribeEvent, TranscriptionResult } from '../transcribe/types.ts';
import type { TranscribeHooks, TranscribeOptions as EngineOptions } from '../transcribe/index.ts';
import { toContractSegment } from '../transcribe/contract.ts';
import type { TranscriptSegment } from '../ipc/transcript.ts';
import type { TranscriptionEngine } from './engine.ts';

/** What the adapter needs of a Transcriber (its transcribe method). */
export interface TranscriberLike {
  transcribe(
    audio: Float32Array,
    options?: EngineOptions,
    hooks?: TranscribeHooks,
  ): Promise<TranscriptionResult>;
}

export function shiftSegment(s: TranscriptSegment, offsetMs: number, firstId: number): TranscriptSegment {
  if (offsetMs === 0 && firstId === 0) return s;
  return {
    ...s,
    id: s.id + firstId,
    startMs: s.startMs + offsetMs,
    endMs: s.endMs + offsetMs,
    words: s.words.map((w) => ({ ...w, startMs: w.startMs + offsetMs, endMs: w.endMs + offsetMs })),
  };
}

export function transcriberEngine(transcriber: TranscriberLike): TranscriptionEngine {
  return {
    async transcribe(input, options, hooks) {
      const offsetMs = input.offsetS * 1000;
      const windows = Math.max(1, Math.ceil(input.samples.length / 16000 / 30));
      const onEvent = (e: TranscribeEvent): void => {
        if (e.type === 'segment')
          hooks.segments([shiftSegment(toContractSegment(e.segment), offsetMs, options.firstSegmentId)]);
        else if (e.type === 'notice') hooks.notice(e.code, e.message, null);
        else if (e.type === 'progress')
          hooks.progress(
            'decoding-text',
            input.offsetS + e.positionMs / 1000,
            Math.min(e.windows, windows),
            windows,
          );
      };
      hooks.progress('encoding', input.offsetS, 0, windows);
      await transcriber.transcribe(
        input.samples,
        {
          language: options.language === 'auto' ? null : options.language,
          task: options.task,
          wordTimestamps: true,
          durationMs: (input.samples.length / 16000) * 1000,
        },
        { signal: hooks.signal, gate: hooks.gate, onEvent },
      );
    },
  };
}
