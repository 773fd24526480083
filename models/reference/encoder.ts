/** The audio encoder in float64, as openai/whisper model.py AudioEncoder. */
import type { ModelDimensions } from '../checkpoint/types.ts';
import { AttentionWeights, qkvAttention } from './attention.ts';
import { addInPlace, conv1d, geluInPlace, layerNorm, linear, transpose } from './ops.ts';
import type { Weights64 } from './weights64.ts';

/** x[n, d] += MLP(mlp_ln(x)) for the block at `p`. */
export function mlpResidual(w: Weights64, p: string, x: Float64Array, n: number, d: number): void {
  const h = layerNorm(x, n, d, w.get(`${p}.mlp_ln.weight`), w.get(`${p}.mlp_ln.bias`));
  const a = geluInPlace(linear(h, n, w.get(`${p}.mlp.0.weight`), d, 4 * d, w.get(`${p}.mlp.0.bias`)));
  addInPlace(x, linear(a, n, w.get(`${p}.mlp.2.weight`), 4 * d, d, w.get(`${p}.mlp.2.bias`)));
}

/**
 * mel [nMels, 2·nAudioCtx] → xa [nAudioCtx, nAudioState].
 */
export function encodeReference(w: Weights64, dims: ModelDimensions, mel: Float64Array): Float64Array {
  const s = dims.nAudioState;
  const nFrames = 2 * dims.nAudioCtx;
  if (mel.length !== dims.nMels * nFrames) {
    throw new Error(`reference encoder: mel must be [${dims.nMels}, ${nFrames}], got ${mel.length} values`);
  }
  const c1 = conv1d(
    mel,
    dims.nMels,
    nFrames,
    w.get('encoder.conv1.weight'),
    s,
    3,
    w.get('encoder.conv1.bias'),
    1,
    1,
  );
  geluInPlace(c1.y);
  const c2 = conv1d(c1.y, s, c1.tOut, w.get('encoder.conv2.weight'), s, 3, w.get('encoder.conv2.bias'), 2, 1);
  geluInPlace(c2.y);
  const n = c2.tOut; // nAudioCtx
  const x = addInPlace(transpose(c2.y, s, n), w.get('encoder.positional_embedding')); // [nAudioCtx, nAudioState]
  for (let i = 0; i < dims.nAudioLayer; i++) {
    const p = `encoder.blocks.${i}`;
    const attn = new AttentionWeights(w, `${p}.attn`, s);
    const h = layerNorm(x, n, s, w.get(`${p}.attn_ln.weight`), w.get(`${p}.attn_ln.bias`));
    const o = qkvAttention(attn.query(h, n), attn.key(h, n), attn.value(h, n), n, n, s, dims.nAudioHead).out;
    addInPlace(x, attn.out(o, n));
    mlpResidual(w, p, x, n, s);
  }
  return layerNorm(x, n, s, w.get('encoder.ln_post.weight'), w.get('encoder.ln_post.bias'));
}
