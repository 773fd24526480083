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
    const yo = i * nOut;
    let o = 0;
    // Four outputs at a time: each x value is loaded once for four weight rows.
    for (; o + 3 < nOut; o += 4) {
      const w0 = o * nIn;
      const w1 = w0 + nIn;
      const w2 = w1 + nIn;
      const w3 = w2 + nIn;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < nIn; k++) {
        const xv = x[xo + k]!;
        s0 += xv * weight[w0 + k]!;
        s1 += xv * weight[w1 + k]!;
        s2 += xv * weight[w2 + k]!;
        s3 += xv * weight[w3 + k]!;
      }
      y[yo + o] = s0 + (bias ? bias[o]! : 0);
      y[yo + o + 1] = s1 + (bias ? bias[o + 1]! : 0);
      y[yo + o + 2] = s2 + (bias ? bias[o + 2]! : 0);
      y[yo + o + 3] = s3 + (bias ? bias[o + 3]! : 0);
    }
    for (; o < nOut; o++) {
      const wo = o * nIn;
      let s = 0;
      for (let k = 0; k < nIn; k++) s += x[xo + k]! * weight[wo + k]!;
      y[yo + o] = s + (bias ? bias[o]! : 0);
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
 * Returns [cOut, tOut] with tOut = floor((tIn + 2p − k) / s) + 1. Computed as a product of
 * the weight with the unfolded input (one row of cIn·k taps per output step).
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
  const cols = new Float64Array(tOut * cIn * k); // [tOut, cIn·k], zero where padded
  for (let t = 0; t < tOut; t++) {
    for (let c = 0; c < cIn; c++) {
      for (let j = 0; j < k; j++) {
        const ti = t * stride + j - padding;
        if (ti >= 0 && ti < tIn) cols[(t * cIn + c) * k + j] = x[c * tIn + ti]!;
      }
    }
  }
  const yt = linear(cols, tOut, weight, cIn * k, cOut, bias); // [tOut, cOut]
  return { y: transpose(yt, tOut, cOut), tOut };
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
