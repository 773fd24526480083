/**
 * Float64 building blocks of the reference forward pass. Written for clarity and exactness,
 * not speed: every fast path is tested against these. Matrices are row-major Float64Arrays.
 */

/** y[n, out] = x[n, in] · weightᵀ + bias, with weight in PyTorch layout [out, in]. */
export function linear(
  x: Float64Array,
  n: number,
  weight: Float64Array,
  nIn: number,
  nOut: number,
  bias?: Float64Array,
): Float64Array {
  const y = new Float64Array(n * nOut);
  for (let i = 0; i < n; i++) {
    const xo = i * nIn;
    for (let o = 0; o < nOut; o++) {
      const wo = o * nIn;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 3 < nIn; k += 4) {
        s0 += x[xo + k]! * weight[wo + k]!;
        s1 += x[xo + k + 1]! * weight[wo + k + 1]!;
        s2 += x[xo + k + 2]! * weight[wo + k + 2]!;
        s3 += x[xo + k + 3]! * weight[wo + k + 3]!;
      }
      for (; k < nIn; k++) s0 += x[xo + k]! * weight[wo + k]!;
      y[i * nOut + o] = s0 + s1 + s2 + s3 + (bias ? bias[o]! : 0);
    }
  }
  return y;
}

/** c[n, m] = a[n, k] · b[k, m] (plain row-major product). */
export function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      if (av === 0) continue;
      const bo = p * m;
      const co = i * m;
      for (let j = 0; j < m; j++) c[co + j] += av * b[bo + j]!;
    }
  }
  return c;
}

/** LayerNorm over the last axis of x[n, d] (eps 1e-5, as torch's default in Whisper). */
export function layerNorm(
  x: Float64Array,
  n: number,
  d: number,
  weight: Float64Array,
  bias: Float64Array,
): Float64Array {
  const y = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[o + j]!;
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[o + j]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + 1e-5);
    for (let j = 0; j < d; j++) y[o + j] = (x[o + j]! - mean) * inv * weight[j]! + bias[j]!;
  }
  return y;
}

/**
 * erf(x) to double precision: erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)).
 * All terms are positive, so there is no cancellation; |x| ≥ 6 rounds to ±1 in float64.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  const x2 = ax * ax;
  let term = ax;
  let sum = ax;
  for (let n = 0; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 3);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  const r = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  return x < 0 ? -r : r;
}

/** Exact GELU (torch.nn.GELU's default, used by Whisper): 0.5·x·(1 + erf(x/√2)). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export function geluInPlace(x: Float64Array): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] = gelu(x[i]!);
  return x;
}

/** Softmax of each row of x[n, m], in place, with the max subtracted first. */
export function softmaxRowsInPlace(x: Float64Array, n: number, m: number): Float64Array {
  for (let i = 0; i < n; i++) {
    const o = i * m;
    let mx = -Infinity;
    for (let j = 0; j < m; j++) mx = Math.max(mx, x[o + j]!);
    let s = 0;
    for (let j = 0; j < m; j++) {
      const e = Math.exp(x[o + j]! - mx);
      x[o + j] = e;
      s += e;
    }
    for (let j = 0; j < m; j++) x[o + j]! /= s;
  }
  return x;
}

/**
 * 1-D convolution as torch.nn.Conv1d: x[cIn, tIn], weight [cOut, cIn, k], padding p, stride s.
 * Returns [cOut, tOut] with tOut = floor((tIn + 2p − k) / s) + 1.
 */
export function conv1d(
  x: Float64Array,
  cIn: number,
  tIn: number,
  weight: Float64Array,
  cOut: number,
  k: number,
  bias: Float64Array,
  stride: number,
  padding: number,
): { y: Float64Array; tOut: number } {
  const tOut = Math.floor((tIn + 2 * padding - k) / stride) + 1;
  const y = new Float64Array(cOut * tOut);
  for (let o = 0; o < cOut; o++) {
    const yo = o * tOut;
    for (let t = 0; t < tOut; t++) y[yo + t] = bias[o]!;
    for (let c = 0; c < cIn; c++) {
      const xc = c * tIn;
      for (let j = 0; j < k; j++) {
        const w = weight[(o * cIn + c) * k + j]!;
        for (let t = 0; t < tOut; t++) {
          const ti = t * stride + j - padding;
          if (ti >= 0 && ti < tIn) y[yo + t] += w * x[xc + ti]!;
        }
      }
    }
  }
  return { y, tOut };
}

/** Transpose of a[n, m] → [m, n]. */
export function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const t = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = a[i * m + j]!;
  return t;
}

export function addInPlace(a: Float64Array, b: Float64Array): Float64Array {
  for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
  return a;
}
