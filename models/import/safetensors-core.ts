/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N,
 * N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {…} }`,
 * then the data section; offsets are relative to the data section.
 *
 * The reader opens a file, validates the whole header up front, and reads tensors one at a time
 * straight into their float32 arrays (large-v3 is 3 GB in f16: the file is never held whole).
 * Sharded checkpoints (`model.safetensors.index.json`) open as one store over several files.
 * Typed arrays are read in host byte order: every platform we ship on is little-endian.
 * No node:fs here (ByteSource): safetensors.ts opens files, the engine worker hands over bytes.
 */
import { bfloat16sToFloats, floatsToBfloat16s, floatsToHalfs, halfsToFloats } from '../numerics/half.ts';
import type { Tensor } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { readExactly, type ByteSource } from './byte-source.ts';

/** Bytes per element of every dtype the safetensors specification defines. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The dtypes we convert to float32. */
export type SafetensorsFloatDtype = 'F32' | 'F16' | 'BF16' | 'F64';
const FLOAT_DTYPES = new Set<string>(['F32', 'F16', 'BF16', 'F64']);

/** The reference implementation refuses headers over 100 MB; a larger length means "not safetensors". */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** The file that holds the data. */
  readonly file: string;
  /** Absolute byte range in that file. */
  readonly begin: number;
  readonly end: number;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** An open safetensors file or set of shards; tensors are read on demand. Call close(). */
export class SafetensorsStore {
  private constructor(
    /** The file (or index) this store was opened from, for messages. */
    readonly path: string,
    readonly entries: ReadonlyMap<string, SafetensorsEntry>,
    readonly metadata: Readonly<Record<string, string>>,
    private readonly sources: Map<string, ByteSource>,
  ) {}

  /** One safetensors file; validates its header. Takes over `src` (closed on failure). */
  static async fromSource(src: ByteSource): Promise<SafetensorsStore> {
    try {
      const { entries, metadata } = await readHeader(src);
      return new SafetensorsStore(src.label, entries, metadata, new Map([[src.label, src]]));
    } catch (e) {
      await src.close();
      throw e;
    }
  }

  /**
   * The shards a `model.safetensors.index.json` lists, as one store. `openShard` opens a shard by
   * its file name (already checked to be a bare name in the model's folder).
   */
  static async fromIndex(
    indexLabel: string,
    indexText: string,
    openShard: (shard: string) => Promise<ByteSource>,
  ): Promise<SafetensorsStore> {
    const weightMap = parseIndex(indexLabel, indexText);
    const sources = new Map<string, ByteSource>();
    const shardOf = new Map<string, string>();
    const entries = new Map<string, SafetensorsEntry>();
    try {
      for (const shard of new Set(weightMap.values())) {
        const src = await openShard(shard);
        sources.set(src.label, src);
        shardOf.set(src.label, shard);
        for (const [name, entry] of (await readHeader(src)).entries) {
          if (entries.has(name)) corrupt(src.label, `tensor ${name} is also in ${entries.get(name)!.file}`);
          entries.set(name, entry);
        }
      }
      for (const [name, shard] of weightMap) {
        const e = entries.get(name);
        if (!e || shardOf.get(e.file) !== shard)
          corrupt(indexLabel, `lists ${name} in ${shard}, which lacks it`);
      }
    } catch (e) {
      await Promise.all([...sources.values()].map((s) => s.close()));
      throw e;
    }
    return new SafetensorsStore(indexLabel, entries, {}, sources);
  }

  /** Reads one tensor as float32 (F32, F16, BF16, F64). */
  async read(name: string): Promise<Tensor> {
    const e = this.entries.get(name);
    if (!e) throw new SlimError('MODEL_SHAPE', `${this.path}: no tensor named ${name}`);
    if (!FLOAT_DTYPES.has(e.dtype)) {
      throw new SlimError(
        'MODEL_DTYPE',
        `${e.file}: tensor ${name} is ${e.dtype}; only F32, F16, BF16 and F64 tensors can be read`,
      );
    }
    const src = this.sources.get(e.file)!;
    const n = e.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (e.dtype === 'F32') {
      await readExactly(src, new Uint8Array(data.buffer), e.begin, name);
    } else if (e.dtype === 'F64') {
      const d = new Float64Array(n);
      await readExactly(src, new Uint8Array(d.buffer), e.begin, name);
      data.set(d);
    } else {
      const h = new Uint16Array(n);
      await readExactly(src, new Uint8Array(h.buffer), e.begin, name);
      if (e.dtype === 'F16') halfsToFloats(h, data);
      else bfloat16sToFloats(h, data);
    }
    return { shape: [...e.shape], data };
  }

  async close(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => s.close()));
    this.sources.clear();
  }
}

function corrupt(path: string, what: string): never {
  throw new SlimError('MODEL_CORRUPT', `${path}: ${what}`);
}

async function readHeader(
  src: ByteSource,
): Promise<{ entries: Map<string, SafetensorsEntry>; metadata: Record<string, string> }> {
  const path = src.label;
  const size = src.size;
  if (size === 0) corrupt(path, 'file is empty');
  if (size < 8) corrupt(path, `file is ${size} bytes, too short for the 8-byte header length`);
  const lenBuf = new Uint8Array(8);
  await readExactly(src, lenBuf, 0, 'the header length');
  const n = Number(new DataView(lenBuf.buffer).getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES || n < 2) {
    throw new SlimError(
      'MODEL_FORMAT',
      `${path}: not a safetensors file (header length ${n} is implausible)`,
    );
  }
  if (8 + n > size)
    corrupt(path, `truncated: the ${n}-byte header runs past the end of the ${size}-byte file`);
  const headerBytes = new Uint8Array(n);
  await readExactly(src, headerBytes, 8, 'the header');
  const header = parseHeaderJson(headerBytes, path);
  return parseEntries(header, path, 8 + n, size);
}

function parseHeaderJson(bytes: Uint8Array, path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    corrupt(path, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    corrupt(path, 'header is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function parseEntries(
  header: Record<string, unknown>,
  path: string,
  dataStart: number,
  fileSize: number,
): { entries: Map<string, SafetensorsEntry>; metadata: Record<string, string> } {
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') metadata = parseMetadata(raw, path);
    else entries.set(name, parseEntry(name, raw, path, dataStart, fileSize));
  }
  checkNoOverlap([...entries.values()], path);
  return { entries, metadata };
}

function parseMetadata(raw: unknown, path: string): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    corrupt(path, '__metadata__ is not an object');
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') corrupt(path, `__metadata__.${k} is not a string`);
  }
  return raw as Record<string, string>;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseEntry(
  name: string,
  raw: unknown,
  path: string,
  dataStart: number,
  fileSize: number,
): SafetensorsEntry {
  if (typeof raw !== 'object' || raw === null) corrupt(path, `tensor ${name}: entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') corrupt(path, `tensor ${name}: dtype is missing`);
  const width = DTYPE_BYTES[dtype];
  if (width === undefined)
    throw new SlimError('MODEL_DTYPE', `${path}: tensor ${name} has unknown dtype "${dtype}"`);
  if (!Array.isArray(shape) || !shape.every(isCount))
    corrupt(path, `tensor ${name}: shape is not a list of sizes`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    corrupt(path, `tensor ${name}: data_offsets is not [begin, end]`);
  }
  const [b, e] = offsets as [number, number];
  const dataSize = fileSize - dataStart;
  if (b > e || e > dataSize) {
    corrupt(
      path,
      `tensor ${name}: data_offsets [${b}, ${e}] lie outside the ${dataSize}-byte data section (truncated?)`,
    );
  }
  const need = (shape as number[]).reduce((a, d) => a * d, width);
  if (e - b !== need) {
    corrupt(path, `tensor ${name}: holds ${e - b} bytes, but ${dtype}[${shape.join(', ')}] needs ${need}`);
  }
  return { name, dtype, shape: shape as number[], file: path, begin: dataStart + b, end: dataStart + e };
}

function checkNoOverlap(entries: SafetensorsEntry[], path: string): void {
  const sorted = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.begin < prev.end) corrupt(path, `tensors ${prev.name} and ${cur.name} overlap`);
  }
}

/** Parses an index's weight_map (tensor → shard file name); shard names must stay in the folder. */
export function parseIndex(indexLabel: string, text: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    corrupt(indexLabel, `not valid JSON (${(e as Error).message})`);
  }
  const wm = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm))
    corrupt(indexLabel, 'has no weight_map object');
  const out = new Map<string, string>();
  for (const [name, shard] of Object.entries(wm)) {
    if (typeof shard !== 'string' || /[/\\]/.test(shard) || shard === '..' || shard === '.' || shard === '') {
      corrupt(indexLabel, `weight_map entry for ${name} is not a file name in this folder`);
    }
    out.set(name, shard);
  }
  if (out.size === 0) corrupt(indexLabel, 'weight_map is empty');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

export type SafetensorsWriteDtype = 'f32' | 'f16' | 'bf16';

const WRITE_DTYPE: Record<SafetensorsWriteDtype, SafetensorsFloatDtype> = {
  f32: 'F32',
  f16: 'F16',
  bf16: 'BF16',
};

/**
 * Serializes tensors (in map order) as one safetensors file, every tensor in `dtype`.
 * The header is padded with spaces to a multiple of 8 so the data section stays aligned.
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  dtype: SafetensorsWriteDtype,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = encodeData(t.data, dtype);
    header[name] = {
      dtype: WRITE_DTYPE[dtype],
      shape: [...t.shape],
      data_offsets: [offset, offset + bytes.length],
    };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const unpadded = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - ((8 + unpadded) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

function encodeData(data: Float32Array, dtype: SafetensorsWriteDtype): Uint8Array {
  const arr = dtype === 'f32' ? data : dtype === 'f16' ? floatsToHalfs(data) : floatsToBfloat16s(data);
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}
