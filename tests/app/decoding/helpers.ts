/** Tokenizers of the fixture vocabularies (Whisper's layout, small byte-level BPE). */
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { WhisperTokenizer } from '../../../models/tokenizer/tokenizer.ts';
import type { ModelDimensions } from '../../../models/checkpoint/types.ts';

export const multiCkpt = makeFixtureCheckpoint({ multilingual: true, seed: 3 });
export const enCkpt = makeFixtureCheckpoint({ multilingual: false, seed: 4 });
export const tok = WhisperTokenizer.fromVocab(multiCkpt.vocab!, { multilingual: true });
export const tokEn = WhisperTokenizer.fromVocab(enCkpt.vocab!, { multilingual: false });
export const V = tok.nVocab;

/** Dimensions of a full-size context over the fixture vocabulary, for fake sessions. */
export const fakeDims = (nVocab = V, nAudioCtx = 1500): ModelDimensions => ({
  ...multiCkpt.dims,
  nVocab,
  nTextCtx: 448,
  nAudioCtx,
  nAudioState: 4,
});

export function row(fill = 0, n = V): Float32Array {
  return new Float32Array(n).fill(fill);
}

export function maskedIds(r: Float32Array): number[] {
  const out: number[] = [];
  r.forEach((v, i) => v === -Infinity && out.push(i));
  return out;
}

export function allowedIds(r: Float32Array): number[] {
  const out: number[] = [];
  r.forEach((v, i) => v !== -Infinity && out.push(i));
  return out;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
