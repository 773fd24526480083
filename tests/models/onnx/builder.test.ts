import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import * as ort from 'onnxruntime-web';
import { SlimError } from '../../../models/errors.ts';
import {
  GraphBuilder,
  buildModel,
  f32,
  i64,
  scalarF32,
  serializeModel,
} from '../../../models/onnx/builder.ts';
import { decodeModel, onnx, readTensor } from '../../../models/onnx/proto.ts';

ort.env.wasm.numThreads = 1;

/** y = x·W + b when c, else −x·W: an If whose branches share the outer graph's initializer W. */
function ifModel(): GraphBuilder {
  const g = new GraphBuilder('main');
  g.input('x', 'float32', ['batch', 2]);
  g.input('c', 'bool', [1]);
  g.initializer('W', f32([2, 3], [1, 2, 3, 4, 5, 6]));
  g.initializer('b', f32([3], [0.5, 0.5, 0.5]));
  const then = new GraphBuilder('then');
  const mm = then.op('MatMul', ['x', 'W'], { name: '/lin/MatMul' });
  then.node('Add', [mm, 'b'], ['y_then'], { name: '/lin/Add' });
  then.output('y_then', 'float32', ['batch', 3]);
  const els = new GraphBuilder('else');
  const mm2 = els.op('MatMul', ['x', 'W'], { name: '/lin/MatMul' });
  els.node('Neg', [mm2], ['y_else']);
  els.output('y_else', 'float32', ['batch', 3]);
  g.node('If', ['c'], ['y'], {
    name: 'optimum::if',
    attrs: { then_branch: { g: then }, else_branch: { g: els } },
  });
  g.output('y', 'float32', ['batch', 3]);
  return g;
}

describe('GraphBuilder', () => {
  test('serializes a model that decodes to the same structure', () => {
    const m = decodeModel(
      serializeModel(ifModel(), { opset: 17, extraOpsets: { 'com.microsoft': 1 } }),
      'mem',
    );
    assert.deepEqual(
      m.opsetImport.map((o) => [o.domain, Number(o.version)]),
      [
        ['', 17],
        ['com.microsoft', 1],
      ],
    );
    const g = m.graph!;
    assert.deepEqual(
      g.input!.map((i) => i.name),
      ['x', 'c'],
    );
    const dims = g.input![0]!.type!.tensorType!.shape!.dim!;
    assert.equal(dims[0]!.dimParam, 'batch');
    assert.equal(Number(dims[1]!.dimValue), 2);
    const ifNode = g.node![0]!;
    assert.equal(ifNode.opType, 'If');
    const thenG = ifNode.attribute!.find((a) => a.name === 'then_branch')!.g!;
    assert.deepEqual(
      thenG.node!.map((n) => [n.name, n.opType, n.input]),
      [
        ['/lin/MatMul', 'MatMul', ['x', 'W']],
        ['/lin/Add', 'Add', ['/lin/MatMul_output_0', 'b']],
      ],
    );
    assert.deepEqual(
      Array.from(readTensor(g.initializer![0]!, 'mem').data as Float32Array),
      [1, 2, 3, 4, 5, 6],
    );
  });

  test('attributes keep their ONNX types', () => {
    const g = new GraphBuilder('g');
    g.input('x', 'float32', [1]);
    g.node('Custom', ['x'], ['y'], {
      name: 'n',
      domain: 'test',
      attrs: {
        i: { i: 3 },
        f: { f: 0.5 },
        s: { s: 'hé' },
        ints: { ints: [1, -1] },
        floats: { floats: [0.25] },
        t: { t: i64([2], [7, 8]) },
      },
    });
    const attrs = decodeModel(serializeModel(g), 'mem').graph!.node![0]!.attribute!;
    const T = onnx.AttributeProto.AttributeType;
    const by = new Map(attrs.map((a) => [a.name, a]));
    assert.equal(by.get('i')!.type, T.INT);
    assert.equal(Number(by.get('i')!.i), 3);
    assert.equal(by.get('f')!.type, T.FLOAT);
    assert.equal(by.get('f')!.f, 0.5);
    assert.equal(new TextDecoder().decode(by.get('s')!.s!), 'hé');
    assert.deepEqual(by.get('ints')!.ints!.map(Number), [1, -1]);
    assert.deepEqual(by.get('floats')!.floats, [0.25]);
    assert.deepEqual(Array.from(readTensor(by.get('t')!.t!, 'mem').data as BigInt64Array), [7n, 8n]);
  });

  test('names: exporter-style numbering, duplicates rejected', () => {
    const g = new GraphBuilder('g');
    g.input('x', 'float32', [1]);
    const a = g.op('Relu', ['x']);
    const b = g.op('Relu', [a]);
    assert.deepEqual([a, b], ['/Relu_output_0', '/Relu_1_output_0']);
    assert.throws(() => g.input('x', 'float32', [1]), SlimError);
    assert.throws(() => g.node('Relu', ['x'], 1, { name: '/Relu' }), SlimError);
    assert.throws(() => g.initializer('bad', f32([2], [1])), SlimError);
  });

  test('onnxruntime-web runs it: both If branches, sharing the outer initializer', async () => {
    const s = await ort.InferenceSession.create(serializeModel(ifModel()));
    const x = new ort.Tensor('float32', Float32Array.from([1, 1, 0, 2]), [2, 2]);
    const yes = await s.run({ x, c: new ort.Tensor('bool', [true], [1]) });
    assert.deepEqual(Array.from(yes.y!.data as Float32Array), [5.5, 7.5, 9.5, 8.5, 10.5, 12.5]);
    const no = await s.run({ x, c: new ort.Tensor('bool', [false], [1]) });
    assert.deepEqual(Array.from(no.y!.data as Float32Array), [-5, -7, -9, -8, -10, -12]);
  });

  test('buildModel defaults: IR 8, opset 14, metadata', () => {
    const g = new GraphBuilder('g');
    g.input('x', 'float32', []);
    g.initializer('k', scalarF32(2));
    g.output(g.op('Mul', ['x', 'k']), 'float32', []);
    const m = buildModel(g, { metadata: { source: 'test' } });
    assert.equal(Number(m.irVersion), 8);
    assert.equal(Number(m.opsetImport[0]!.version), 14);
    assert.deepEqual(
      m.metadataProps.map((p) => [p.key, p.value]),
      [['source', 'test']],
    );
  });
});
