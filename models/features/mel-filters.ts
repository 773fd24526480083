/**
 * The Slaney-style mel filterbank Whisper uses (librosa.filters.mel with htk=False and
 * norm='slaney', as stored in openai/whisper's assets/mel_filters.npz), computed rather than
 * shipped so that any n_mels works. Tested against the npz to float32 precision.
 */

const F_SP = 200 / 3; // Hz per mel below 1 kHz
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP; // 15
const LOG_STEP = Math.log(6.4) / 27;

export function hzToMel(hz: number): number {
  return hz < MIN_LOG_HZ ? hz / F_SP : MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP;
}

export function melToHz(mel: number): number {
  return mel < MIN_LOG_MEL ? mel * F_SP : MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL));
}

/** Filterbank [nMels, nFft/2 + 1], row-major, float64. */
export function melFilterbank(sampleRate: number, nFft: number, nMels: number): Float64Array {
  const nBins = Math.floor(nFft / 2) + 1;
  const fftFreqs = Array.from({ length: nBins }, (_, i) => (i * sampleRate) / nFft);
  const melMax = hzToMel(sampleRate / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHz((i * melMax) / (nMels + 1)));
  const out = new Float64Array(nMels * nBins);
  for (let m = 0; m < nMels; m++) {
    const lo = melF[m]!;
    const mid = melF[m + 1]!;
    const hi = melF[m + 2]!;
    const enorm = 2 / (hi - lo); // Slaney normalisation: constant energy per band
    for (let b = 0; b < nBins; b++) {
      const f = fftFreqs[b]!;
      const lower = (f - lo) / (mid - lo);
      const upper = (hi - f) / (hi - mid);
      out[m * nBins + b] = Math.max(0, Math.min(lower, upper)) * enorm;
    }
  }
  return out;
}
