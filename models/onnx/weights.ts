/**
 * Finds the weights of an exported PyTorch model inside an ONNX graph: an index of
 * initializers (and Constant node values), their consumers and producers over the main graph
 * and every subgraph, and the dequantization parameters of 8-bit initializers from whichever
 * pattern onnxruntime's quantizer left (named siblings, DequantizeLinear, MatMulInteger /
 * ConvInteger behind DynamicQuantizeLinear).
 */
import { SlimError } from '../errors.ts';
import {
  forEachGraph,
  onnx,
  readTensor,
  type ExternalReader,
  type GraphProto,
  type HostTensor,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from './proto.ts';

export interface Use {
  node: NodeProto;
  /** Which input of the node the value feeds. */
  index: number;
}

/** Ops that pass a weight through unchanged (in value and layout) on its way to its real consumer. */
const PASS_THROUGH = new Set(['DequantizeLinear', 'Cast', 'Identity']);

export class GraphIndex {
  /** Initializers of all graphs, and Constant nodes' tensors under their output names. */
  readonly tensors = new Map<string, TensorProto>();
  readonly uses = new Map<string, Use[]>();
  readonly producers = new Map<string, NodeProto>();
  readonly ops = new Set<string>();

  constructor(readonly model: ModelProto) {
    forEachGraph(model.graph!, (g) => this.add(g));
  }

  private add(g: GraphProto): void {
    for (const t of g.initializer ?? []) if (t.name) this.tensors.set(t.name, t);
    for (const node of g.node ?? []) {
      this.ops.add(node.opType ?? '');
      (node.input ?? []).forEach((name, index) => {
        if (!name) return;
        const list = this.uses.get(name);
        if (list) list.push({ node, index });
        else this.uses.set(name, [{ node, index }]);
      });
      for (const o of node.output ?? []) this.producers.set(o, node);
      const value =
        node.opType === 'Constant' ? node.attribute?.find((a) => a.name === 'value')?.t : undefined;
      if (value && node.output?.[0]) {
        const t = onnx.TensorProto.create(value); // keeps the message defaults a spread would lose
        t.name = node.output[0];
        this.tensors.set(t.name, t);
      }
    }
  }

  usesOf(name: string): Use[] {
    return this.uses.get(name) ?? [];
  }

  /**
   * The consumers a value finally reaches, following pass-through ops (DequantizeLinear,
   * Cast, Identity) from their first input.
   */
  finalUses(name: string, depth = 0): Use[] {
    const out: Use[] = [];
    for (const u of this.usesOf(name)) {
      if (PASS_THROUGH.has(u.node.opType ?? '') && u.index === 0 && depth < 4) {
        out.push(...this.finalUses(u.node.output?.[0] ?? '', depth + 1));
      } else out.push(u);
    }
    return out;
  }
}

export function intAttr(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a || a.i === null || a.i === undefined) return fallback;
  return typeof a.i === 'number' ? a.i : a.i.toNumber();
}

/** Per-tensor (or per-axis) dequantization parameters of an 8-bit initializer. */
export interface QuantParams {
  scale: string;
  zeroPoint?: string;
  /** The axis the scale runs along when it is not a scalar. */
  axis: number;
}

/** `<base>_quantized` → `<base>_scale` / `<base>_zero_point`: onnxruntime's quantizer names. */
function fromSiblings(index: GraphIndex, name: string): QuantParams | undefined {
  const base = name.endsWith('_quantized') ? name.slice(0, -'_quantized'.length) : name;
  const scale = `${base}_scale`;
  if (!index.tensors.has(scale)) return undefined;
  const zp = `${base}_zero_point`;
  return { scale, ...(index.tensors.has(zp) ? { zeroPoint: zp } : {}), axis: axisFromUses(index, name) };
}

/** Per-axis scales run along the output channels: columns for MatMulInteger, axis 0 for Conv. */
function axisFromUses(index: GraphIndex, name: string): number {
  for (const u of index.usesOf(name)) {
    if (u.node.opType === 'MatMulInteger') return 1;
    if (u.node.opType === 'ConvInteger') return 0;
    if (u.node.opType === 'DequantizeLinear') return intAttr(u.node, 'axis', 1);
  }
  return 0;
}

function fromDequantizeLinear(index: GraphIndex, name: string, depth = 0): QuantParams | undefined {
  for (const u of index.usesOf(name)) {
    const op = u.node.opType;
    if (op === 'DequantizeLinear' && u.index === 0) {
      const [, scale, zp] = u.node.input ?? [];
      if (scale) return { scale, ...(zp ? { zeroPoint: zp } : {}), axis: intAttr(u.node, 'axis', 1) };
    }
    // A quantized table can be gathered or transposed first and dequantized after (embeddings).
    if ((op === 'Gather' || op === 'Transpose') && u.index === 0 && depth < 2) {
      const found = fromDequantizeLinear(index, u.node.output?.[0] ?? '', depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * MatMulInteger(A_q, B_q, a_zp, b_zp) → Cast → Mul by (a_scale · b_scale): the weight's zero
 * point is input 3, its scale the initializer multiplied with A's DynamicQuantizeLinear scale.
 */
function fromIntegerOp(index: GraphIndex, name: string): QuantParams | undefined {
  for (const u of index.usesOf(name)) {
    const op = u.node.opType;
    if ((op !== 'MatMulInteger' && op !== 'ConvInteger') || u.index !== 1) continue;
    const zp = u.node.input?.[3];
    const quantizer = index.producers.get(u.node.input?.[0] ?? '');
    const aScale = quantizer?.opType === 'DynamicQuantizeLinear' ? quantizer.output?.[1] : undefined;
    for (const m of aScale ? index.usesOf(aScale) : []) {
      if (m.node.opType !== 'Mul') continue;
      const scale = m.node.input?.[1 - m.index];
      if (scale && index.tensors.has(scale)) {
        return { scale, ...(zp ? { zeroPoint: zp } : {}), axis: op === 'MatMulInteger' ? 1 : 0 };
      }
    }
  }
  return undefined;
}

export function quantParams(index: GraphIndex, name: string): QuantParams | undefined {
  return fromSiblings(index, name) ?? fromDequantizeLinear(index, name) ?? fromIntegerOp(index, name);
}

/**
 * `(q − zero_point) · scale`, per tensor or along `axis`, in float32 like onnxruntime. Goes
 * through a 256-entry table per scale over the unsigned bytes: one monomorphic lookup each.
 */
export function dequantize(
  q: Int8Array | Uint8Array,
  dims: readonly number[],
  scale: Float32Array,
  zeroPoint: ArrayLike<number> | undefined,
  axis: number,
): Float32Array {
  const bytes = new Uint8Array(q.buffer, q.byteOffset, q.length);
  const signed = q instanceof Int8Array;
  const table = (c: number): Float32Array => {
    const t = new Float32Array(256);
    const zp = zeroPoint ? zeroPoint[c]! : 0;
    for (let b = 0; b < 256; b++) t[b] = ((signed && b > 127 ? b - 256 : b) - zp) * scale[c]!;
    return t;
  };
  const out = new Float32Array(q.length);
  if (scale.length === 1) {
    const t = table(0);
    for (let i = 0; i < bytes.length; i++) out[i] = t[bytes[i]!]!;
    return out;
  }
  const ax = axis < 0 ? axis + dims.length : axis;
  const inner = dims.slice(ax + 1).reduce((a, b) => a * b, 1);
  const len = dims[ax] ?? 0;
  if (scale.length !== len || (zeroPoint && zeroPoint.length !== len)) {
    throw new Error(`a scale of ${scale.length} values does not fit axis ${ax} of [${dims.join(', ')}]`);
  }
  const tables = Array.from({ length: len }, (_, c) => table(c));
  for (let i = 0; i < bytes.length; i++) out[i] = tables[Math.floor(i / inner) % len]![bytes[i]!]!;
  return out;
}

/** Reads an initializer's values as float32, dequantizing 8-bit ones; `where` names the file. */
export function readWeight(
  index: GraphIndex,
  name: string,
  where: string,
  toFloat: (t: HostTensor) => Float32Array,
  ext?: ExternalReader,
): { dims: number[]; data: Float32Array; stored: HostTensor['dtype'] } {
  const host = readTensor(index.tensors.get(name)!, where, ext);
  if (host.dtype !== 'int8' && host.dtype !== 'uint8') {
    return { dims: host.dims, data: toFloat(host), stored: host.dtype };
  }
  const qp = quantParams(index, name);
  if (!qp) {
    throw new SlimError(
      'MODEL_FORMAT',
      `${where}: 8-bit initializer ${name} has no scale / zero point to dequantize with`,
    );
  }
  const scale = toFloat(readTensor(index.tensors.get(qp.scale)!, where, ext));
  const zpTensor = qp.zeroPoint ? index.tensors.get(qp.zeroPoint) : undefined;
  const zp = zpTensor ? readTensor(zpTensor, where, ext).data : undefined;
  if (zp instanceof BigInt64Array) {
    throw new SlimError('MODEL_DTYPE', `${where}: zero point ${qp.zeroPoint} of ${name} is int64`);
  }
  try {
    const data = dequantize(host.data as Int8Array | Uint8Array, host.dims, scale, zp, qp.axis);
    return { dims: host.dims, data, stored: host.dtype };
  } catch (e) {
    throw new SlimError('MODEL_CORRUPT', `${where}: initializer ${name}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
