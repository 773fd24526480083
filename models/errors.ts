/**
 * The one error type of the project. It crosses process and worker boundaries as
 * plain `{ code, message }` (see `toErrorData`), so codes are stable strings.
 */
export type ErrorCode =
  | 'MODEL_NOT_FOUND'
  | 'MODEL_FORMAT'
  | 'MODEL_CORRUPT'
  | 'MODEL_CONFIG'
  | 'MODEL_SHAPE'
  | 'MODEL_DTYPE'
  | 'MODEL_HASH'
  | 'MODEL_DOWNLOAD'
  | 'MODEL_OFFLINE'
  | 'TOKENIZER'
  | 'AUDIO_FORMAT'
  | 'AUDIO_EMPTY'
  | 'AUDIO_CORRUPT'
  | 'BACKEND'
  | 'DEVICE_LOST'
  | 'CANCELLED'
  | 'INVALID_ARGUMENT'
  | 'IO'
  | 'INTERNAL';

export class SlimError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SlimError';
    this.code = code;
  }
}

export interface ErrorData {
  code: ErrorCode;
  message: string;
}

export function toErrorData(err: unknown): ErrorData {
  if (err instanceof SlimError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'INTERNAL', message: err.message };
  return { code: 'INTERNAL', message: String(err) };
}

export function fromErrorData(data: ErrorData): SlimError {
  return new SlimError(data.code, data.message);
}
