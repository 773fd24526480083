/**
 * A shorter encoder audio context for live mode (whisper.cpp's --audio-ctx): the encoder sees
 * only the first 2 · nAudioCtx mel frames instead of 30 s, so a pass costs a fraction of a full
 * window (attention is quadratic, the rest linear in nAudioCtx), and the decoder's cross-
 * attention reads fewer rows. Whisper was trained on 30 s windows: the accuracy this costs is
 * measured by bench/live.ts (--audio-ctx), not assumed.
 */
import type { PackedDecoder } from '../../kernels/decoder/weights.ts';
import type { WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { SlimError } from '../../models/errors.ts';

/** Encoder positions per second of audio (20 ms each). */
export const POSITIONS_PER_SECOND = 50;

export function audioContextOf(ckpt: WhisperCheckpoint, seconds: number): number {
  const n = Math.round(seconds * POSITIONS_PER_SECOND);
  if (!(n >= POSITIONS_PER_SECOND && n <= ckpt.dims.nAudioCtx))
    throw new SlimError(
      'INVALID_ARGUMENT',
      `audio context of ${seconds} s: must be 1 … ${ckpt.dims.nAudioCtx / POSITIONS_PER_SECOND} s`,
    );
  return n;
}

/** The checkpoint as an encoder of `nAudioCtx` positions: the first rows of its positional table. */
export function withAudioContext(ckpt: WhisperCheckpoint, nAudioCtx: number): WhisperCheckpoint {
  if (nAudioCtx === ckpt.dims.nAudioCtx) return ckpt;
  const name = 'encoder.positional_embedding';
  const pe = ckpt.tensors.get(name);
  if (!pe) throw new SlimError('MODEL_SHAPE', `${ckpt.source.path}: ${name} is missing`);
  const width = pe.shape[1]!;
  const tensors = new Map(ckpt.tensors);
  tensors.set(name, { shape: [nAudioCtx, width], data: pe.data.slice(0, nAudioCtx * width) });
  return { ...ckpt, dims: { ...ckpt.dims, nAudioCtx }, tensors };
}

/** The packed decoder for encoder outputs of `nAudioCtx` rows (its weights do not depend on it). */
export function decoderWithAudioContext(packed: PackedDecoder, nAudioCtx: number): PackedDecoder {
  return { ...packed, dims: { ...packed.dims, nAudioCtx } };
}
