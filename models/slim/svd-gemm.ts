/**
 * Float64 matrix product for the SVD's level-3 steps: C ← β·C + α·A·op(B), all row-major with
 * explicit offsets and leading dimensions (so sub-blocks need no copies).
 *
 * Scalar JavaScript cannot use SIMD, but it still gains ~3× over axpy-style loops by keeping a 4×4
 * block of C in registers: each step loads 4 + 4 numbers and does 16 multiply-adds. Operands are
 * packed (GotoBLAS style) into 4-wide strips so the kernel reads both sequentially, and blocked
 * (KC × NC panel of B, MC × KC block of A) so they stay in L2/L1 while they are reused.
 */

const KC = 128; // depth of a packed panel
const MC = 64; // rows of A per packed block
const NC = 256; // columns of B per packed panel

/** Strided view of a row-major matrix: element (i, j) is data[off + i·ld + j]. */
export interface MatView {
  data: Float64Array;
  off: number;
  ld: number;
}

// Packing buffers, shared by all calls: gemm is synchronous and never re-entered.
const packA = new Float64Array(MC * KC);
const packB = new Float64Array(KC * NC);

/**
 * C[m,n] ← beta·C + alpha·A[m,k]·op(B), op(B) = B[k,n] (transB false) or B[n,k]ᵀ (transB true).
 * beta = 0 overwrites C without reading it.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: MatView,
  b: MatView,
  transB: boolean,
  beta: number,
  c: MatView,
): void {
  if (m === 0 || n === 0) return;
  if (beta !== 1) scaleBlock(c, m, n, beta);
  if (k === 0 || alpha === 0) return;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nb = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kb = Math.min(KC, k - p0);
      packPanelB(b, transB, p0, kb, j0, nb, packB);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mb = Math.min(MC, m - i0);
        packBlockA(a, i0, mb, p0, kb, alpha, packA);
        macroKernel(mb, nb, kb, packA, packB, c, i0, j0);
      }
    }
  }
}

function scaleBlock(c: MatView, m: number, n: number, beta: number): void {
  const { data, off, ld } = c;
  for (let i = 0; i < m; i++) {
    const o = off + i * ld;
    if (beta === 0) data.fill(0, o, o + n);
    else for (let j = 0; j < n; j++) data[o + j] *= beta;
  }
}

/**
 * Packs alpha·A[i0:i0+mb, p0:p0+kb] into strips of 4 rows; within a strip element (r, p) is at
 * strip·4·kb + p·4 + r. Rows past mb are zero so the kernel never needs a ragged edge.
 */
function packBlockA(
  a: MatView,
  i0: number,
  mb: number,
  p0: number,
  kb: number,
  alpha: number,
  out: Float64Array,
): void {
  const { data, off, ld } = a;
  for (let s = 0; s < mb; s += 4) {
    const base = s * kb;
    for (let r = 0; r < 4; r++) {
      const i = s + r;
      if (i < mb) {
        const ro = off + (i0 + i) * ld + p0;
        for (let p = 0; p < kb; p++) out[base + p * 4 + r] = alpha * data[ro + p];
      } else {
        for (let p = 0; p < kb; p++) out[base + p * 4 + r] = 0;
      }
    }
  }
}

/** Packs op(B)[p0:p0+kb, j0:j0+nb] into strips of 4 columns: element (p, c) at strip·4·kb + p·4 + c. */
function packPanelB(
  b: MatView,
  transB: boolean,
  p0: number,
  kb: number,
  j0: number,
  nb: number,
  out: Float64Array,
): void {
  const { data, off, ld } = b;
  for (let s = 0; s < nb; s += 4) {
    const base = s * kb;
    const w = Math.min(4, nb - s);
    if (!transB) {
      // op(B)[p, j] = B[p, j]: each p contributes a short contiguous run.
      for (let p = 0; p < kb; p++) {
        const ro = off + (p0 + p) * ld + j0 + s;
        const o = base + p * 4;
        for (let c = 0; c < 4; c++) out[o + c] = c < w ? data[ro + c] : 0;
      }
    } else {
      // op(B)[p, j] = B[j, p]: walk each source row contiguously.
      for (let c = 0; c < 4; c++) {
        if (c < w) {
          const ro = off + (j0 + s + c) * ld + p0;
          for (let p = 0; p < kb; p++) out[base + p * 4 + c] = data[ro + p];
        } else {
          for (let p = 0; p < kb; p++) out[base + p * 4 + c] = 0;
        }
      }
    }
  }
}

/** C[i0.., j0..] += packed A block · packed B panel, one 4×4 register tile at a time. */
function macroKernel(
  mb: number,
  nb: number,
  kb: number,
  pa: Float64Array,
  pb: Float64Array,
  c: MatView,
  i0: number,
  j0: number,
): void {
  const { data, off, ld } = c;
  for (let s = 0; s < nb; s += 4) {
    const bo = s * kb;
    const w = Math.min(4, nb - s);
    for (let r = 0; r < mb; r += 4) {
      const ao = r * kb;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let p = 0; p < kb; p++) {
        const ap = ao + p * 4;
        const bp = bo + p * 4;
        const a0 = pa[ap],
          a1 = pa[ap + 1],
          a2 = pa[ap + 2],
          a3 = pa[ap + 3];
        const b0 = pb[bp],
          b1 = pb[bp + 1],
          b2 = pb[bp + 2],
          b3 = pb[bp + 3];
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }
      const h = Math.min(4, mb - r);
      const o = off + (i0 + r) * ld + j0 + s;
      if (h === 4 && w === 4) {
        data[o] += c00;
        data[o + 1] += c01;
        data[o + 2] += c02;
        data[o + 3] += c03;
        const o1 = o + ld;
        data[o1] += c10;
        data[o1 + 1] += c11;
        data[o1 + 2] += c12;
        data[o1 + 3] += c13;
        const o2 = o1 + ld;
        data[o2] += c20;
        data[o2 + 1] += c21;
        data[o2 + 2] += c22;
        data[o2 + 3] += c23;
        const o3 = o2 + ld;
        data[o3] += c30;
        data[o3 + 1] += c31;
        data[o3 + 2] += c32;
        data[o3 + 3] += c33;
      } else {
        const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[o + y * ld + x] += tile[y * 4 + x];
      }
    }
  }
}
