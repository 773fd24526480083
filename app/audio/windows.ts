/**
 * Cuts a stream of 16 kHz chunks of any size into consecutive windows of a fixed size. Holds at
 * most one window of samples, so memory stays bounded whatever the stream's length.
 */
import { N_SAMPLES } from '../../models/features/log-mel.ts';
import { SlimError } from '../../models/errors.ts';
import type { AudioWindow } from './types.ts';

export function checkWindowSamples(n: number): void {
  if (!(Number.isInteger(n) && n > 0))
    throw new SlimError('INVALID_ARGUMENT', `windowSamples must be a positive integer, got ${n}`);
}

export class Windower {
  private buf: Float32Array;
  private fill = 0;
  private start = 0;

  constructor(readonly windowSamples: number = N_SAMPLES) {
    if (!(Number.isInteger(windowSamples) && windowSamples > 0))
      throw new SlimError(
        'INVALID_ARGUMENT',
        `windowSamples must be a positive integer, got ${windowSamples}`,
      );
    this.buf = new Float32Array(windowSamples);
  }

  /** Adds samples; returns the windows they completed (each owns its samples). */
  push(chunk: Float32Array): AudioWindow[] {
    const out: AudioWindow[] = [];
    let i = 0;
    while (i < chunk.length) {
      const n = Math.min(chunk.length - i, this.windowSamples - this.fill);
      this.buf.set(chunk.subarray(i, i + n), this.fill);
      this.fill += n;
      i += n;
      if (this.fill === this.windowSamples) out.push(this.take());
    }
    return out;
  }

  /** The last, partial window (never padded), or null when the stream ended on a boundary. */
  flush(): AudioWindow | null {
    if (this.fill === 0) return null;
    return this.take();
  }

  private take(): AudioWindow {
    const w = { startSample: this.start, samples: this.buf.slice(0, this.fill) };
    this.start += this.fill;
    this.fill = 0;
    return w;
  }
}

/** Windows of any 16 kHz chunk stream (see Windower). */
export async function* windowed(
  chunks: AsyncIterable<Float32Array>,
  windowSamples: number = N_SAMPLES,
): AsyncGenerator<AudioWindow> {
  const windower = new Windower(windowSamples);
  for await (const chunk of chunks) yield* windower.push(chunk);
  const last = windower.flush();
  if (last) yield last;
}
