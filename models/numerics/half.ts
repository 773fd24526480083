/**
 * IEEE 754 binary16 and bfloat16 conversions, round to nearest even: shared by the importers,
 * the fixture writers, the ONNX graph builders and the precision experiments.
 */
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
let halfTable: Float32Array | undefined;

/** IEEE 754 binary16 bits → number (exact). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** number → binary16 bits, rounding to nearest even (overflow → ±Infinity). */
export function floatToHalf(x: number): number {
  f32Scratch[0] = x;
  const b = u32Scratch[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    mant |= 0x800000;
    return sign | roundShift(mant, 14 - e);
  }
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  return sign | ((e << 10) + roundShift(mant, 13));
}

/** m >> shift, rounded to nearest even. */
function roundShift(m: number, shift: number): number {
  const q = m >>> shift;
  const rem = m & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rem > half || (rem === half && q & 1) ? q + 1 : q;
}

/** binary16 array → float32 array (through a 64 K-entry table: one lookup per value). */
export function halfsToFloats(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  const t = halfTable;
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]!]!;
  return out;
}

export function floatsToHalfs(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = floatToHalf(src[i]!);
  return out;
}

/** bfloat16 array → float32 array: bf16 is the top half of a float32. */
export function bfloat16sToFloats(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  const u = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) u[i] = src[i]! << 16;
  return out;
}

/** float32 array → bfloat16 array, rounding to nearest even (NaN stays NaN). */
export function floatsToBfloat16s(src: Float32Array): Uint16Array {
  const u = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const b = u[i]!;
    if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) out[i] = (b >>> 16) | 0x40;
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Rounds a number to the nearest binary16 value. */
export function roundHalf(x: number): number {
  return halfToFloat(floatToHalf(x));
}

/** The name the encoder graph builder uses. */
export const float32ToHalfArray = floatsToHalfs;
