/**
 * Model files damaged on disk, the cases tests/models/import leaves out: a Transformers.js
 * export whose graph files are empty, whose tokenizer.json is cut short or empty, whose
 * config.json is empty or generation_config.json broken. Each is a SlimError with its code and
 * the file's path, from the folder loader (CLI) and from the bytes loader (engine worker) alike.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { SlimError, type ErrorCode } from '../../../models/errors.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { writeTransformersJsFolder } from '../../../models/fixtures/write-onnx.ts';
import { transformersJsCheckpointFromBytes } from '../../../models/import/bytes.ts';
import { loadCheckpoint } from '../../../models/import/load.ts';

const ckpt = makeFixtureCheckpoint({ seed: 2 });
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function damagedFolder(file: string, bytes: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'slim-model-files-'));
  dirs.push(dir);
  writeTransformersJsFolder(ckpt, dir, 'fp32');
  writeFileSync(join(dir, file), bytes);
  return dir;
}

function filesOf(dir: string): Map<string, Uint8Array> {
  const names = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) =>
    /\.(json|onnx)$/.test(n),
  );
  return new Map(names.map((n) => [relative(dir, join(dir, n)), new Uint8Array(readFileSync(join(dir, n)))]));
}

const cases: Array<[what: string, file: string, bytes: string, code: ErrorCode, message: RegExp]> = [
  ['an empty encoder graph', 'onnx/encoder_model.onnx', '', 'MODEL_FORMAT', /not an ONNX model/],
  ['an empty decoder graph', 'onnx/decoder_model_merged.onnx', '', 'MODEL_FORMAT', /not an ONNX model/],
  ['a tokenizer.json cut short', 'tokenizer.json', '{"model": {"vocab"', 'TOKENIZER', /not valid JSON/],
  ['an empty tokenizer.json', 'tokenizer.json', '', 'TOKENIZER', /not valid JSON/],
  ['an empty config.json', 'config.json', '', 'MODEL_CONFIG', /not valid JSON/],
  ['a broken generation_config.json', 'generation_config.json', '{', 'MODEL_CONFIG', /not valid JSON/],
];

for (const [what, file, bytes, code, message] of cases) {
  test(`${what}: ${code} naming ${file}, from a folder and from bytes`, async () => {
    const dir = damagedFolder(file, bytes);
    const check = (e: unknown): boolean => {
      assert.ok(e instanceof SlimError, `a SlimError, not ${String(e)}`);
      assert.equal(e.code, code);
      assert.match(e.message, message);
      assert.ok(e.message.includes(file), `${e.message} names ${file}`);
      return true;
    };
    await assert.rejects(loadCheckpoint(dir), check);
    assert.throws(() => transformersJsCheckpointFromBytes(filesOf(dir), 'model'), check);
  });
}

test('the undamaged folder loads (the damage is what fails)', async () => {
  const dir = damagedFolder('unrelated.txt', '');
  const loaded = await loadCheckpoint(dir);
  assert.deepEqual(loaded.dims, ckpt.dims);
  assert.deepEqual(transformersJsCheckpointFromBytes(filesOf(dir), 'model').dims, ckpt.dims);
});
