/**
 * ONNX protobuf helpers around the `onnx-proto` package: decode and encode ModelProto, read
 * tensors from every storage form (raw_data, float_data, int32_data, int64_data, double_data,
 * external data files) into typed arrays, and write tensors back as raw_data or external data.
 */
import onnxProto from 'onnx-proto';
import { SlimError } from '../errors.ts';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;

/** protobufjs gives int64 fields as number or Long (the `long` package is installed). */
export type Int64 = number | { toNumber(): number };

export function int64(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Element types we read and write; float16/bfloat16 are carried as their raw 16-bit patterns. */
export type OnnxDtype =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'int64'
  | 'bool';

export type TensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | BigInt64Array;

/** A tensor on the host: element type, dims and a typed array of dims' product elements. */
export interface HostTensor {
  dtype: OnnxDtype;
  dims: number[];
  data: TensorArray;
}

/** TensorProto.DataType codes (onnx.proto3). */
const CODES: Record<OnnxDtype, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
};
const BY_CODE = new Map<number, OnnxDtype>(Object.entries(CODES).map(([k, v]) => [v, k as OnnxDtype]));

const ITEM_BYTES: Record<OnnxDtype, number> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
  float16: 2,
  float64: 8,
  bfloat16: 2,
};

export function dtypeCode(dtype: OnnxDtype): number {
  return CODES[dtype];
}

/** The dtype of an ONNX data-type code, or undefined for types we do not handle (strings, …). */
export function dtypeOf(code: number | null | undefined): OnnxDtype | undefined {
  return BY_CODE.get(code ?? 0);
}

export function itemBytes(dtype: OnnxDtype): number {
  return ITEM_BYTES[dtype];
}

export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function allocate(dtype: OnnxDtype, n: number): TensorArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
  }
}

function bytesOf(a: TensorArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

// ---------------------------------------------------------------------------------------------
// Model files

/**
 * Decodes a ModelProto. ONNX writers put ir_version (field 1, tag byte 0x08) first, so a file
 * that starts so but does not parse, or has no graph, is a damaged ONNX file (MODEL_CORRUPT:
 * truncated, bit rot); anything else is not an ONNX model at all (MODEL_FORMAT).
 */
export function decodeModel(bytes: Uint8Array, where: string): ModelProto {
  const header = bytes[0] === 0x08;
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const why = (e as Error).message;
    throw header
      ? new SlimError('MODEL_CORRUPT', `${where}: ONNX protobuf is truncated or corrupt (${why})`, {
          cause: e,
        })
      : new SlimError('MODEL_FORMAT', `${where}: not an ONNX model (${why})`, { cause: e });
  }
  if (!model.graph) {
    throw header && int64(model.irVersion) > 0
      ? new SlimError('MODEL_CORRUPT', `${where}: ONNX header but no graph (truncated?)`)
      : new SlimError('MODEL_FORMAT', `${where}: not an ONNX model (no graph)`);
  }
  return model;
}

export function encodeModel(model: onnxProto.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Calls `fn` on a graph and, depth first, on every subgraph held by node attributes (If, Loop, Scan). */
export function forEachGraph(graph: GraphProto, fn: (g: GraphProto) => void): void {
  fn(graph);
  for (const node of graph.node ?? []) {
    for (const a of node.attribute ?? []) {
      if (a.g) forEachGraph(a.g, fn);
      for (const g of a.graphs ?? []) forEachGraph(g, fn);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading tensors

/**
 * Reads external data (`*.onnx_data`) for tensors stored outside the model; the Node
 * implementation is `ExternalData` in files.ts (this module stays free of Node APIs, so the
 * builder can run in a worker or a page).
 */
export interface ExternalReader {
  /** `length` < 0: to the end of the file. */
  read(location: string, offset: number, length: number, where: string): Uint8Array;
}

function externalBytes(t: TensorProto, ext: ExternalReader | undefined, where: string): Uint8Array {
  const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = kv.get('location');
  if (!location) throw new SlimError('MODEL_CORRUPT', `${where}: external tensor ${t.name} has no location`);
  if (!ext)
    throw new SlimError('MODEL_FORMAT', `${where}: tensor ${t.name} uses external data, no folder given`);
  const offset = Number(kv.get('offset') ?? 0);
  const length = kv.has('length') ? Number(kv.get('length')) : -1;
  return ext.read(location, offset, length, where);
}

/** Fills `out` from one of the typed repeated fields, checking the count. */
function fromField(t: TensorProto, dtype: OnnxDtype, n: number, where: string): TensorArray | undefined {
  const fields: Array<[string, ArrayLike<number | bigint | Int64> | null | undefined]> = [
    ['float_data', t.floatData],
    ['int32_data', t.int32Data],
    ['int64_data', t.int64Data as Int64[] | undefined],
    ['double_data', t.doubleData],
  ];
  for (const [field, src] of fields) {
    if (!src || src.length === 0) continue;
    if (src.length !== n) {
      throw new SlimError(
        'MODEL_CORRUPT',
        `${where}: tensor ${t.name} has ${src.length} values in ${field}, its dims need ${n}`,
      );
    }
    const out = allocate(dtype, n);
    if (out instanceof BigInt64Array) {
      for (let i = 0; i < n; i++) out[i] = BigInt(int64(src[i] as Int64));
    } else {
      // int32_data holds 8/16-bit types (and float16 bit patterns) one per element.
      for (let i = 0; i < n; i++) out[i] = int64(src[i] as Int64);
    }
    return out;
  }
  return undefined;
}

/**
 * Reads a TensorProto into a HostTensor. Raw bytes are little-endian, as ONNX stores them and
 * every platform we run on is. `ext` resolves external data; `where` names the file in errors.
 */
export function readTensor(t: TensorProto, where: string, ext?: ExternalReader): HostTensor {
  const dtype = dtypeOf(t.dataType);
  if (!dtype) {
    throw new SlimError('MODEL_DTYPE', `${where}: tensor ${t.name} has unsupported data type ${t.dataType}`);
  }
  const dims = (t.dims ?? []).map((d) => int64(d as Int64));
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new SlimError('MODEL_CORRUPT', `${where}: tensor ${t.name} has invalid dims [${dims.join(', ')}]`);
  }
  const n = numel(dims);
  const external = t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
  const raw = external ? externalBytes(t, ext, where) : t.rawData && t.rawData.length ? t.rawData : undefined;
  if (raw) {
    const want = n * ITEM_BYTES[dtype];
    if (raw.length !== want) {
      throw new SlimError(
        'MODEL_CORRUPT',
        `${where}: tensor ${t.name} holds ${raw.length} bytes, dims [${dims.join(', ')}] of ${dtype} need ${want}`,
      );
    }
    // Byte types can view raw_data directly; wider ones are copied: the view is unaligned.
    if (dtype === 'uint8' || dtype === 'bool')
      return { dtype, dims, data: new Uint8Array(raw.buffer, raw.byteOffset, n) };
    if (dtype === 'int8') return { dtype, dims, data: new Int8Array(raw.buffer, raw.byteOffset, n) };
    const data = allocate(dtype, n);
    bytesOf(data).set(raw);
    return { dtype, dims, data };
  }
  const data = fromField(t, dtype, n, where);
  if (data) return { dtype, dims, data };
  if (n === 0) return { dtype, dims, data: allocate(dtype, 0) };
  throw new SlimError('MODEL_CORRUPT', `${where}: tensor ${t.name} has no data`);
}

// ---------------------------------------------------------------------------------------------
// Writing tensors

/** A TensorProto holding `host` as raw_data. */
export function makeTensorProto(name: string, host: HostTensor): onnxProto.onnx.TensorProto {
  if (host.data.length !== numel(host.dims)) {
    throw new SlimError(
      'INVALID_ARGUMENT',
      `tensor ${name}: ${host.data.length} values for dims [${host.dims.join(', ')}]`,
    );
  }
  return onnx.TensorProto.create({
    name,
    dataType: CODES[host.dtype],
    dims: host.dims,
    rawData: bytesOf(host.data).slice(),
  });
}

/**
 * Moves the raw data of every initializer of at least `minBytes` (in all graphs) into one
 * external data blob at `location`, as onnx.save_model(save_as_external_data=True) does, and
 * returns the blob to write beside the model. Offsets are 4096-aligned like onnx's writer.
 */
export function moveToExternalData(model: ModelProto, location: string, minBytes = 1024): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  forEachGraph(model.graph!, (g) => {
    for (const t of g.initializer ?? []) {
      const raw = t.rawData;
      if (!raw || raw.length < minBytes) continue;
      const pad = (4096 - (offset % 4096)) % 4096;
      if (pad) parts.push(new Uint8Array(pad));
      offset += pad;
      t.externalData = [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(raw.length) },
      ];
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      parts.push(raw);
      offset += raw.length;
      t.rawData = new Uint8Array(0);
    }
  });
  const out = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
