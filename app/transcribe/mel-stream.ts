/**
 * Log-mel windows of audio of any length with bounded memory. transcribe.py computes the mel of
 * the whole file (padded with 30 s of zeros) and cuts windows out of it; here frames are computed
 * as the audio arrives and dropped once the seek point has passed them, so memory holds about one
 * window of frames plus one input chunk.
 *
 * Normalisation: Whisper floors every value at (max over the file − 8). With the whole file at
 * hand (`fromSamples`) that max is computed first, exactly; for a stream it is the running max
 * of the frames seen so far (up to the end of the window being decoded), which equals Whisper's
 * whenever the loudest moment has already passed.
 */
import { HOP_LENGTH, N_FFT } from '../../models/features/log-mel.ts';
import { throwIfCancelled } from '../decoding/cancel.ts';
import { MelFrameComputer } from './mel-frames.ts';

const HALF = N_FFT / 2;
const CHUNK = 480000; // samples handed over at a time by fromSamples

export interface MelWindow {
  /** First frame of the window (10 ms frames from the start of the audio). */
  seek: number;
  /** [nMels, windowFrames] normalised log-mel; frames past `frames` are 0, as transcribe.py pads. */
  mel: Float32Array;
  /** Frames of audio in the window (transcribe.py's segment_size). */
  frames: number;
}

export interface MelStreamOptions {
  nMels: number;
  /** Frames per encoder window: 2 · n_audio_ctx (3000 for every Whisper model). */
  windowFrames: number;
  /** The normalisation max when known in advance (log10 units). */
  globalMax?: number;
  signal?: AbortSignal;
}

export class MelStream {
  private readonly it: AsyncIterator<Float32Array>;
  private readonly computer: MelFrameComputer;
  private samples = new Float32Array(0);
  private sampleBase = 0;
  private totalSamples: number | null = null;
  private raw = new Float32Array(0);
  private energy = new Float32Array(0);
  private frameBase = 0;
  private nextFrame = 0;
  private runningMax = -Infinity;
  private keepFrom = 0;
  /** Most frames held at once (for the bounded-memory tests). */
  maxHeldFrames = 0;

  constructor(
    source: AsyncIterable<Float32Array>,
    readonly opts: MelStreamOptions,
  ) {
    this.it = source[Symbol.asyncIterator]();
    this.computer = new MelFrameComputer(opts.nMels);
  }

  /** A stream over samples in memory, normalised with their exact max as Whisper does. */
  static fromSamples(samples: Float32Array, opts: Omit<MelStreamOptions, 'globalMax'>): MelStream {
    const chunks = async function* (): AsyncGenerator<Float32Array> {
      for (let i = 0; i < samples.length; i += CHUNK) yield samples.subarray(i, i + CHUNK);
    };
    return new MelStream(chunks(), { ...opts, globalMax: maxLogMel(samples, opts.nMels) });
  }

  /** Frames of audio in the whole stream, once its end has been read (transcribe.py content_frames). */
  get contentFrames(): number | null {
    return this.totalSamples === null ? null : Math.floor(this.totalSamples / HOP_LENGTH);
  }

  /** Samples read so far. */
  get samplesRead(): number {
    return this.sampleBase + this.samples.length;
  }

  /** Computes frames up to `frameEnd` (or the end of the audio). */
  async ensure(frameEnd: number): Promise<void> {
    while (this.nextFrame < frameEnd && !this.atEnd()) {
      throwIfCancelled(this.opts.signal);
      if (!this.computeReady(frameEnd)) await this.pull();
    }
  }

  /** The window starting at frame `seek`, at most `maxFrames` long; null past the end. Frames before `seek` are dropped. */
  async window(seek: number, maxFrames = this.opts.windowFrames): Promise<MelWindow | null> {
    this.release(seek);
    await this.ensure(seek + maxFrames);
    const end = Math.min(seek + maxFrames, this.nextFrame);
    if (end <= seek) return null;
    return { seek, mel: this.normalised(seek, end), frames: end - seek };
  }

  /**
   * Window `win` as transcribe.py's language detection sees it: the first 30 s of the mel of the
   * audio padded with 30 s of silence, so frames past the end of the audio hold the log-mel of
   * that silence (floored at max − 8; the first few still reach the last samples), where a
   * decoded window holds zeros. Null when they are the same: the window is full of audio.
   */
  silencePadded(win: MelWindow): Float32Array | null {
    const W = this.opts.windowFrames;
    const end = win.seek + win.frames;
    if (win.frames >= W || this.contentFrames === null || end < this.contentFrames) return null;
    const n = this.opts.nMels;
    const floor = (this.opts.globalMax ?? this.runningMax) - 8;
    const out = win.mel.slice();
    const frame = new Float32Array(n);
    const at = (i: number): number => this.sampleAt(i);
    for (let t = end; t < win.seek + W; t++) {
      this.computer.compute(at, t * HOP_LENGTH, frame, 0);
      for (let m = 0; m < n; m++) out[m * W + (t - win.seek)] = (Math.max(frame[m]!, floor) + 4) / 4;
    }
    return out;
  }

  /** Frame energies (dB) of [from, to), within the frames held. */
  energies(from: number, to: number): Float32Array {
    return this.energy.slice(from - this.frameBase, Math.min(to, this.nextFrame) - this.frameBase);
  }

  /** Forgets frames before `frame` (now, and as they get computed: a seek may jump ahead). */
  release(frame: number): void {
    this.keepFrom = Math.max(this.keepFrom, frame);
    const drop = Math.min(this.keepFrom, this.nextFrame) - this.frameBase;
    if (drop <= 0) return;
    const n = this.opts.nMels;
    this.raw.copyWithin(0, drop * n, (this.nextFrame - this.frameBase) * n);
    this.energy.copyWithin(0, drop, this.nextFrame - this.frameBase);
    this.frameBase += drop;
  }

  private atEnd(): boolean {
    const content = this.contentFrames;
    return content !== null && this.nextFrame >= content;
  }

  private async pull(): Promise<void> {
    const r = await this.it.next();
    if (r.done) {
      this.totalSamples = this.samplesRead;
      return;
    }
    const joined = new Float32Array(this.samples.length + r.value.length);
    joined.set(this.samples);
    joined.set(r.value, this.samples.length);
    this.samples = joined;
  }

  /** Computes every frame whose samples are all available; false when more input is needed. */
  private computeReady(frameEnd: number): boolean {
    const limit = this.contentFrames ?? Math.floor((this.samplesRead - HALF) / HOP_LENGTH) + 1;
    const end = Math.min(frameEnd, limit);
    if (this.nextFrame >= end) return this.atEnd();
    this.reserve(end - this.frameBase);
    const n = this.opts.nMels;
    const at = (i: number): number => this.sampleAt(i);
    for (let t = this.nextFrame; t < end; t++) {
      const o = (t - this.frameBase) * n;
      this.energy[t - this.frameBase] = this.computer.compute(at, t * HOP_LENGTH, this.raw, o);
      for (let m = 0; m < n; m++) if (this.raw[o + m]! > this.runningMax) this.runningMax = this.raw[o + m]!;
    }
    this.nextFrame = end;
    this.release(this.keepFrom);
    this.maxHeldFrames = Math.max(this.maxHeldFrames, this.nextFrame - this.frameBase);
    this.trimSamples();
    return true;
  }

  /** Sample i of the audio reflect-padded at the start and zero-padded at the end (audio.py). */
  private sampleAt(i: number): number {
    const j = i < 0 ? -i : i;
    const k = j - this.sampleBase;
    return k < this.samples.length ? (this.samples[k] ?? 0) : 0;
  }

  /** Keeps only the samples the next frame needs (the first frames reflect into samples 1…200). */
  private trimSamples(): void {
    const keepFrom = Math.max(0, this.nextFrame * HOP_LENGTH - HALF);
    const drop = keepFrom - this.sampleBase;
    if (drop <= 0) return;
    this.samples = this.samples.slice(Math.min(drop, this.samples.length));
    this.sampleBase = keepFrom;
  }

  private reserve(frames: number): void {
    if (frames * this.opts.nMels <= this.raw.length) return;
    const cap = Math.max(frames, 2 * (this.raw.length / this.opts.nMels));
    const raw = new Float32Array(cap * this.opts.nMels);
    raw.set(this.raw);
    const energy = new Float32Array(cap);
    energy.set(this.energy);
    this.raw = raw;
    this.energy = energy;
  }

  /** Frames [from, to) scaled as audio.py: (max(x, M − 8) + 4) / 4, mel-major, zero-padded. */
  private normalised(from: number, to: number): Float32Array {
    const n = this.opts.nMels;
    const W = this.opts.windowFrames;
    const floor = (this.opts.globalMax ?? this.runningMax) - 8;
    const out = new Float32Array(n * W);
    for (let t = from; t < to; t++) {
      const o = (t - this.frameBase) * n;
      for (let m = 0; m < n; m++) out[m * W + (t - from)] = (Math.max(this.raw[o + m]!, floor) + 4) / 4;
    }
    return out;
  }
}

/** The max of log10 mel power over all frames of `samples` (a first pass, nothing kept). */
export function maxLogMel(samples: Float32Array, nMels: number): number {
  const c = new MelFrameComputer(nMels);
  const out = new Float32Array(nMels);
  const n = samples.length;
  const at = (i: number): number => {
    const j = i < 0 ? -i : i;
    return j < n ? samples[j]! : 0;
  };
  let max = -Infinity;
  // Whisper's max also sees the frames past the content that still overlap its last samples.
  const frames = Math.floor((n + HALF) / HOP_LENGTH) + 1;
  for (let t = 0; t < frames; t++) {
    c.compute(at, t * HOP_LENGTH, out, 0);
    for (let m = 0; m < nMels; m++) if (out[m]! > max) max = out[m]!;
  }
  return max;
}
