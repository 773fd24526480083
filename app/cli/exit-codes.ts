import type { ErrorCode } from '../../models/errors.ts';

/** Exit codes of the CLI: scripts can tell a bad model from bad audio from a usage error. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  model: 3,
  audio: 4,
  backend: 5,
  cancelled: 130,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  if (code.startsWith('MODEL_') || code === 'TOKENIZER') return EXIT.model;
  if (code.startsWith('AUDIO_')) return EXIT.audio;
  if (code === 'BACKEND' || code === 'DEVICE_LOST') return EXIT.backend;
  if (code === 'CANCELLED') return EXIT.cancelled;
  if (code === 'INVALID_ARGUMENT') return EXIT.usage;
  return EXIT.failure;
}
