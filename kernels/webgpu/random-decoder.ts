/**
 * Random decoder weights of any size, already packed (no checkpoint, no conversion): for
 * benchmarks on machines without model files and for memory accounting at real sizes. The
 * values are uniform with the fixture's scale (1/√fan-in), from a fast LCG; `zeros` skips
 * filling altogether. Not a model: its logits mean nothing.
 */
import type { ModelDimensions } from '../../models/checkpoint/types.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import type { DecoderVariant } from '../decoder/types.ts';
import type { PackedDecoder, PackedLayer } from '../decoder/weights.ts';

export const BASE_DIMS: ModelDimensions = {
  nMels: 80,
  nAudioCtx: 1500,
  nAudioState: 512,
  nAudioHead: 8,
  nAudioLayer: 6,
  nVocab: 51865,
  nTextCtx: 448,
  nTextState: 512,
  nTextHead: 8,
  nTextLayer: 6,
};

export interface RandomDecoderOptions {
  seed?: number;
  /** Slim forms per layer (default all K-cache). */
  forms?: SelfForm[];
  /** Leave every weight 0 (fast; for memory accounting). */
  zeros?: boolean;
}

function filler(seed: number, zeros: boolean): (n: number, scale: number, offset?: number) => Float32Array {
  let s = seed >>> 0 || 1;
  return (n, scale, offset = 0) => {
    const a = new Float32Array(n);
    if (zeros) return a;
    const k = (2 * scale * Math.sqrt(3)) / 4294967296; // uniform with standard deviation `scale`
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      a[i] = offset + (s - 2147483648) * k;
    }
    return a;
  };
}

export function randomPackedDecoder(
  dims: ModelDimensions,
  variant: DecoderVariant,
  o: RandomDecoderOptions = {},
): PackedDecoder {
  const d = dims.nTextState;
  const f = filler(o.seed ?? 1, !!o.zeros);
  const sq = 1 / Math.sqrt(d);
  const norm = () => ({ w: f(d, 0.1, 1), b: f(d, 0.1) });
  const slim = variant === 'slim';
  const layer = (): PackedLayer => ({
    attnLn: norm(),
    wq: f(d * d, sq),
    bq: f(d, 0.1),
    wk: f(d * d, sq),
    wv: f(d * d, sq),
    bv: slim ? null : f(d, 0.1),
    wo: f(d * d, sq),
    bo: f(d, 0.1),
    crossLn: norm(),
    cwq: f(d * d, sq),
    cbq: f(d, 0.1),
    cwk: f(d * d, sq),
    cwv: f(d * d, sq),
    cbv: slim ? null : f(d, 0.1),
    cwo: f(d * d, sq),
    cbo: f(d, 0.1),
    mlpLn: norm(),
    w1: f(d * 4 * d, sq),
    b1: f(4 * d, 0.1),
    w2: f(4 * d * d, sq / 2),
    b2: f(d, 0.1),
  });
  return {
    dims,
    variant,
    forms: slim
      ? (o.forms ?? new Array<SelfForm>(dims.nTextLayer).fill('k-cache'))
      : new Array(dims.nTextLayer).fill('baseline'),
    layers: Array.from({ length: dims.nTextLayer }, layer),
    ln: norm(),
    tokenEmbedding: f(dims.nVocab * d, 1),
    positionalEmbedding: f(dims.nTextCtx * d, 0.1),
  };
}
