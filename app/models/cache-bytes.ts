import type { ModelDimensions } from '../../models/checkpoint/types.ts';

export interface CacheBytes {
  /** Standard decoder: self K and V per layer plus cross K and V per layer. */
  baseline: number;
  /** Option 2: one self-attention matrix per layer plus the encoder output once. */
  slim: number;
}

/**
 * Decoder cache bytes for one sequence over one 30 s window at context t (DESIGN.md §1):
 * baseline = 2·L·t·d + 2·L·nAudioCtx·d values, Option 2 = L·t·d + nAudioCtx·d values.
 */
export function cacheBytesPerWindow(dims: ModelDimensions, t = dims.nTextCtx, bytesPerValue = 4): CacheBytes {
  const L = dims.nTextLayer;
  const d = dims.nTextState;
  return {
    baseline: (2 * L * t * d + 2 * L * dims.nAudioCtx * d) * bytesPerValue,
    slim: (L * t * d + dims.nAudioCtx * d) * bytesPerValue,
  };
}
