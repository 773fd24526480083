import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Tensor } from '../../../models/checkpoint/types.ts';
import { SlimError, type ErrorCode } from '../../../models/errors.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import {
  openSafetensors,
  openSafetensorsIndex,
  readSafetensors,
  writeSafetensors,
} from '../../../models/import/safetensors.ts';
import {
  bfloat16sToFloats,
  floatToHalf,
  floatsToBfloat16s,
  halfToFloat,
} from '../../../models/numerics/half.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-safetensors-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;

function tmpFile(bytes: Uint8Array, name = `t${fileNo++}.safetensors`): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

/** A safetensors file from a raw header (object or text) and data section. */
function rawFile(header: object | string | Uint8Array, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h =
    header instanceof Uint8Array
      ? header
      : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, ...parts: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SlimError, `expected SlimError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const s of parts) assert.ok(e.message.includes(s), `"${e.message}" should mention "${s}"`);
    return true;
  });
}

function sampleTensors(): Map<string, Tensor> {
  const rng = new Rng(7);
  return new Map<string, Tensor>([
    ['a.weight', { shape: [3, 5], data: rng.normals(15) }],
    ['b.bias', { shape: [7], data: rng.normals(7, 100) }],
    ['c.scalar', { shape: [], data: Float32Array.of(-2.5) }],
    ['d.conv', { shape: [2, 3, 3], data: rng.normals(18, 1e-3) }],
  ]);
}

describe('half and bfloat16 conversions', () => {
  test('every binary16 value survives half → float → half', () => {
    for (let h = 0; h < 65536; h++) {
      const f = halfToFloat(h);
      if (Number.isNaN(f)) assert.ok(Number.isNaN(halfToFloat(floatToHalf(f))));
      else assert.equal(floatToHalf(f), h, `half 0x${h.toString(16)}`);
    }
  });

  test('float → half rounds to nearest even and saturates to infinity', () => {
    assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00); // tie → even (1.0)
    assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02); // tie → even (1 + 2^-9)
    assert.equal(floatToHalf(65504), 0x7bff);
    assert.equal(floatToHalf(65520), 0x7c00); // halfway to 2^16 rounds up to Infinity
    assert.equal(floatToHalf(-1e6), 0xfc00);
    assert.equal(floatToHalf(2 ** -25), 0); // tie between 0 and the smallest subnormal → 0
    assert.equal(floatToHalf(1.5 * 2 ** -25), 1);
    assert.equal(floatToHalf(-0), 0x8000);
  });

  test('bfloat16 round trip is exact on bfloat16 values and within 2^-8 relative otherwise', () => {
    const x = new Rng(3).normals(10000, 10);
    const y = bfloat16sToFloats(floatsToBfloat16s(x));
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(y[i]! - x[i]!) <= Math.abs(x[i]!) * 2 ** -8);
    assert.deepEqual(bfloat16sToFloats(floatsToBfloat16s(y)), y);
    assert.ok(Number.isNaN(bfloat16sToFloats(floatsToBfloat16s(Float32Array.of(NaN)))[0]!));
  });
});

describe('safetensors write → read', () => {
  for (const dtype of ['f32', 'f16', 'bf16'] as const) {
    test(`${dtype}: names, shapes and values come back`, async () => {
      const src = sampleTensors();
      const path = tmpFile(writeSafetensors(src, dtype, { format: 'pt' }));
      const store = await openSafetensors(path);
      try {
        assert.deepEqual(store.metadata, { format: 'pt' });
        assert.deepEqual(
          [...store.entries.values()].map((e) => e.dtype),
          Array(4).fill(dtype.toUpperCase()),
        );
      } finally {
        await store.close();
      }
      const got = await readSafetensors(path);
      assert.deepEqual([...got.keys()], [...src.keys()]);
      for (const [name, t] of src) {
        const g = got.get(name)!;
        assert.deepEqual(g.shape, t.shape);
        // f32 exact; f16 / bf16 round to nearest: relative error ≤ 2^-11 / 2^-8 (values here are normal).
        const tol = dtype === 'f32' ? 0 : dtype === 'f16' ? 2 ** -11 : 2 ** -8;
        for (let i = 0; i < t.data.length; i++) {
          assert.ok(Math.abs(g.data[i]! - t.data[i]!) <= Math.abs(t.data[i]!) * tol, `${name}[${i}]`);
        }
      }
    });
  }

  test('the header is padded so the data section starts 8-byte aligned', () => {
    const bytes = writeSafetensors(sampleTensors(), 'f32');
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + n) % 8, 0);
  });

  test('F64 tensors are read as float32', async () => {
    const d = Float64Array.of(1.5, -2.25, 1e-3);
    const path = tmpFile(
      rawFile({ x: { dtype: 'F64', shape: [3], data_offsets: [0, 24] } }, new Uint8Array(d.buffer)),
    );
    assert.deepEqual((await readSafetensors(path)).get('x')!.data, Float32Array.from(d));
  });
});

describe('safetensors shards', () => {
  function writeShards(dir: string, weightMap: Record<string, string>): void {
    mkdirSync(dir, { recursive: true });
    const src = sampleTensors();
    const shards = new Map<string, Map<string, Tensor>>();
    for (const [name, shard] of Object.entries(weightMap)) {
      if (!shards.has(shard)) shards.set(shard, new Map());
      if (src.has(name)) shards.get(shard)!.set(name, src.get(name)!);
    }
    for (const [shard, ts] of shards) writeFileSync(join(dir, shard), writeSafetensors(ts, 'f32'));
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: {}, weight_map: weightMap }),
    );
  }

  test('an index opens its shards as one store', async () => {
    const dir = join(tmp, 'shards-ok');
    const a = 'model-00001-of-00002.safetensors';
    const b = 'model-00002-of-00002.safetensors';
    writeShards(dir, { 'a.weight': a, 'b.bias': a, 'c.scalar': b, 'd.conv': b });
    const store = await openSafetensorsIndex(join(dir, 'model.safetensors.index.json'));
    try {
      assert.equal(store.entries.size, 4);
      assert.equal(store.entries.get('d.conv')!.file, join(dir, b));
      assert.deepEqual((await store.read('d.conv')).data, sampleTensors().get('d.conv')!.data);
    } finally {
      await store.close();
    }
  });

  test('an index naming a tensor its shard lacks is MODEL_CORRUPT', async () => {
    const dir = join(tmp, 'shards-lacking');
    writeShards(dir, { 'a.weight': 's1.safetensors', 'zzz.weight': 's1.safetensors' });
    const index = join(dir, 'model.safetensors.index.json');
    await rejectsWith(openSafetensorsIndex(index), 'MODEL_CORRUPT', index, 'zzz.weight');
  });

  test('an index pointing outside its folder is MODEL_CORRUPT', async () => {
    const dir = join(tmp, 'shards-escape');
    mkdirSync(dir, { recursive: true });
    const index = join(dir, 'model.safetensors.index.json');
    writeFileSync(index, JSON.stringify({ weight_map: { 'a.weight': '../x.safetensors' } }));
    await rejectsWith(openSafetensorsIndex(index), 'MODEL_CORRUPT', index, 'a.weight');
  });

  test('a missing shard is MODEL_NOT_FOUND naming the shard', async () => {
    const dir = join(tmp, 'shards-missing');
    mkdirSync(dir, { recursive: true });
    const index = join(dir, 'model.safetensors.index.json');
    writeFileSync(index, JSON.stringify({ weight_map: { 'a.weight': 'gone.safetensors' } }));
    await rejectsWith(openSafetensorsIndex(index), 'MODEL_NOT_FOUND', join(dir, 'gone.safetensors'));
  });

  test('a corrupt index is MODEL_CORRUPT', async () => {
    const dir = join(tmp, 'shards-badjson');
    mkdirSync(dir, { recursive: true });
    const index = join(dir, 'model.safetensors.index.json');
    writeFileSync(index, '{"weight_map": {');
    await rejectsWith(openSafetensorsIndex(index), 'MODEL_CORRUPT', index, 'JSON');
  });
});

describe('safetensors bad input', () => {
  const good = writeSafetensors(sampleTensors(), 'f32');
  const headerLen = Number(new DataView(good.buffer).getBigUint64(0, true));
  const f32 = (n: number): Uint8Array => new Uint8Array(4 * n);

  const cases: Array<[string, Uint8Array, ErrorCode, string[]]> = [
    ['empty file', new Uint8Array(0), 'MODEL_CORRUPT', ['empty']],
    ['shorter than the length field', Uint8Array.of(1, 2, 3), 'MODEL_CORRUPT', ['3 bytes']],
    [
      'cut inside the header',
      good.subarray(0, 8 + Math.floor(headerLen / 2)),
      'MODEL_CORRUPT',
      ['truncated'],
    ],
    ['cut inside the data', good.subarray(0, good.length - 10), 'MODEL_CORRUPT', ['d.conv', 'outside']],
    [
      'a huge header length (not safetensors)',
      new TextEncoder().encode('PK\x03\x04 not a safetensors file'),
      'MODEL_FORMAT',
      ['not a safetensors'],
    ],
    ['header that is not JSON', rawFile('{"a": {"dtype": "F32",'), 'MODEL_CORRUPT', ['JSON']],
    [
      'header that is not valid UTF-8',
      rawFile(Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d)),
      'MODEL_CORRUPT',
      ['JSON'],
    ],
    ['header that is a JSON array', rawFile('[1, 2]'), 'MODEL_CORRUPT', ['not a JSON object']],
    [
      'unknown dtype',
      rawFile({ w: { dtype: 'F12', shape: [1], data_offsets: [0, 4] } }, f32(1)),
      'MODEL_DTYPE',
      ['w', 'F12'],
    ],
    [
      'missing dtype',
      rawFile({ w: { shape: [1], data_offsets: [0, 4] } }, f32(1)),
      'MODEL_CORRUPT',
      ['w', 'dtype'],
    ],
    [
      'bad shape',
      rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)),
      'MODEL_CORRUPT',
      ['w', 'shape'],
    ],
    [
      'offsets reversed',
      rawFile({ w: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, f32(1)),
      'MODEL_CORRUPT',
      ['w', 'data_offsets'],
    ],
    [
      'offsets past the data',
      rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1)),
      'MODEL_CORRUPT',
      ['w', 'outside'],
    ],
    [
      'size not matching shape × dtype',
      rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2)),
      'MODEL_CORRUPT',
      ['w', 'needs 12'],
    ],
    [
      'overlapping tensors',
      rawFile(
        {
          u: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          v: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        },
        f32(3),
      ),
      'MODEL_CORRUPT',
      ['overlap', 'u', 'v'],
    ],
    ['metadata that is not strings', rawFile({ __metadata__: { n: 1 } }), 'MODEL_CORRUPT', ['__metadata__']],
  ];
  for (const [what, bytes, code, parts] of cases) {
    test(`${what} → ${code}`, async () => {
      const path = tmpFile(bytes);
      await rejectsWith(openSafetensors(path), code, path, ...parts);
    });
  }

  test('reading an integer tensor → MODEL_DTYPE', async () => {
    const path = tmpFile(
      rawFile({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(16)),
    );
    const store = await openSafetensors(path);
    try {
      await rejectsWith(store.read('ids'), 'MODEL_DTYPE', path, 'ids', 'I64');
    } finally {
      await store.close();
    }
  });

  test('a missing file → MODEL_NOT_FOUND', async () => {
    const path = join(tmp, 'nope.safetensors');
    await rejectsWith(openSafetensors(path), 'MODEL_NOT_FOUND', path);
  });

  test('a folder → MODEL_FORMAT', async () => {
    await rejectsWith(openSafetensors(tmp), 'MODEL_FORMAT', tmp);
  });
});
