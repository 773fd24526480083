/** Cancellation shared by every decoder path: one error, one message shape. */
import { SlimError } from '../../models/errors.ts';

export function cancelledError(where: string): SlimError {
  return new SlimError('CANCELLED', `${where}: decoding cancelled`);
}

export function throwIfAborted(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) throw cancelledError(where);
}
