/**
 * One log-mel frame at a time, before normalisation: the numbers of openai/whisper audio.py
 * log_mel_spectrogram (400-point periodic Hann, power spectrum, mel filterbank, log10 clamped
 * at 1e-10) for a frame centred on any sample, so that a stream can be turned into frames
 * without holding it. The max − 8 floor and (x + 4) / 4 scaling come later (mel-stream.ts).
 */
import { melFilterbank } from '../../models/features/mel-filters.ts';
import { N_FFT, SAMPLE_RATE } from '../../models/features/log-mel.ts';
import { Fft } from './fft.ts';

const N_BINS = N_FFT / 2 + 1;
const HALF = N_FFT / 2;

let hann: Float64Array | undefined;

/** The periodic Hann window of torch.hann_window(400). */
function window(): Float64Array {
  if (hann) return hann;
  hann = new Float64Array(N_FFT);
  for (let i = 0; i < N_FFT; i++) hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N_FFT);
  return hann;
}

/** Reads sample i of the (reflect-padded) signal; supplied by the stream that holds the samples. */
export type SampleAt = (i: number) => number;

export class MelFrameComputer {
  private readonly filters: Float64Array;
  /** Per mel band, the range of frequency bins where its triangle is non-zero. */
  private readonly bands: Array<[number, number]> = [];
  private readonly fft = new Fft(N_FFT);
  private readonly re = new Float64Array(N_FFT);
  private readonly im = new Float64Array(N_FFT);
  private readonly power = new Float64Array(N_BINS);

  constructor(readonly nMels: number) {
    this.filters = melFilterbank(SAMPLE_RATE, N_FFT, nMels);
    for (let m = 0; m < nMels; m++) {
      let lo = 0;
      let hi = N_BINS;
      while (lo < N_BINS && this.filters[m * N_BINS + lo] === 0) lo++;
      while (hi > lo && this.filters[m * N_BINS + hi - 1] === 0) hi--;
      this.bands.push([lo, hi]);
    }
  }

  /**
   * Writes log10 mel power of the frame centred at sample `center` to out[at … at + nMels) and
   * returns the frame's mean power in dB (for silence detection).
   */
  compute(sample: SampleAt, center: number, out: Float32Array, at: number): number {
    const w = window();
    let energy = 0;
    for (let n = 0; n < N_FFT; n++) {
      const x = sample(center - HALF + n);
      energy += x * x;
      this.re[n] = x * w[n]!;
      this.im[n] = 0;
    }
    this.fft.transform(this.re, this.im);
    for (let k = 0; k < N_BINS; k++) this.power[k] = this.re[k]! * this.re[k]! + this.im[k]! * this.im[k]!;
    for (let m = 0; m < this.nMels; m++) {
      let s = 0;
      const o = m * N_BINS;
      const [lo, hi] = this.bands[m]!;
      for (let k = lo; k < hi; k++) s += this.filters[o + k]! * this.power[k]!;
      out[at + m] = Math.log10(Math.max(s, 1e-10));
    }
    return 10 * Math.log10(energy / N_FFT + 1e-10);
  }
}
