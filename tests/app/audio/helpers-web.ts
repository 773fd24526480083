/** Test-only helpers with no Node APIs (the browser test bundles them): signals, measures, a WAV writer. */

export function tone(freq: number, rate: number, n: number, amp = 0.5): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

export function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
}

export function db(ratio: number): number {
  return 20 * Math.log10(ratio);
}

/** Pearson correlation of a[i] and b[i + lag] over their overlap. */
function correlationAt(a: ArrayLike<number>, b: ArrayLike<number>, lag: number): number {
  const start = Math.max(0, -lag);
  const end = Math.min(a.length, b.length - lag);
  let sa = 0;
  let sb = 0;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  const n = end - start;
  for (let i = start; i < end; i++) {
    const x = a[i]!;
    const y = b[i + lag]!;
    sa += x;
    sb += y;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  const cov = sab - (sa * sb) / n;
  return cov / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
}

/** The best correlation over lags in [-maxLag, maxLag] (codecs and resamplers shift a little). */
export function alignedCorrelation(a: ArrayLike<number>, b: ArrayLike<number>, maxLag: number) {
  let best = { lag: 0, r: -Infinity };
  // Coarse search on every 4th lag, then refine around the best.
  for (let lag = -maxLag; lag <= maxLag; lag += 4) {
    const r = correlationAt(a, b, lag);
    if (r > best.r) best = { lag, r };
  }
  for (let lag = best.lag - 4; lag <= best.lag + 4; lag++) {
    const r = correlationAt(a, b, lag);
    if (r > best.r) best = { lag, r };
  }
  return best;
}

export type WavCoding = 'uint8' | 'int16' | 'int24' | 'int32' | 'float32' | 'float64';

export interface WavSpec {
  rate: number;
  /** Per-channel samples in [-1, 1]. */
  channels: Float64Array[];
  coding: WavCoding;
  /** Declared bits per sample when fewer than the container's (20 in 24). */
  validBits?: number;
  extensible?: boolean;
  container?: 'RIFF' | 'RIFX' | 'RF64';
  chunksBefore?: { id: string; bytes: Uint8Array }[];
  /** Overrides the data chunk's size field (truncation, unknown-size writers). */
  declaredDataBytes?: number;
  /** Overrides the fmt chunk's channel count (0-channel files). */
  declaredChannels?: number;
}

const BYTES: Record<WavCoding, number> = { uint8: 1, int16: 2, int24: 3, int32: 4, float32: 4, float64: 8 };

function clampRound(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(x)));
}

function putSample(v: DataView, o: number, x: number, spec: WavSpec, le: boolean): void {
  const shift = spec.validBits ? BYTES[spec.coding] * 8 - spec.validBits : 0;
  const full = (bits: number): number =>
    clampRound(x * 2 ** (bits - 1 - shift), -(2 ** (bits - 1 - shift)), 2 ** (bits - 1 - shift) - 1) *
    2 ** shift;
  switch (spec.coding) {
    case 'uint8':
      return v.setUint8(o, clampRound(x * 128 + 128, 0, 255));
    case 'int16':
      return v.setInt16(o, full(16), le);
    case 'int24': {
      const q = full(24) & 0xffffff;
      const b = le ? [q & 0xff, (q >> 8) & 0xff, q >> 16] : [q >> 16, (q >> 8) & 0xff, q & 0xff];
      b.forEach((byte, i) => v.setUint8(o + i, byte));
      return;
    }
    case 'int32':
      return v.setInt32(o, full(32), le);
    case 'float32':
      return v.setFloat32(o, x, le);
    case 'float64':
      return v.setFloat64(o, x, le);
  }
}

function fmtChunk(spec: WavSpec, le: boolean): Uint8Array {
  const bytes = BYTES[spec.coding];
  const nch = spec.declaredChannels ?? spec.channels.length;
  const tag = spec.coding.startsWith('float') ? 3 : 1;
  const out = new Uint8Array(spec.extensible ? 40 : 16);
  const v = new DataView(out.buffer);
  v.setUint16(0, spec.extensible ? 0xfffe : tag, le);
  v.setUint16(2, nch, le);
  v.setUint32(4, spec.rate, le);
  v.setUint32(8, spec.rate * nch * bytes, le);
  v.setUint16(12, nch * bytes, le);
  v.setUint16(14, bytes * 8, le);
  if (spec.extensible) {
    v.setUint16(16, 22, le);
    v.setUint16(18, spec.validBits ?? bytes * 8, le);
    v.setUint32(20, (1 << nch) - 1, le);
    // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000000X-0000-0010-8000-00aa00389b71}
    v.setUint32(24, tag, le);
    out.set([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 28);
  }
  return out;
}

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

function chunk(id: string, body: Uint8Array, le: boolean, sizeField = body.byteLength): Uint8Array {
  const out = new Uint8Array(8 + body.byteLength + (body.byteLength & 1));
  out.set(ascii(id));
  new DataView(out.buffer).setUint32(4, sizeField >>> 0, le);
  out.set(body, 8);
  return out;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

function ds64Chunk(riffSize: number, dataSize: number, frames: number): Uint8Array {
  const body = new Uint8Array(28);
  const v = new DataView(body.buffer);
  const pair = (o: number, x: number): void => {
    v.setUint32(o, x % 2 ** 32, true);
    v.setUint32(o + 4, Math.floor(x / 2 ** 32), true);
  };
  pair(0, riffSize);
  pair(8, dataSize);
  pair(16, frames);
  return chunk('ds64', body, true);
}

/** A WAV file written independently of wavefile and of the decoder under test. */
export function writeWav(spec: WavSpec): Uint8Array {
  const container = spec.container ?? 'RIFF';
  const le = container !== 'RIFX';
  const nch = spec.channels.length;
  const frames = spec.channels[0]?.length ?? 0;
  const bytes = BYTES[spec.coding];
  const data = new Uint8Array(frames * nch * bytes);
  const v = new DataView(data.buffer);
  for (let f = 0; f < frames; f++)
    for (let c = 0; c < nch; c++) putSample(v, (f * nch + c) * bytes, spec.channels[c]![f]!, spec, le);
  const rf64 = container === 'RF64';
  const dataField = rf64 ? 0xffffffff : (spec.declaredDataBytes ?? data.byteLength);
  const before = (spec.chunksBefore ?? []).map((c) => chunk(c.id, c.bytes, le));
  const body = [chunk('fmt ', fmtChunk(spec, le), le), ...before, chunk('data', data, le, dataField)];
  const riffSize = 4 + body.reduce((n, p) => n + p.byteLength, 0) + (rf64 ? 36 : 0);
  const head = new Uint8Array(12);
  head.set(ascii(container));
  head.set(ascii('WAVE'), 8);
  new DataView(head.buffer).setUint32(4, rf64 ? 0xffffffff : riffSize, le);
  const parts = rf64 ? [head, ds64Chunk(riffSize, data.byteLength, frames), ...body] : [head, ...body];
  return concatBytes(parts);
}

/** The average of the channels: what the decoder must produce at 16 kHz. */
export function monoOf(channels: Float64Array[]): Float64Array {
  const out = new Float64Array(channels[0]!.length);
  for (const ch of channels) for (let i = 0; i < out.length; i++) out[i]! += ch[i]! / channels.length;
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
