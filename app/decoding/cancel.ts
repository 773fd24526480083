/** Cancellation of a transcription at any await point: one error code, 'CANCELLED'. */
import { SlimError } from '../../models/errors.ts';

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SlimError('CANCELLED', 'transcription cancelled');
}
