/**
 * Exact GELU, x·Φ(x) = ½·x·erfc(−x/√2), in WGSL. erfc is Numerical Recipes' Chebyshev fit
 * (erfcc, fractional error < 1.2e-7 for all x), so GELU has a relative error of about 1e-7
 * everywhere, including the far negative tail where ½·x·(1 + erf) would cancel. The MLP's
 * first projection applies it in its epilogue (linear.ts, `gelu: true`); `geluKernel` runs it
 * alone for tests.
 */
import { computePipeline } from './pipelines.ts';
import { bindBuffers, bound, type BufferRef, ceilDiv, type Bound } from './kernel.ts';
import { words, type BufferLedger } from './buffers.ts';

export const GELU_WGSL = /* wgsl */ `
fn erfc_(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277))))))));
  let r = t * exp(poly);
  return select(2.0 - r, r, x >= 0.0);
}
fn erf_(x: f32) -> f32 {
  // Near 0, erf by its Maclaurin series (1 − erfc would lose the digits of small x).
  if (abs(x) < 0.5) {
    let x2 = x * x;
    return x * 1.1283791671 * (1.0 + x2 * (-0.333333333 + x2 * (0.1 + x2 * (-0.0238095238 +
      x2 * (0.00462962963 + x2 * (-0.000757575758 + x2 * 0.000106837607))))));
  }
  return select(erfc_(-x) - 1.0, 1.0 - erfc_(x), x >= 0.0);
}
fn gelu(x: f32) -> f32 { return 0.5 * x * erfc_(-x * 0.70710678118654752); }
`;

/** y[yOffset + i] = gelu(x[i]) or erf(x[i]), for i < n: runs the WGSL functions alone (tests). */
export function geluKernel(
  ledger: BufferLedger,
  op: 'gelu' | 'erf',
  n: number,
  x: BufferRef,
  y: BufferRef,
  yOffset = 0,
): Bound {
  const code = /* wgsl */ `${GELU_WGSL}
@group(0) @binding(0) var<uniform> p: vec4<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x < p.x) { y[p.y + g.x] = ${op === 'gelu' ? 'gelu' : 'erf_'}(x[g.x]); }
}`;
  const pipeline = computePipeline(ledger.device, `elementwise-${op}`, code);
  const params = ledger.uniform(`${op}.params`, words([n, yOffset]));
  const group = bindBuffers(ledger.device, pipeline, op, [params, x, y]);
  return bound(op, pipeline, group, () => [ceilDiv(n, 64), 1, 1]);
}
