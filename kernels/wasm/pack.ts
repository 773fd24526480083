/**
 * Weight layouts the WASM kernels stream contiguously (the weights are fixed, so they are laid
 * out once for the kernels' access order, as BLAS packs panels):
 * - panels: W [k, n] → [n/32][k][32]; a GEMM walks each 32-column panel row by row.
 * - heads: W [d, d] (row-vector form) → [h][d][d_k]; the fold a_i = q_i·W_K,iᵀ reads head i's
 *   columns as one contiguous [d, d_k] matrix.
 */
export const PANEL = 32;

/** `out` (k·n floats) may be a view of WASM memory: packing straight into place. */
export function packPanels(
  w: Float32Array,
  k: number,
  n: number,
  out: Float32Array = new Float32Array(k * n),
): Float32Array {
  if (n % PANEL !== 0) throw new Error(`packPanels: ${n} columns is not a multiple of ${PANEL}`);
  let o = 0;
  for (let p = 0; p < n; p += PANEL) {
    for (let r = 0; r < k; r++) {
      out.set(w.subarray(r * n + p, r * n + p + PANEL), o);
      o += PANEL;
    }
  }
  return out;
}

export function packHeads(
  w: Float32Array,
  d: number,
  nHead: number,
  out: Float32Array = new Float32Array(d * d),
): Float32Array {
  const dk = d / nHead;
  let o = 0;
  for (let h = 0; h < nHead; h++) {
    for (let r = 0; r < d; r++) {
      out.set(w.subarray(r * d + h * dk, r * d + h * dk + dk), o);
      o += dk;
    }
  }
  return out;
}

/** Vocabulary size rounded up to whole panels (padded ids have zero embeddings). */
export function paddedVocab(nVocab: number): number {
  return Math.ceil(nVocab / PANEL) * PANEL;
}

/**
 * The tied token embedding [nVocab, d] as the logits GEMM streams it: its transpose [d, nVocab]
 * in panels, [nVocabPad/32][d][32]. Token lookup gathers column `id` (d strided loads per token).
 */
export function packVocab(
  emb: Float32Array,
  nVocab: number,
  d: number,
  out: Float32Array = new Float32Array(paddedVocab(nVocab) * d),
): Float32Array {
  for (let id = 0; id < nVocab; id++) {
    const base = (id >> 5) * d * PANEL + (id & (PANEL - 1));
    for (let r = 0; r < d; r++) out[base + r * PANEL] = emb[id * d + r]!;
  }
  return out;
}
