/** The transcription engine: Whisper's decoding policy over long audio, with words and progress. */
export { Transcriber, defaultAlignmentHeads } from './transcriber.ts';
export type { AudioInput, SessionFactory, TranscribeHooks, TranscriberInit } from './transcriber.ts';
export type { AudioEncoderLike } from './job.ts';
export { resolveTranscribeOptions, DEFAULT_GUARD, DEFAULT_VAD } from './options.ts';
export type { GuardOptions, TranscribeOptions, VadOptions } from './options.ts';
export { HALLUCINATION_FLAGS } from './types.ts';
export type {
  SegmentFlag,
  TranscribeEvent,
  TranscriptionResult,
  TranscriptionSegment,
  WarningCode,
  WordTimestamp,
} from './types.ts';
export { contractFlags, toContractSegment } from './contract.ts';
