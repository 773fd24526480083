/**
 * ModelFiles serves the files of installed HF safetensors and ggml models (not only Transformers.js
 * exports) by their listed names, and what it serves loads through the byte-based loader into the
 * same checkpoint as the path loader.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ModelFiles } from '../../../main/services/model-files.ts';
import { ModelStore } from '../../../main/services/model-store.ts';
import { checkpointFingerprint } from '../../../models/checkpoint/fingerprint.ts';
import { SlimError } from '../../../models/errors.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { writeGgmlFile } from '../../../models/fixtures/write-ggml.ts';
import { writeHfFolder } from '../../../models/fixtures/write-hf.ts';
import { checkpointFromBytes } from '../../../models/import/bytes.ts';
import { loadCheckpoint } from '../../../models/import/load.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-model-files-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const store = new ModelStore(join(tmp, 'user'), []);
const served = new ModelFiles(store);

async function loadServed(id: string) {
  const list = await served.list(id);
  const files = new Map<string, Uint8Array>();
  for (const f of list.files) {
    const bytes = await served.read(id, f.name);
    assert.equal(bytes.byteLength, f.bytes, f.name);
    files.set(f.name, bytes);
  }
  return { list, ckpt: await checkpointFromBytes(list.format, files, id) };
}

test('an imported HF safetensors folder is served and loads as its folder does', async () => {
  const src = join(tmp, 'whisper-hf');
  writeHfFolder(makeFixtureCheckpoint({ seed: 11 }), src, 'f16');
  writeFileSync(join(src, 'README.md'), 'not a model file');
  const entry = await store.import(src);
  const { list, ckpt } = await loadServed(entry.id);
  assert.equal(list.format, 'hf-safetensors');
  assert.ok(!list.files.some((f) => f.name === 'README.md'), 'only the loader’s files are listed');
  assert.equal(checkpointFingerprint(ckpt), checkpointFingerprint(await loadCheckpoint(entry.path)));
  await assert.rejects(
    served.read(entry.id, 'README.md'),
    (e: unknown) => e instanceof SlimError && e.code === 'INVALID_ARGUMENT',
  );
});

test('an imported ggml file is served by its name and loads as the file does', async () => {
  const src = join(tmp, 'ggml-fixture.bin');
  writeGgmlFile(makeFixtureCheckpoint({ seed: 12 }), src, 'f32');
  const entry = await store.import(src);
  const { list, ckpt } = await loadServed(entry.id);
  assert.equal(list.format, 'ggml');
  assert.deepEqual(
    list.files.map((f) => f.name),
    ['ggml-fixture.bin'],
  );
  assert.equal(checkpointFingerprint(ckpt), checkpointFingerprint(await loadCheckpoint(entry.path)));
  await assert.rejects(
    served.read(entry.id, 'entry.json'),
    (e: unknown) => e instanceof SlimError && e.code === 'INVALID_ARGUMENT',
  );
});
