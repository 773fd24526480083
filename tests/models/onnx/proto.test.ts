import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SlimError, type ErrorCode } from '../../../models/errors.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { GraphBuilder, buildModel, f32 } from '../../../models/onnx/builder.ts';
import { ExternalData, readModelFile } from '../../../models/onnx/files.ts';
import {
  decodeModel,
  encodeModel,
  forEachGraph,
  makeTensorProto,
  moveToExternalData,
  onnx,
  readTensor,
  type HostTensor,
  type TensorArray,
  type TensorProto,
} from '../../../models/onnx/proto.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-onnx-proto-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function throwsWith(fn: () => unknown, code: ErrorCode, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SlimError, `expected SlimError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const s of parts) assert.ok(e.message.includes(s), `"${e.message}" should mention "${s}"`);
    return true;
  });
}

/** Through the wire: encode a TensorProto and decode it again, as a file read would. */
function wire(t: TensorProto): TensorProto {
  return onnx.TensorProto.decode(onnx.TensorProto.encode(t).finish());
}

const SAMPLES: HostTensor[] = [
  { dtype: 'float32', dims: [2, 3], data: Float32Array.from([1.5, -2, 0, 3.25, 1e-30, -7]) },
  { dtype: 'float16', dims: [3], data: Uint16Array.from([0x3c00, 0xc000, 0x7bff]) },
  { dtype: 'bfloat16', dims: [2], data: Uint16Array.from([0x3f80, 0xbf00]) },
  { dtype: 'float64', dims: [2], data: Float64Array.from([Math.PI, -1e300]) },
  { dtype: 'int8', dims: [4], data: Int8Array.from([-128, -1, 0, 127]) },
  { dtype: 'uint8', dims: [2, 2], data: Uint8Array.from([0, 1, 128, 255]) },
  { dtype: 'int16', dims: [2], data: Int16Array.from([-32768, 32767]) },
  { dtype: 'uint16', dims: [2], data: Uint16Array.from([0, 65535]) },
  { dtype: 'int32', dims: [3], data: Int32Array.from([-(2 ** 31), 0, 2 ** 31 - 1]) },
  { dtype: 'int64', dims: [3], data: BigInt64Array.from([-(2n ** 40n), 0n, 2n ** 50n]) },
  { dtype: 'bool', dims: [2], data: Uint8Array.from([0, 1]) },
  { dtype: 'float32', dims: [], data: Float32Array.from([0.5]) },
  { dtype: 'float32', dims: [0, 4], data: new Float32Array(0) },
];

function same(a: TensorArray, b: TensorArray): void {
  assert.equal(a.constructor, b.constructor);
  assert.deepEqual(Array.from(a as ArrayLike<number | bigint>), Array.from(b as ArrayLike<number | bigint>));
}

describe('tensors', () => {
  for (const s of SAMPLES) {
    test(`${s.dtype} [${s.dims.join(', ')}] round-trips through raw_data`, () => {
      const back = readTensor(wire(makeTensorProto('t', s)), 'mem');
      assert.equal(back.dtype, s.dtype);
      assert.deepEqual(back.dims, s.dims);
      same(back.data, s.data);
    });
  }

  test('the typed repeated fields: float_data, int32_data (8/16-bit, fp16 bits), int64_data, double_data', () => {
    const cases: Array<[TensorProto, TensorArray]> = [
      [{ name: 'f', dataType: 1, dims: [2], floatData: [0.25, -3] }, Float32Array.from([0.25, -3])],
      [{ name: 'u8', dataType: 2, dims: [], int32Data: [200] }, Uint8Array.from([200])],
      [{ name: 'i8', dataType: 3, dims: [], int32Data: [-5] }, Int8Array.from([-5])],
      [
        { name: 'h', dataType: 10, dims: [2], int32Data: [0x3c00, 0x4000] },
        Uint16Array.from([0x3c00, 0x4000]),
      ],
      [
        { name: 'l', dataType: 7, dims: [2], int64Data: [3, -(2 ** 40)] },
        BigInt64Array.from([3n, -(2n ** 40n)]),
      ],
      [{ name: 'd', dataType: 11, dims: [1], doubleData: [1 / 3] }, Float64Array.from([1 / 3])],
    ];
    for (const [proto, want] of cases) same(readTensor(wire(proto), 'mem').data, want);
  });

  test('data that does not fit the dims is MODEL_CORRUPT, naming file and tensor', () => {
    throwsWith(
      () => readTensor(wire({ name: 'w', dataType: 1, dims: [3], rawData: new Uint8Array(8) }), 'x.onnx'),
      'MODEL_CORRUPT',
      'x.onnx',
      'w',
      '8 bytes',
    );
    throwsWith(
      () => readTensor(wire({ name: 'v', dataType: 1, dims: [3], floatData: [1, 2] }), 'x.onnx'),
      'MODEL_CORRUPT',
      'float_data',
    );
    throwsWith(
      () => readTensor(wire({ name: 'e', dataType: 1, dims: [2] }), 'x.onnx'),
      'MODEL_CORRUPT',
      'no data',
    );
  });

  test('strings and unknown types are MODEL_DTYPE', () => {
    throwsWith(() => readTensor(wire({ name: 's', dataType: 8, dims: [1] }), 'x.onnx'), 'MODEL_DTYPE', 's');
  });

  test('raw views of wide types are copied to aligned arrays', () => {
    const t = makeTensorProto('t', SAMPLES[0]!);
    const buf = new Uint8Array(onnx.TensorProto.encode(t).finish().length + 1);
    buf.set(onnx.TensorProto.encode(t).finish(), 1); // odd offset
    const back = readTensor(onnx.TensorProto.decode(buf.subarray(1)), 'mem');
    same(back.data, SAMPLES[0]!.data);
  });
});

function smallModel(): ReturnType<typeof buildModel> {
  const g = new GraphBuilder('g');
  g.input('x', 'float32', [1, 4]);
  const w = g.initializer('w', f32([4, 512], new Rng(1).normals(2048)));
  const b = g.initializer('b', f32([2], [1, 2])); // below the external threshold
  g.output(g.op('MatMul', ['x', w], { name: '/mm/MatMul' }), 'float32', [1, 512]);
  void b;
  return buildModel(g);
}

describe('model files', () => {
  test('decode(encode(model)) keeps graph, opset and IR version', () => {
    const m = decodeModel(encodeModel(smallModel()), 'mem');
    assert.equal(Number(m.irVersion), 8);
    assert.equal(Number(m.opsetImport[0]!.version), 14);
    assert.equal(m.graph!.node![0]!.name, '/mm/MatMul');
    assert.deepEqual(
      m.graph!.initializer!.map((t) => t.name),
      ['w', 'b'],
    );
  });

  test('a truncated model is MODEL_CORRUPT naming the file', () => {
    const bytes = encodeModel(smallModel());
    throwsWith(
      () => decodeModel(bytes.subarray(0, bytes.length - 100), 'cut.onnx'),
      'MODEL_CORRUPT',
      'cut.onnx',
      'truncated',
    );
    throwsWith(
      () => decodeModel(bytes.subarray(0, bytes.length >> 1), 'half.onnx'),
      'MODEL_CORRUPT',
      'half.onnx',
    );
  });

  test('random bytes, an empty file: MODEL_FORMAT; an ONNX header without graph: MODEL_CORRUPT', () => {
    const rng = new Rng(4);
    const junk = Uint8Array.from({ length: 4096 }, () => rng.int(0, 255));
    junk[0] = 0x12; // not the ir_version tag every ONNX file starts with
    throwsWith(() => decodeModel(junk, 'junk.onnx'), 'MODEL_FORMAT', 'junk.onnx', 'not an ONNX model');
    throwsWith(
      () => decodeModel(new Uint8Array(0), 'empty.onnx'),
      'MODEL_FORMAT',
      'empty.onnx',
      'not an ONNX model',
    );
    const bytes = encodeModel(smallModel());
    throwsWith(() => decodeModel(bytes.subarray(0, 6), 'head.onnx'), 'MODEL_CORRUPT', 'head.onnx');
  });

  test('a missing file is MODEL_NOT_FOUND', () => {
    throwsWith(() => readModelFile(join(tmp, 'nope.onnx')), 'MODEL_NOT_FOUND', 'nope.onnx');
  });

  test('forEachGraph visits If branches', () => {
    const then = new GraphBuilder('then');
    then.node('Identity', ['x'], ['y_then']);
    then.output('y_then', 'float32', [1]);
    const els = new GraphBuilder('else');
    els.node('Neg', ['x'], ['y_else']);
    els.output('y_else', 'float32', [1]);
    const g = new GraphBuilder('main');
    g.input('x', 'float32', [1]);
    g.input('c', 'bool', [1]);
    g.node('If', ['c'], ['y'], { attrs: { then_branch: { g: then }, else_branch: { g: els } } });
    g.output('y', 'float32', [1]);
    const names: string[] = [];
    forEachGraph(decodeModel(encodeModel(buildModel(g)), 'mem').graph!, (sub) => names.push(sub.name ?? ''));
    assert.deepEqual(names, ['main', 'then', 'else']);
  });
});

describe('external data', () => {
  test('moveToExternalData + ExternalData round-trip large initializers, 4096-aligned', () => {
    const model = smallModel();
    const blob = moveToExternalData(model, 'm.onnx_data', 1024);
    writeFileSync(join(tmp, 'm.onnx_data'), blob);
    const back = decodeModel(encodeModel(model), 'm.onnx');
    const [w, b] = back.graph!.initializer!;
    assert.equal(w!.dataLocation, onnx.TensorProto.DataLocation.EXTERNAL);
    assert.equal(b!.dataLocation, onnx.TensorProto.DataLocation.DEFAULT); // small: stays inline
    assert.equal(w!.externalData!.find((e) => e.key === 'offset')!.value, '0');
    const ext = new ExternalData(tmp);
    try {
      same(readTensor(w!, 'm.onnx', ext).data, new Rng(1).normals(2048));
      same(readTensor(b!, 'm.onnx', ext).data, Float32Array.from([1, 2]));
    } finally {
      ext.close();
    }
  });

  test('missing, short or escaping external data is reported', () => {
    const t = (location: string, length: number): TensorProto =>
      wire({
        name: 'w',
        dataType: 1,
        dims: [4],
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: location },
          { key: 'offset', value: '0' },
          { key: 'length', value: String(length) },
        ],
      });
    writeFileSync(join(tmp, 'short.onnx_data'), new Uint8Array(8));
    const ext = new ExternalData(tmp);
    try {
      throwsWith(
        () => readTensor(t('gone.onnx_data', 16), 'a.onnx', ext),
        'MODEL_NOT_FOUND',
        'a.onnx',
        'gone.onnx_data',
      );
      throwsWith(
        () => readTensor(t('short.onnx_data', 16), 'a.onnx', ext),
        'MODEL_CORRUPT',
        'short.onnx_data',
      );
      throwsWith(
        () => readTensor(t('../etc/passwd', 16), 'a.onnx', ext),
        'MODEL_CORRUPT',
        'leaves the model folder',
      );
      throwsWith(() => readTensor(t('short.onnx_data', 8), 'a.onnx'), 'MODEL_FORMAT', 'external');
    } finally {
      ext.close();
    }
  });
});
