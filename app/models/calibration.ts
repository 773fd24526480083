/**
 * Real speech for the Slim conversion's measurements: clips the user names, or in a checkout
 * the shared test clips beside the project. Each is turned into the encoder output the
 * reference decoder attends to.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { logMelWindow, N_FRAMES } from '../../models/features/log-mel.ts';
import { encodeReference } from '../../models/reference/encoder.ts';
import type { Weights64 } from '../../models/reference/weights64.ts';
import type { CalibrationClip, CalibrationTokens } from '../../models/slim/calibrate.ts';
import { SlimError } from '../../models/errors.ts';
import { readAudioFile } from '../audio/read.ts';

/** Five short English clips of different speakers and recording conditions. */
const DEFAULT_CLIPS = [
  'jfk.wav',
  'harvard-spk1_snt1.wav',
  'leopard-en.wav',
  'librispeech-1272-141231-0002.wav',
  'wizard.wav',
];

/** The shared clips of a development checkout (../shared/audio from the project root), if present. */
export function defaultCalibrationClips(count = DEFAULT_CLIPS.length): string[] {
  const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
  const dir = process.env.SLIM_WHISPER_CALIBRATION_DIR ?? join(root, '..', 'shared', 'audio');
  return DEFAULT_CLIPS.slice(0, count)
    .map((f) => join(dir, f))
    .filter((p) => existsSync(p));
}

/** mel [nMels, 3000] → encoder output [nAudioCtx, nAudioState] in float64. */
export type CalibrationEncoder = (mel: Float32Array) => Promise<Float64Array>;

/** The float64 reference encoder: exact, slow (about a minute per window for base on 2 cores). */
export function referenceEncoder(w: Weights64, ckpt: WhisperCheckpoint): CalibrationEncoder {
  return async (mel) => encodeReference(w, ckpt.dims, Float64Array.from(mel));
}

export async function loadCalibrationClips(
  paths: string[],
  ckpt: WhisperCheckpoint,
  encode: CalibrationEncoder,
): Promise<CalibrationClip[]> {
  const clips: CalibrationClip[] = [];
  for (const path of paths) {
    const audio = await readAudioFile(path);
    if (audio.samples.length === 0) throw new SlimError('AUDIO_EMPTY', `${path}: no audio to calibrate with`);
    const mel = logMelWindow(audio.samples, ckpt.dims.nMels);
    clips.push({
      name: basename(path),
      xa: await encode(leadingFrames(mel, ckpt.dims.nMels, 2 * ckpt.dims.nAudioCtx)),
    });
  }
  return clips;
}

/** The first nFrames frames of a [nMels, N_FRAMES] log-mel: small test models have a short audio context. */
function leadingFrames(mel: Float32Array, nMels: number, nFrames: number): Float32Array {
  if (nFrames === N_FRAMES) return mel;
  const out = new Float32Array(nMels * nFrames);
  for (let m = 0; m < nMels; m++) out.set(mel.subarray(m * N_FRAMES, m * N_FRAMES + nFrames), m * nFrames);
  return out;
}

/** The special ids the calibration's greedy decode needs, from the checkpoint's vocabulary. */
export function calibrationTokens(ckpt: WhisperCheckpoint): CalibrationTokens {
  const specials = ckpt.vocab?.specials;
  if (!specials)
    throw new SlimError('TOKENIZER', `${ckpt.source.path}: no vocabulary, cannot decode for calibration`);
  const get = (t: string): number => {
    const id = specials.get(t);
    if (id === undefined) throw new SlimError('TOKENIZER', `${ckpt.source.path}: vocabulary lacks ${t}`);
    return id;
  };
  const languages = ckpt.multilingual
    ? [...specials.entries()].filter(([t]) => /^<\|[a-z]{2,3}\|>$/.test(t)).map(([, id]) => id)
    : [];
  return {
    sot: get('<|startoftranscript|>'),
    eot: get('<|endoftext|>'),
    noTimestamps: get('<|notimestamps|>'),
    languages,
    ...(ckpt.multilingual ? { transcribe: get('<|transcribe|>') } : {}),
  };
}
