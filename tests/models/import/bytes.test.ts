/**
 * The byte-based loaders (the engine worker's) give the same checkpoint as the path loaders, from
 * the files transformersJsFileNames / hfFileNames pick: Transformers.js exports (external data
 * included), HF safetensors folders (one file or shards; f32/f16/bf16) and ggml files (f32/f16).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { writeTransformersJsFolder } from '../../../models/fixtures/write-onnx.ts';
import { checkpointFingerprint } from '../../../models/checkpoint/fingerprint.ts';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { writeGgmlFile } from '../../../models/fixtures/write-ggml.ts';
import { writeHfFolder } from '../../../models/fixtures/write-hf.ts';
import {
  checkpointFromBytes,
  detectBytesFormat,
  hfFileNames,
  transformersJsFileNames,
} from '../../../models/import/bytes.ts';
import { loadGgmlCheckpoint } from '../../../models/import/ggml.ts';
import { loadHfCheckpoint } from '../../../models/import/hf.ts';
import { readSafetensors, writeSafetensors } from '../../../models/import/safetensors.ts';
import { loadTransformersJsCheckpoint } from '../../../models/import/onnx.ts';
import { SlimError } from '../../../models/errors.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-bytes-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function listing(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listing(p, base) : [relative(base, p).split('\\').join('/')];
  });
}

for (const [variant, externalData] of [
  ['quantized', false],
  ['fp32', true],
] as const) {
  test(`bytes of a ${variant} export${externalData ? ' with external data' : ''} load as the folder does`, async () => {
    const dir = join(tmp, `${variant}-${externalData}`);
    writeTransformersJsFolder(
      { ...makeFixtureCheckpoint({ seed: 5, multilingual: true }), alignmentHeads: [[1, 0]] },
      dir,
      variant,
      { externalData },
    );
    const names = transformersJsFileNames(listing(dir), dir);
    assert.ok(names.includes('config.json') && names.includes('tokenizer.json'), names.join(', '));
    assert.ok(!names.some((n) => n.includes('with_past')), 'only the merged decoder is sent');
    if (externalData) assert.ok(names.some((n) => !n.endsWith('.onnx') && n.startsWith('onnx/')));
    const files = new Map(names.map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]));
    const fromBytes = await checkpointFromBytes('transformers-js-onnx', files, 'model');
    const fromPath = await loadTransformersJsCheckpoint(dir);
    assert.deepEqual(fromBytes.dims, fromPath.dims);
    assert.deepEqual(fromBytes.alignmentHeads, fromPath.alignmentHeads);
    assert.equal(fromBytes.source.dtype, fromPath.source.dtype);
    assert.deepEqual([...fromBytes.tensors.keys()].sort(), [...fromPath.tensors.keys()].sort());
    for (const [name, t] of fromPath.tensors) assert.deepEqual(fromBytes.tensors.get(name), t, name);
    assert.deepEqual(fromBytes.vocab?.tokens, fromPath.vocab?.tokens);
  });
}

test('a missing external data file and other formats fail with a clear SlimError', async () => {
  const dir = join(tmp, 'ext-missing');
  writeTransformersJsFolder(makeFixtureCheckpoint({ seed: 6 }), dir, 'fp32', { externalData: true });
  const names = transformersJsFileNames(listing(dir), dir).filter(
    (n) => n.endsWith('.onnx') || !n.startsWith('onnx/'),
  );
  const files = new Map(names.map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]));
  await assert.rejects(
    checkpointFromBytes('transformers-js-onnx', files, 'model'),
    (e: unknown) => e instanceof SlimError && e.code === 'MODEL_NOT_FOUND' && /external data/.test(e.message),
  );
  await assert.rejects(
    checkpointFromBytes('ggml', new Map(), 'ggml-base.bin'),
    (e: unknown) => e instanceof SlimError && e.code === 'MODEL_FORMAT',
  );
  assert.throws(
    () => detectBytesFormat(new Map([['notes.txt', new Uint8Array(8)]]), 'model'),
    (e: unknown) => e instanceof SlimError && e.code === 'MODEL_FORMAT',
  );
});

const readAll = (dir: string, names: string[]): Map<string, Uint8Array> =>
  new Map(names.map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]));

function sameCheckpoint(fromBytes: WhisperCheckpoint, fromPath: WhisperCheckpoint): void {
  assert.equal(checkpointFingerprint(fromBytes), checkpointFingerprint(fromPath));
  assert.equal(fromBytes.source.format, fromPath.source.format);
  assert.equal(fromBytes.source.dtype, fromPath.source.dtype);
  assert.equal(fromBytes.multilingual, fromPath.multilingual);
  assert.deepEqual(fromBytes.alignmentHeads, fromPath.alignmentHeads);
  assert.deepEqual(fromBytes.vocab?.tokens, fromPath.vocab?.tokens);
  assert.deepEqual(fromBytes.vocab?.specials, fromPath.vocab?.specials);
}

for (const dtype of ['f32', 'f16', 'bf16'] as const) {
  test(`bytes of an HF safetensors folder (${dtype}) load as the folder does`, async () => {
    const dir = join(tmp, `hf-${dtype}`);
    writeHfFolder({ ...makeFixtureCheckpoint({ seed: 7 }), alignmentHeads: [[1, 1]] }, dir, dtype);
    const names = hfFileNames(listing(dir));
    assert.deepEqual(names, ['config.json', 'generation_config.json', 'tokenizer.json', 'model.safetensors']);
    const files = readAll(dir, names);
    assert.equal(detectBytesFormat(files, 'model'), 'hf-safetensors');
    sameCheckpoint(await checkpointFromBytes('hf-safetensors', files, 'model'), await loadHfCheckpoint(dir));
  });
}

test('bytes of a sharded HF folder (model.safetensors.index.json) load as the folder does', async () => {
  const dir = join(tmp, 'hf-shards');
  writeHfFolder(makeFixtureCheckpoint({ seed: 8, multilingual: false }), dir, 'f16');
  const all = [...(await readSafetensors(join(dir, 'model.safetensors')))];
  unlinkSync(join(dir, 'model.safetensors'));
  const half = Math.ceil(all.length / 2);
  const shards = [all.slice(0, half), all.slice(half)];
  const weightMap: Record<string, string> = {};
  shards.forEach((part, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    writeFileSync(join(dir, file), writeSafetensors(new Map(part), 'f16'));
    for (const [name] of part) weightMap[name] = file;
  });
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
  writeFileSync(join(dir, 'notes.txt'), 'not served');
  const names = hfFileNames(listing(dir));
  assert.ok(names.includes('model.safetensors.index.json') && !names.includes('notes.txt'), names.join());
  assert.equal(names.filter((n) => n.endsWith('.safetensors')).length, 2);
  const files = readAll(dir, names);
  sameCheckpoint(await checkpointFromBytes('hf-safetensors', files, 'model'), await loadHfCheckpoint(dir));

  // A shard the index names but that was not handed over is a clear error, not a crash.
  files.delete('model-00002-of-00002.safetensors');
  await assert.rejects(
    checkpointFromBytes('hf-safetensors', files, 'model'),
    (e: unknown) => e instanceof SlimError && e.code === 'MODEL_NOT_FOUND' && /00002/.test(e.message),
  );
});

for (const ftype of ['f32', 'f16'] as const) {
  test(`bytes of a ggml file (${ftype}) load as the file does`, async () => {
    const path = join(tmp, `ggml-${ftype}.bin`);
    writeGgmlFile(makeFixtureCheckpoint({ seed: 9 }), path, ftype);
    const files = new Map([['ggml-fixture.bin', new Uint8Array(readFileSync(path))]]);
    assert.equal(detectBytesFormat(files, 'model'), 'ggml');
    sameCheckpoint(await checkpointFromBytes('ggml', files, 'model'), await loadGgmlCheckpoint(path));
  });
}

test('a truncated ggml file fails as MODEL_CORRUPT from bytes too', async () => {
  const path = join(tmp, 'ggml-cut.bin');
  writeGgmlFile(makeFixtureCheckpoint({ seed: 10 }), path, 'f16');
  const bytes = new Uint8Array(readFileSync(path));
  await assert.rejects(
    checkpointFromBytes('ggml', new Map([['x.bin', bytes.subarray(0, bytes.length - 100)]]), 'model'),
    (e: unknown) => e instanceof SlimError && e.code === 'MODEL_CORRUPT',
  );
});
