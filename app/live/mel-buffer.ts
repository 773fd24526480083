/**
 * The live buffer's audio and its log-mel frames, kept across passes: a pass re-encodes the
 * whole buffer, but only frames whose samples arrived since the last pass are computed (and the
 * last ones, whose 400-sample window still reached past the end and was zero-padded). The
 * buffer is cut at frame boundaries, so the frames behind the cut stay valid. Each frame's level
 * (dBFS, mel-frames.ts) is kept too, for the speech mask that keeps words heard in silence out
 * of the captions (streaming.ts).
 */
import { HOP_LENGTH, N_FFT } from '../../models/features/log-mel.ts';
import { MelFrameComputer } from '../transcribe/mel-frames.ts';

const HALF = N_FFT / 2;
/** Frames whose window reaches before the buffer start (reflect padding, as audio.py). */
const HEAD_FRAMES = Math.ceil(HALF / HOP_LENGTH);

export class MelBuffer {
  private samples = new Float32Array(16000);
  private length = 0;
  /** Log10 mel power, frame-major [frames, nMels]. */
  private raw = new Float32Array(0);
  /** Level of each frame of `raw` (dBFS). */
  private level = new Float32Array(0);
  /** Frames of `raw` whose window lay wholly inside the samples (they never change). */
  private finalFrames = 0;
  private readonly computer: MelFrameComputer;
  /** Samples cut from the front since the session started. */
  startSample = 0;

  constructor(readonly nMels: number) {
    this.computer = new MelFrameComputer(nMels);
  }

  /** Samples in the buffer. */
  get sampleCount(): number {
    return this.length;
  }

  append(chunk: Float32Array): void {
    if (this.length + chunk.length > this.samples.length) {
      const grown = new Float32Array(Math.max(2 * this.samples.length, this.length + chunk.length));
      grown.set(this.samples.subarray(0, this.length));
      this.samples = grown;
    }
    this.samples.set(chunk, this.length);
    this.length += chunk.length;
  }

  /** Cuts the first `samples` samples (rounded down to whole frames); returns how many were cut. */
  cut(samples: number): number {
    const frames = Math.min(Math.floor(samples / HOP_LENGTH), Math.floor(this.length / HOP_LENGTH));
    if (frames <= 0) return 0;
    const n = frames * HOP_LENGTH;
    this.samples.copyWithin(0, n, this.length);
    this.length -= n;
    this.startSample += n;
    const kept = Math.max(0, this.finalFrames - frames);
    this.raw.copyWithin(0, frames * this.nMels, (frames + kept) * this.nMels);
    this.level.copyWithin(0, frames, frames + kept);
    // The first frames reflect around the new start: computed again.
    this.finalFrames = kept > HEAD_FRAMES ? kept : 0;
    if (this.finalFrames > 0) this.compute(0, HEAD_FRAMES);
    return n;
  }

  /**
   * The buffer as one normalised log-mel window [nMels, windowFrames] (audio.py's max − 8
   * floor, (x + 4) / 4; zero past the audio, as transcribe.py pads), from its first
   * `windowFrames` frames at most.
   */
  window(windowFrames: number): { mel: Float32Array; frames: number } {
    const n = this.nMels;
    const frames = Math.min(Math.floor(this.length / HOP_LENGTH), windowFrames);
    if (this.raw.length < frames * n) {
      const grown = new Float32Array(Math.max(frames, 2 * (this.raw.length / n)) * n);
      grown.set(this.raw.subarray(0, this.finalFrames * n));
      this.raw = grown;
      const level = new Float32Array(grown.length / n);
      level.set(this.level.subarray(0, this.finalFrames));
      this.level = level;
    }
    this.compute(this.finalFrames, frames);
    let finalFrames = this.finalFrames;
    while (finalFrames < frames && finalFrames * HOP_LENGTH + HALF <= this.length) finalFrames++;
    this.finalFrames = finalFrames;
    let max = -Infinity;
    for (let i = 0; i < frames * n; i++) if (this.raw[i]! > max) max = this.raw[i]!;
    const floor = max - 8;
    const mel = new Float32Array(n * windowFrames);
    for (let t = 0; t < frames; t++)
      for (let m = 0; m < n; m++) mel[m * windowFrames + t] = (Math.max(this.raw[t * n + m]!, floor) + 4) / 4;
    return { mel, frames };
  }

  /** Levels (dBFS) of the `frames` first frames, as computed by the last window(). */
  levels(frames: number): Float32Array {
    return this.level.slice(0, frames);
  }

  private compute(from: number, to: number): void {
    const at = (i: number): number => {
      const j = i < 0 ? -i : i;
      return j < this.length ? this.samples[j]! : 0;
    };
    for (let t = from; t < to; t++)
      this.level[t] = this.computer.compute(at, t * HOP_LENGTH, this.raw, t * this.nMels);
  }
}
