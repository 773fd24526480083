/**
 * WGSL shared by the decoder kernels: the per-call shape (`Run`), the per-row metadata
 * (token, position, sequence, audio group) and fp16 weight access. fp16 weights are stored as
 * pairs in u32 words and widened with unpack2x16float, a core builtin: they halve the bytes
 * read on every adapter, with or without 'shader-f16'; arithmetic stays fp32.
 */

/** Per-call shape, written once per prefill/step: rows fed, and the rows whose logits are wanted. */
export const RUN_WGSL = /* wgsl */ `
struct Run {
  rows: u32,      // rows of this call (batch size of a step, prompt length of a prefill)
  outFirst: u32,  // first row whose logits are wanted
  outCount: u32,  // number of those rows
  pad: u32,
}`;

export type WeightPrecision = 'f32' | 'f16';

/** Declares `w` (binding b) and `fn wAt(i) -> f32` / `fn wPair(i2) -> vec2<f32>` for the precision. */
export function weightAccess(precision: WeightPrecision, binding: number, group = 0): string {
  if (precision === 'f32') {
    return `@group(${group}) @binding(${binding}) var<storage, read> w: array<f32>;
fn wAt(i: u32) -> f32 { return w[i]; }
fn wPair(i: u32) -> vec2<f32> { return vec2<f32>(w[i], w[i + 1u]); }`;
  }
  return `@group(${group}) @binding(${binding}) var<storage, read> w: array<u32>;
fn wAt(i: u32) -> f32 { let p = unpack2x16float(w[i >> 1u]); return select(p.x, p.y, (i & 1u) == 1u); }
fn wPair(i: u32) -> vec2<f32> { return unpack2x16float(w[i >> 1u]); } // i even`;
}

export function assertPow2(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1 || (v & (v - 1)) !== 0)
    throw new Error(`${name} must be a power of two, got ${v}`);
}
