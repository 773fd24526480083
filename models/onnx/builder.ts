/**
 * A tiny typed ONNX graph builder: inputs, outputs, initializers, nodes (with subgraph
 * attributes for If), opset, serialize. Node and value names follow the PyTorch exporter's
 * convention (`/scope/Op`, `/scope/Op_output_0`) so graphs built here read like exported ones.
 */
import type onnxProto from 'onnx-proto';
import { SlimError } from '../errors.ts';
import {
  dtypeCode,
  encodeModel,
  makeTensorProto,
  onnx,
  type HostTensor,
  type ModelProto,
  type OnnxDtype,
} from './proto.ts';

/** A dimension: a fixed size, or a symbolic name ('batch_size'). */
export type Dim = number | string;

/** Attribute values, tagged by ONNX attribute type (a bare number would be ambiguous). */
export type AttrValue =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: number[] }
  | { floats: number[] }
  | { t: HostTensor }
  | { g: GraphBuilder };

export interface NodeOptions {
  /** Node name; defaults to `/<op>_<k>`. */
  name?: string;
  attrs?: Record<string, AttrValue>;
  /** Operator domain ('' is the default ONNX domain; 'com.microsoft' for ORT contrib ops). */
  domain?: string;
}

function valueInfo(name: string, dtype: OnnxDtype, shape: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: dtypeCode(dtype),
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in v) return { name, type: T.INT, i: v.i };
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  if ('s' in v) return { name, type: T.STRING, s: new TextEncoder().encode(v.s) };
  if ('ints' in v) return { name, type: T.INTS, ints: v.ints };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  if ('t' in v) return { name, type: T.TENSOR, t: makeTensorProto(name, v.t) };
  return { name, type: T.GRAPH, g: v.g.toProto() };
}

export class GraphBuilder {
  private inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private inits: onnxProto.onnx.ITensorProto[] = [];
  private nodes: onnxProto.onnx.INodeProto[] = [];
  /** Every value name defined here (inputs, initializers, node outputs): catches duplicates. */
  private defined = new Set<string>();
  private nodeNames = new Set<string>();
  private counter = new Map<string, number>();

  constructor(readonly name: string) {}

  private define(name: string): void {
    if (this.defined.has(name))
      throw new SlimError('INVALID_ARGUMENT', `graph ${this.name}: ${name} defined twice`);
    this.defined.add(name);
  }

  input(name: string, dtype: OnnxDtype, shape: readonly Dim[]): string {
    this.define(name);
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Declares a graph output; the value must be produced by a node (or be an input). */
  output(name: string, dtype: OnnxDtype, shape: readonly Dim[]): string {
    this.outputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  initializer(name: string, tensor: HostTensor): string {
    this.define(name);
    this.inits.push(makeTensorProto(name, tensor));
    return name;
  }

  hasValue(name: string): boolean {
    return this.defined.has(name);
  }

  /** A fresh node name `${base}` or `${base}_k`, as the PyTorch exporter numbers repeats. */
  uniqueName(base: string): string {
    const k = this.counter.get(base) ?? 0;
    this.counter.set(base, k + 1);
    const name = k === 0 ? base : `${base}_${k}`;
    return this.nodeNames.has(name) ? this.uniqueName(base) : name;
  }

  /**
   * Adds a node. `outputs` is a list of names, or a count: then they are named
   * `<node name>_output_<k>`. Returns the output names.
   */
  node(
    op: string,
    inputs: readonly string[],
    outputs: readonly string[] | number = 1,
    opts: NodeOptions = {},
  ): string[] {
    const name = opts.name ?? this.uniqueName(`/${op}`);
    if (this.nodeNames.has(name))
      throw new SlimError('INVALID_ARGUMENT', `graph ${this.name}: node ${name} twice`);
    this.nodeNames.add(name);
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, k) => `${name}_output_${k}`)
        : [...outputs];
    for (const o of outs) this.define(o);
    this.nodes.push({
      name,
      opType: op,
      domain: opts.domain ?? '',
      input: [...inputs],
      output: outs,
      attribute: Object.entries(opts.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** Shorthand for a one-output node. */
  op(op: string, inputs: readonly string[], opts: NodeOptions = {}): string {
    return this.node(op, inputs, 1, opts)[0]!;
  }

  toProto(): onnxProto.onnx.IGraphProto {
    return {
      name: this.name,
      input: this.inputs,
      output: this.outputs,
      initializer: this.inits,
      node: this.nodes,
    };
  }
}

export interface ModelOptions {
  /** Default-domain opset version (default 14). */
  opset?: number;
  /** Extra operator sets, for example `{ 'com.microsoft': 1 }`. */
  extraOpsets?: Record<string, number>;
  /** IR version (default 8: what onnxruntime 1.14+ and opset 14–18 use). */
  irVersion?: number;
  producerName?: string;
  metadata?: Record<string, string>;
}

export function buildModel(graph: GraphBuilder, opts: ModelOptions = {}): ModelProto {
  const opsets = [{ domain: '', version: opts.opset ?? 14 }];
  for (const [domain, version] of Object.entries(opts.extraOpsets ?? {})) opsets.push({ domain, version });
  return onnx.ModelProto.create({
    irVersion: opts.irVersion ?? 8,
    producerName: opts.producerName ?? 'slim-whisper',
    opsetImport: opsets,
    graph: graph.toProto(),
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}

export function serializeModel(graph: GraphBuilder, opts: ModelOptions = {}): Uint8Array {
  return encodeModel(buildModel(graph, opts));
}

// Host tensor constructors: the builder's callers mostly need these few.

export function f32(dims: number[], data: ArrayLike<number>): HostTensor {
  return { dtype: 'float32', dims, data: Float32Array.from(data) };
}

export function i64(dims: number[], data: ArrayLike<number>): HostTensor {
  return { dtype: 'int64', dims, data: BigInt64Array.from(Array.from(data, (x) => BigInt(x))) };
}

export function scalarF32(x: number): HostTensor {
  return f32([], [x]);
}
