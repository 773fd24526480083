/** Tile and workgroup sizes of the decoder's kernels, in one place (tune per GPU). */
import type { LinearConfig } from './linear.ts';

export type Tile = Pick<LinearConfig, 'tileRows' | 'colsPerThread' | 'workgroup'>;

export interface Tuning {
  /** Projections and MLP (row-vector weights [K, N]). */
  linear: Tile;
  /** The tied logits (token embedding [V, d]). */
  logits: Tile;
  /** Query fold a_h = q_h·W_K,hᵀ: workgroup·colsPerThread must divide d. */
  fold: Tile;
  /** Per-head output projection (s_h·X)·W_h: workgroup·colsPerThread must divide d_k. */
  headProj: Tile;
  /** Cross-attention K/V of the baseline from E (rows = nAudioCtx). */
  audio: Tile;
  /** Per-head attention core (baseline; Slim fallback). */
  attendWorkgroup: number;
  /**
   * Slim attention over whole rows: 'rows' = all heads of a row in one workgroup (each stored
   * row read twice per row, not twice per head), 'heads' = one workgroup per (row, head).
   */
  slimAttention: 'rows' | 'heads';
  /** splitKeys: keys per workgroup (a multiple of chunk; 0: one workgroup per row walks them all). */
  attendRows: { workgroup: number; chunk: number; splitKeys: number };
}

/** Largest power of two ≤ cap dividing n. */
export function pow2Divisor(n: number, cap: number): number {
  let p = 1;
  while (p * 2 <= cap && n % (p * 2) === 0) p *= 2;
  return p;
}

export function defaultTuning(d: number, dk: number, f16: boolean): Tuning {
  const cols = f16 ? 2 : 1;
  const head = pow2Divisor(dk, 64);
  const fold = pow2Divisor(d, 64);
  return {
    linear: { tileRows: 8, colsPerThread: 4, workgroup: 64 },
    logits: { tileRows: 4, colsPerThread: 4, workgroup: 64 },
    fold: { tileRows: 8, colsPerThread: 1, workgroup: fold },
    headProj: { tileRows: 8, colsPerThread: cols, workgroup: Math.max(1, head / cols) },
    audio: { tileRows: 16, colsPerThread: 4, workgroup: 64 },
    attendWorkgroup: 64,
    slimAttention: 'rows',
    attendRows: { workgroup: 128, chunk: 64, splitKeys: 128 },
  };
}
