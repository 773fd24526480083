/**
 * The Slim decoder in float64 (Option 2): one cached matrix per layer for self-attention
 * (K in the K-cache form, the attention input Y in the X-cache form), no cross-attention cache,
 * the encoder output stored once. The oracle for the WGSL and WASM Slim decoders; in f64 it
 * equals the standard decoder (ReferenceDecoder) to rounding.
 */
import type { ModelDimensions } from '../checkpoint/types.ts';
import { AttentionWeights } from '../reference/attention.ts';
import { mlpResidual } from '../reference/encoder.ts';
import { ReferenceDecoder } from '../reference/decoder.ts';
import { addInPlace, layerNorm, linear } from '../reference/ops.ts';
import type { Weights64 } from '../reference/weights64.ts';
import { foldedAttention, kCacheAttention } from './attention64.ts';
import type { SlimLayer } from './convert.ts';
import { rounded, type Precision } from './precision.ts';

export type SelfForm = 'k-cache' | 'x-cache';

export interface SlimDecoderState {
  offset: number;
  /** Per layer: K rows (k-cache) or Y rows (x-cache), [offset, nTextState]. */
  cache: Float64Array[];
  /** The encoder output, stored once (rounded to the cache precision). */
  xa: Float64Array;
}

export class SlimReferenceDecoder {
  private readonly embedder: ReferenceDecoder;
  constructor(
    readonly w: Weights64,
    readonly dims: ModelDimensions,
    readonly layers: SlimLayer[],
    readonly forms: SelfForm[],
    readonly precision: Precision = 'f64',
  ) {
    if (forms.length !== dims.nTextLayer) throw new Error('SlimReferenceDecoder: one form per layer');
    this.embedder = new ReferenceDecoder(w, dims);
  }

  newState(xa: Float64Array): SlimDecoderState {
    return { offset: 0, cache: this.layers.map(() => new Float64Array(0)), xa: rounded(xa, this.precision) };
  }

  /**
   * Feeds `tokens`; returns their logits [n, nVocab]. With `crossWeights`, entry l receives layer
   * l's cross-attention weights [h, n, nAudioCtx] (for word alignment).
   */
  forward(state: SlimDecoderState, tokens: readonly number[], crossWeights?: Float64Array[]): Float64Array {
    const { nTextState: d, nTextHead: h, nVocab, nAudioCtx } = this.dims;
    const n = tokens.length;
    const x = this.embedder.embed(tokens, state.offset);
    for (const L of this.layers) {
      const p = `decoder.blocks.${L.layer}`;
      const attn = new AttentionWeights(this.w, `${p}.attn`, d);
      const y = layerNorm(x, n, d, this.w.get(`${p}.attn_ln.weight`), this.w.get(`${p}.attn_ln.bias`));
      const q = attn.query(y, n);
      const t = state.offset + n;
      let o: Float64Array;
      if (this.forms[L.layer] === 'k-cache') {
        const k = rounded(linear(y, n, this.w.get(`${p}.attn.key.weight`), d, d), this.precision);
        state.cache[L.layer] = append(state.cache[L.layer]!, k);
        o = kCacheAttention(q, state.cache[L.layer]!, L.selfKV.wKV, n, t, d, h, state.offset);
      } else {
        state.cache[L.layer] = append(state.cache[L.layer]!, rounded(y, this.precision));
        o = foldedAttention(q, state.cache[L.layer]!, L.selfWK, L.selfWV, n, t, d, h, state.offset);
      }
      addInPlace(x, linear(o, n, this.w.get(`${p}.attn.out.weight`), d, d, L.selfOutBias));

      const cross = new AttentionWeights(this.w, `${p}.cross_attn`, d);
      const yc = layerNorm(
        x,
        n,
        d,
        this.w.get(`${p}.cross_attn_ln.weight`),
        this.w.get(`${p}.cross_attn_ln.bias`),
      );
      const weights = crossWeights ? new Float64Array(h * n * nAudioCtx) : undefined;
      const oc = foldedAttention(
        cross.query(yc, n),
        state.xa,
        L.crossWK,
        L.crossWV,
        n,
        nAudioCtx,
        d,
        h,
        undefined,
        weights,
      );
      if (weights) crossWeights![L.layer] = weights;
      addInPlace(x, linear(oc, n, this.w.get(`${p}.cross_attn.out.weight`), d, d, L.crossOutBias));

      mlpResidual(this.w, p, x, n, d);
    }
    state.offset += n;
    const hN = layerNorm(x, n, d, this.w.get('decoder.ln.weight'), this.w.get('decoder.ln.bias'));
    return linear(hN, n, this.w.get('decoder.token_embedding.weight'), d, nVocab);
  }
}

function append(a: Float64Array, b: Float64Array): Float64Array {
  const c = new Float64Array(a.length + b.length);
  c.set(a);
  c.set(b, a.length);
  return c;
}
