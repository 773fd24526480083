/**
 * Interleaved WAV sample frames → mono float32. Pure functions on bytes (no Node APIs) so the
 * renderer and the worker use the same code as the CLI.
 */

export type SampleCoding = 'uint8' | 'int16' | 'int24' | 'int32' | 'float32' | 'float64' | 'alaw' | 'mulaw';

export interface FrameLayout {
  coding: SampleCoding;
  channels: number;
  /** Bytes from one frame to the next (the WAV blockAlign; at least channels × sample bytes). */
  frameBytes: number;
  /** false only for RIFX files. */
  littleEndian: boolean;
}

const CODING_BYTES: Record<SampleCoding, number> = {
  uint8: 1,
  int16: 2,
  int24: 3,
  int32: 4,
  float32: 4,
  float64: 8,
  alaw: 1,
  mulaw: 1,
};

export function codingBytes(coding: SampleCoding): number {
  return CODING_BYTES[coding];
}

/** FFmpeg-style codec name, for AudioSourceInfo.codec. */
export function codingName(coding: SampleCoding, littleEndian: boolean): string {
  const e = littleEndian ? 'le' : 'be';
  switch (coding) {
    case 'uint8':
      return 'pcm_u8';
    case 'int16':
      return `pcm_s16${e}`;
    case 'int24':
      return `pcm_s24${e}`;
    case 'int32':
      return `pcm_s32${e}`;
    case 'float32':
      return `pcm_f32${e}`;
    case 'float64':
      return `pcm_f64${e}`;
    case 'alaw':
      return 'pcm_alaw';
    case 'mulaw':
      return 'pcm_mulaw';
  }
}

type SampleReader = (view: DataView, offset: number) => number;

// G.711 expansions (ITU-T G.711 / Sun g711.c): 256-entry tables, 16-bit scale.
const ALAW = new Float32Array(256);
const MULAW = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const a = i ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t = seg === 0 ? t + 8 : (t + 0x108) << (seg - 1);
  ALAW[i] = (a & 0x80 ? t : -t) / 32768;
  const u = ~i & 0xff;
  const m = (((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7);
  MULAW[i] = (u & 0x80 ? 0x84 - m : m - 0x84) / 32768;
}

function readerFor(coding: SampleCoding, le: boolean): SampleReader {
  switch (coding) {
    case 'uint8':
      return (v, o) => (v.getUint8(o) - 128) / 128;
    case 'int16':
      return (v, o) => v.getInt16(o, le) / 32768;
    case 'int24':
      // Low 16 bits unsigned + the signed top byte; MSB-justified so 20-in-24 scales the same.
      return le
        ? (v, o) => (v.getUint16(o, true) + v.getInt8(o + 2) * 65536) / 8388608
        : (v, o) => (v.getInt8(o) * 65536 + v.getUint16(o + 1, false)) / 8388608;
    case 'int32':
      return (v, o) => v.getInt32(o, le) / 2147483648;
    case 'float32':
      return (v, o) => v.getFloat32(o, le);
    case 'float64':
      return (v, o) => v.getFloat64(o, le);
    case 'alaw':
      return (v, o) => ALAW[v.getUint8(o)]!;
    case 'mulaw':
      return (v, o) => MULAW[v.getUint8(o)]!;
  }
}

type TypedCtor =
  Int16ArrayConstructor | Int32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;
const TYPED: Partial<Record<SampleCoding, [TypedCtor, number]>> = {
  int16: [Int16Array, 1 / 32768],
  int32: [Int32Array, 1 / 2147483648],
  float32: [Float32Array, 1],
  float64: [Float64Array, 1],
};
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A typed-array view of the samples where the bytes allow one (native order, packed, aligned). */
function typedView(
  bytes: Uint8Array,
  layout: FrameLayout,
): { data: ArrayLike<number>; scale: number } | null {
  const spec = TYPED[layout.coding];
  if (!spec || layout.littleEndian !== HOST_LE) return null;
  const [Ctor, scale] = spec;
  const size = Ctor.BYTES_PER_ELEMENT;
  if (layout.frameBytes !== layout.channels * size || bytes.byteOffset % size !== 0) return null;
  // A SharedArrayBuffer works the same; the union of constructors only types ArrayBuffer.
  const buffer = bytes.buffer as ArrayBuffer;
  return { data: new Ctor(buffer, bytes.byteOffset, Math.floor(bytes.byteLength / size)), scale };
}

/** 16-bit mono, the commonest layout, in a loop of its own so V8 keeps it monomorphic. */
function mixInt16Mono(data: Int16Array, frames: number, out: Float32Array): number {
  for (let f = 0; f < frames; f++) out[f] = data[f]! / 32768;
  return 0;
}

/** Channel average over a typed view: the fast path. */
function mixTyped(
  data: ArrayLike<number>,
  scale: number,
  channels: number,
  frames: number,
  out: Float32Array,
): number {
  const k = scale / channels;
  let bad = 0;
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, i++) {
      const x = data[i]!;
      if (x - x === 0)
        sum += x; // finite: NaN − NaN and Inf − Inf are NaN
      else bad++;
    }
    out[f] = sum * k;
  }
  return bad;
}

/** Channel average through a DataView: any coding, order and padding. */
function mixView(bytes: Uint8Array, layout: FrameLayout, frames: number, out: Float32Array): number {
  const { channels, frameBytes } = layout;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = readerFor(layout.coding, layout.littleEndian);
  const step = codingBytes(layout.coding);
  const scale = 1 / channels;
  let bad = 0;
  for (let f = 0, o = 0; f < frames; f++, o += frameBytes) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const x = read(view, o + c * step);
      if (x - x === 0) sum += x;
      else bad++;
    }
    out[f] = sum * scale;
  }
  return bad;
}

/**
 * Decodes the whole frames of `bytes` into `out` (length ≥ frames), averaging the channels.
 * NaN and ±Inf samples become 0 (one bad sample must not poison a window's log-mel max);
 * returns how many there were so the caller can warn.
 */
export function framesToMono(bytes: Uint8Array, layout: FrameLayout, out: Float32Array): number {
  const frames = Math.floor(bytes.byteLength / layout.frameBytes);
  const typed = typedView(bytes, layout);
  if (typed && typed.data instanceof Int16Array && layout.channels === 1)
    return mixInt16Mono(typed.data, frames, out);
  if (typed) return mixTyped(typed.data, typed.scale, layout.channels, frames, out);
  return mixView(bytes, layout, frames, out);
}
