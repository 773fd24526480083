import { createHash } from 'node:crypto';
import { expectedTensors } from './names.ts';
import type { WhisperCheckpoint } from './types.ts';

/**
 * A content hash of the canonical weights (names, shapes and float32 bytes in a fixed order):
 * the same model gives the same fingerprint whatever file format it came in, so a conversion
 * measured once is found again.
 */
export function checkpointFingerprint(ckpt: WhisperCheckpoint): string {
  const h = createHash('sha256');
  const d = ckpt.dims; // a fixed key order: loaders build dims in different orders
  h.update(
    [
      d.nMels,
      d.nAudioCtx,
      d.nAudioState,
      d.nAudioHead,
      d.nAudioLayer,
      d.nVocab,
      d.nTextCtx,
      d.nTextState,
      d.nTextHead,
      d.nTextLayer,
    ].join(','),
  );
  for (const name of expectedTensors(ckpt.dims).keys()) {
    const t = ckpt.tensors.get(name)!;
    h.update(`${name}:${t.shape.join('x')};`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}
