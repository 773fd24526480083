/**
 * The text decoder in float64 with standard caches, as openai/whisper model.py TextDecoder:
 * a self-attention K,V cache that grows per token and cross-attention K,V computed once from xa.
 * This is the oracle every decoder (Slim forms, WGSL, WASM) is tested against.
 */
import type { ModelDimensions } from '../checkpoint/types.ts';
import { AttentionWeights, qkvAttention } from './attention.ts';
import { mlpResidual } from './encoder.ts';
import { addInPlace, layerNorm, linear } from './ops.ts';
import type { Weights64 } from './weights64.ts';

/** Per-sequence state: caches and the audio features. */
export interface ReferenceDecoderState {
  /** Tokens fed so far. */
  offset: number;
  /** Self-attention caches per layer, [offset, nTextState] each. */
  selfK: Float64Array[];
  selfV: Float64Array[];
  /** Cross-attention K, V per layer from xa, [nAudioCtx, nTextState] each. */
  crossK: Float64Array[];
  crossV: Float64Array[];
}

/** What forward() can record of a pass, for calibration and alignment. */
export interface DecoderTrace {
  /** Self-attention input (attn_ln output) per layer, [n, nTextState]. */
  selfInput: Float64Array[];
  /** Self-attention queries per layer (bias included), [n, nTextState]. */
  selfQuery: Float64Array[];
  /** Self-attention output before the out projection, per layer, [n, nTextState]. */
  selfAttnOut: Float64Array[];
  /** Cross-attention weights per layer, [nTextHead, n, nAudioCtx]. */
  crossWeights: Float64Array[];
}

function concatRows(a: Float64Array, b: Float64Array): Float64Array {
  const c = new Float64Array(a.length + b.length);
  c.set(a);
  c.set(b, a.length);
  return c;
}

export class ReferenceDecoder {
  constructor(
    readonly w: Weights64,
    readonly dims: ModelDimensions,
  ) {}

  /** Cross K,V of xa [nAudioCtx, nTextState] for every layer: computed once per audio window. */
  newState(xa: Float64Array): ReferenceDecoderState {
    const { nAudioCtx, nTextState, nTextLayer } = this.dims;
    const crossK: Float64Array[] = [];
    const crossV: Float64Array[] = [];
    for (let l = 0; l < nTextLayer; l++) {
      const cross = new AttentionWeights(this.w, `decoder.blocks.${l}.cross_attn`, nTextState);
      crossK.push(cross.key(xa, nAudioCtx));
      crossV.push(cross.value(xa, nAudioCtx));
    }
    const empty = () => Array.from({ length: nTextLayer }, () => new Float64Array(0));
    return { offset: 0, selfK: empty(), selfV: empty(), crossK, crossV };
  }

  /** Feeds `tokens` after the state's offset; returns their logits [n, nVocab]. */
  forward(state: ReferenceDecoderState, tokens: readonly number[], trace?: DecoderTrace): Float64Array {
    const { nTextState: d, nTextHead, nVocab, nAudioCtx, nTextCtx } = this.dims;
    const n = tokens.length;
    if (state.offset + n > nTextCtx)
      throw new Error(`reference decoder: context ${state.offset + n} > ${nTextCtx}`);
    const x = this.embed(tokens, state.offset);
    for (let l = 0; l < this.dims.nTextLayer; l++) {
      const p = `decoder.blocks.${l}`;
      const attn = new AttentionWeights(this.w, `${p}.attn`, d);
      const y = layerNorm(x, n, d, this.w.get(`${p}.attn_ln.weight`), this.w.get(`${p}.attn_ln.bias`));
      const q = attn.query(y, n);
      state.selfK[l] = concatRows(state.selfK[l]!, attn.key(y, n));
      state.selfV[l] = concatRows(state.selfV[l]!, attn.value(y, n));
      const t = state.offset + n;
      const o = qkvAttention(q, state.selfK[l]!, state.selfV[l]!, n, t, d, nTextHead, state.offset).out;
      addInPlace(x, attn.out(o, n));
      if (trace) {
        trace.selfInput[l] = y;
        trace.selfQuery[l] = q;
        trace.selfAttnOut[l] = o;
      }

      const cross = new AttentionWeights(this.w, `${p}.cross_attn`, d);
      const yc = layerNorm(
        x,
        n,
        d,
        this.w.get(`${p}.cross_attn_ln.weight`),
        this.w.get(`${p}.cross_attn_ln.bias`),
      );
      const r = qkvAttention(
        cross.query(yc, n),
        state.crossK[l]!,
        state.crossV[l]!,
        n,
        nAudioCtx,
        d,
        nTextHead,
        undefined,
        !!trace,
      );
      addInPlace(x, cross.out(r.out, n));
      if (trace && r.weights) trace.crossWeights[l] = r.weights;

      mlpResidual(this.w, p, x, n, d);
    }
    state.offset += n;
    const h = layerNorm(x, n, d, this.w.get('decoder.ln.weight'), this.w.get('decoder.ln.bias'));
    return linear(h, n, this.w.get('decoder.token_embedding.weight'), d, nVocab); // tied output projection
  }

  /** token_embedding[tokens] + positional_embedding[offset …] → [n, nTextState] */
  embed(tokens: readonly number[], offset: number): Float64Array {
    const d = this.dims.nTextState;
    const tok = this.w.get('decoder.token_embedding.weight');
    const pos = this.w.get('decoder.positional_embedding');
    const x = new Float64Array(tokens.length * d);
    tokens.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.dims.nVocab)
        throw new Error(`reference decoder: token ${id} out of range`);
      for (let j = 0; j < d; j++) x[i * d + j] = tok[id * d + j]! + pos[(offset + i) * d + j]!;
    });
    return x;
  }
}

export function emptyTrace(): DecoderTrace {
  return { selfInput: [], selfQuery: [], selfAttnOut: [], crossWeights: [] };
}
