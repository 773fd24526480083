/**
 * Whisper's log-mel front end (openai/whisper audio.py): 400-point periodic Hann STFT with
 * hop 160 on reflect-padded centred frames, power spectrum, mel filterbank, log10 clamped at
 * 1e-10, floor at max − 8, then (x + 4) / 4.
 */
import { melFilterbank } from './mel-filters.ts';

export const SAMPLE_RATE = 16000;
export const N_FFT = 400;
export const HOP_LENGTH = 160;
export const CHUNK_SECONDS = 30;
export const N_SAMPLES = SAMPLE_RATE * CHUNK_SECONDS; // 480 000
export const N_FRAMES = N_SAMPLES / HOP_LENGTH; // 3000

const N_BINS = N_FFT / 2 + 1;

interface DftTables {
  window: Float64Array;
  cos: Float64Array;
  sin: Float64Array;
}
let tables: DftTables | undefined;

function dftTables(): DftTables {
  if (tables) return tables;
  const window = new Float64Array(N_FFT);
  for (let i = 0; i < N_FFT; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N_FFT); // periodic Hann
  const cos = new Float64Array(N_BINS * N_FFT);
  const sin = new Float64Array(N_BINS * N_FFT);
  for (let k = 0; k < N_BINS; k++) {
    for (let n = 0; n < N_FFT; n++) {
      const a = (2 * Math.PI * ((k * n) % N_FFT)) / N_FFT; // reduce first: exact angles
      cos[k * N_FFT + n] = Math.cos(a);
      sin[k * N_FFT + n] = Math.sin(a);
    }
  }
  tables = { window, cos, sin };
  return tables;
}

const filterCache = new Map<number, Float64Array>();
function filters(nMels: number): Float64Array {
  let f = filterCache.get(nMels);
  if (!f) {
    f = melFilterbank(SAMPLE_RATE, N_FFT, nMels);
    filterCache.set(nMels, f);
  }
  return f;
}

/** Sample i of the signal reflect-padded by N_FFT/2 on both sides (torch.stft center=True). */
function reflected(audio: Float32Array, i: number): number {
  const n = audio.length;
  let j = i - N_FFT / 2;
  if (j < 0) j = -j;
  if (j >= n) j = 2 * (n - 1) - j;
  return audio[j] ?? 0;
}

/**
 * Log-mel spectrogram [nMels, nFrames] of 16 kHz mono audio, nFrames = floor(len / 160)
 * (torch.stft's last frame dropped, as audio.py does). Audio shorter than 201 samples is
 * zero-padded first, since reflection needs that many.
 */
export function logMelSpectrogram(
  audio: Float32Array,
  nMels: number,
): { mel: Float32Array; nFrames: number } {
  const x = audio.length > N_FFT / 2 ? audio : padTo(audio, N_FFT / 2 + 1);
  const nFrames = Math.floor(x.length / HOP_LENGTH);
  const { window, cos, sin } = dftTables();
  const fb = filters(nMels);
  const frame = new Float64Array(N_FFT);
  const power = new Float64Array(N_BINS);
  const logSpec = new Float64Array(nMels * nFrames);
  let maxVal = -Infinity;
  for (let t = 0; t < nFrames; t++) {
    const start = t * HOP_LENGTH;
    for (let n = 0; n < N_FFT; n++) frame[n] = reflected(x, start + n) * window[n]!;
    for (let k = 0; k < N_BINS; k++) {
      let re = 0;
      let im = 0;
      const o = k * N_FFT;
      for (let n = 0; n < N_FFT; n++) {
        re += frame[n]! * cos[o + n]!;
        im -= frame[n]! * sin[o + n]!;
      }
      power[k] = re * re + im * im;
    }
    for (let m = 0; m < nMels; m++) {
      let s = 0;
      const o = m * N_BINS;
      for (let k = 0; k < N_BINS; k++) s += fb[o + k]! * power[k]!;
      const v = Math.log10(Math.max(s, 1e-10));
      logSpec[m * nFrames + t] = v;
      if (v > maxVal) maxVal = v;
    }
  }
  const mel = new Float32Array(nMels * nFrames);
  for (let i = 0; i < mel.length; i++) mel[i] = (Math.max(logSpec[i]!, maxVal - 8) + 4) / 4;
  return { mel, nFrames };
}

function padTo(a: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  out.set(a);
  return out;
}

/**
 * The encoder's input for one 30 s window of at most N_SAMPLES samples: the log-mel of the
 * clip followed by 30 s of silence, first N_FRAMES frames (transcribe.py's padding), so the
 * max − 8 floor is taken over the clip as Whisper does.
 */
export function logMelWindow(audio: Float32Array, nMels: number): Float32Array {
  const clip = audio.length > N_SAMPLES ? audio.subarray(0, N_SAMPLES) : audio;
  const padded = new Float32Array(clip.length + N_SAMPLES);
  padded.set(clip);
  const { mel, nFrames } = logMelSpectrogram(padded, nMels);
  const out = new Float32Array(nMels * N_FRAMES);
  for (let m = 0; m < nMels; m++) out.set(mel.subarray(m * nFrames, m * nFrames + N_FRAMES), m * N_FRAMES);
  return out;
}
