/** Finding weights and their dequantization parameters in the patterns quantizers leave. */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { SlimError } from '../../../models/errors.ts';
import { GraphBuilder, buildModel, f32 } from '../../../models/onnx/builder.ts';
import { decodeModel, encodeModel, type HostTensor } from '../../../models/onnx/proto.ts';
import { GraphIndex, dequantize, quantParams, readWeight } from '../../../models/onnx/weights.ts';

const toFloat = (t: HostTensor): Float32Array => Float32Array.from(t.data as Float32Array);

function index(g: GraphBuilder): GraphIndex {
  return new GraphIndex(decodeModel(encodeModel(buildModel(g)), 'mem'));
}

const Q: HostTensor = { dtype: 'int8', dims: [2, 2], data: Int8Array.from([-2, 0, 3, 127]) };
const scalar = (dtype: 'int8' | 'uint8', v: number): HostTensor => ({
  dtype,
  dims: [],
  data: dtype === 'int8' ? Int8Array.of(v) : Uint8Array.of(v),
});

describe('dequantize', () => {
  test('per tensor: (q − zp)·scale for int8 and uint8', () => {
    assert.deepEqual(
      Array.from(dequantize(Int8Array.from([-128, -1, 0, 127]), [4], Float32Array.of(0.5), [-1], 0)),
      [-63.5, 0, 0.5, 64],
    );
    assert.deepEqual(
      Array.from(dequantize(Uint8Array.from([0, 128, 255]), [3], Float32Array.of(2), [128], 0)),
      [-256, 0, 254],
    );
    assert.deepEqual(
      Array.from(dequantize(Uint8Array.from([3]), [1], Float32Array.of(2), undefined, 0)),
      [6],
    );
  });

  test('per axis: columns (axis 1) and rows (axis 0)', () => {
    const q = Int8Array.from([1, 1, 1, 2, 2, 2]); // [2, 3]
    assert.deepEqual(
      Array.from(dequantize(q, [2, 3], Float32Array.from([1, 10, 100]), [0, 0, 1], 1)),
      [1, 10, 0, 2, 20, 100],
    );
    assert.deepEqual(
      Array.from(dequantize(q, [2, 3], Float32Array.from([1, 10]), undefined, 0)),
      [1, 1, 1, 20, 20, 20],
    );
    assert.throws(() => dequantize(q, [2, 3], Float32Array.from([1, 2, 3, 4]), undefined, 0), /does not fit/);
  });
});

describe('quantParams', () => {
  test('named siblings <base>_quantized / _scale / _zero_point', () => {
    const g = new GraphBuilder('g');
    g.initializer('onnx::MatMul_5_quantized', Q);
    g.initializer('onnx::MatMul_5_scale', f32([], [0.5]));
    g.initializer('onnx::MatMul_5_zero_point', scalar('int8', 1));
    const idx = index(g);
    assert.deepEqual(quantParams(idx, 'onnx::MatMul_5_quantized'), {
      scale: 'onnx::MatMul_5_scale',
      zeroPoint: 'onnx::MatMul_5_zero_point',
      axis: 0,
    });
    assert.deepEqual(
      Array.from(readWeight(idx, 'onnx::MatMul_5_quantized', 'mem', toFloat).data),
      [-1.5, -0.5, 1, 63],
    );
  });

  test('QDQ: DequantizeLinear inputs, directly or after Gather / Transpose', () => {
    const g = new GraphBuilder('g');
    g.input('ids', 'int64', [1]);
    g.initializer('w', Q);
    g.initializer('s', f32([], [2]));
    g.initializer('z', scalar('int8', 0));
    g.initializer('table', Q);
    g.initializer('ts', f32([], [4]));
    const w = g.op('DequantizeLinear', ['w', 's', 'z']);
    g.op('MatMul', [w, w]);
    const rows = g.op('Gather', ['table', 'ids']);
    g.op('DequantizeLinear', [rows, 'ts']);
    const idx = index(g);
    assert.deepEqual(quantParams(idx, 'w'), { scale: 's', zeroPoint: 'z', axis: 1 });
    assert.deepEqual(quantParams(idx, 'table'), { scale: 'ts', axis: 1 });
    assert.deepEqual(Array.from(readWeight(idx, 'table', 'mem', toFloat).data), [-8, 0, 12, 508]);
    // The real consumer of a dequantized weight is found through the DequantizeLinear.
    assert.deepEqual(
      idx.finalUses('w').map((u) => u.node.opType),
      ['MatMul', 'MatMul'],
    );
  });

  test('MatMulInteger without named siblings: zero point is input 3, scale the Mul with A’s scale', () => {
    const g = new GraphBuilder('g');
    g.input('x', 'float32', [1, 2]);
    g.initializer('B', Q);
    g.initializer('bzp', scalar('int8', 0));
    g.initializer('bscale', f32([], [0.25]));
    const [xq, xs, xz] = g.node('DynamicQuantizeLinear', ['x'], 3);
    const scales = g.op('Mul', [xs!, 'bscale']);
    const acc = g.op('MatMulInteger', [xq!, 'B', xz!, 'bzp']);
    g.op('Mul', [g.op('Cast', [acc], { attrs: { to: { i: 1 } } }), scales]);
    const idx = index(g);
    assert.deepEqual(quantParams(idx, 'B'), { scale: 'bscale', zeroPoint: 'bzp', axis: 1 });
    assert.deepEqual(Array.from(readWeight(idx, 'B', 'mem', toFloat).data), [-0.5, 0, 0.75, 31.75]);
  });

  test('an 8-bit initializer with no scale anywhere is MODEL_FORMAT naming file and tensor', () => {
    const g = new GraphBuilder('g');
    g.initializer('lonely', Q);
    assert.throws(
      () => readWeight(index(g), 'lonely', 'f.onnx', toFloat),
      (e: unknown) =>
        e instanceof SlimError && e.code === 'MODEL_FORMAT' && /f\.onnx.*lonely/.test(e.message),
    );
  });
});

describe('GraphIndex', () => {
  test('indexes Constant node tensors like initializers, and subgraph nodes', () => {
    const then = new GraphBuilder('then');
    then.node('Constant', [], ['k'], { attrs: { value: { t: f32([2], [3, 4]) } } });
    then.node('Add', ['k', 'k'], ['y']);
    then.output('y', 'float32', [2]);
    const g = new GraphBuilder('g');
    g.input('c', 'bool', [1]);
    g.node('If', ['c'], ['out'], { attrs: { then_branch: { g: then }, else_branch: { g: then } } });
    const idx = index(g);
    assert.deepEqual(Array.from(readWeight(idx, 'k', 'mem', toFloat).data), [3, 4]);
    assert.ok(idx.ops.has('If') && idx.ops.has('Add'));
    assert.equal(idx.producers.get('y')!.opType, 'Add');
  });
});
