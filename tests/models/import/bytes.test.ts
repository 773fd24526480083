/**
 * The byte-based Transformers.js loader (the engine worker's) gives the same checkpoint as the
 * folder loader, from the files transformersJsFileNames picks, external data included.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { writeTransformersJsFolder } from '../../../models/fixtures/write-onnx.ts';
import { checkpointFromBytes, transformersJsFileNames } from '../../../models/import/bytes.ts';
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
    const fromBytes = checkpointFromBytes('transformers-js-onnx', files, 'model');
    const fromPath = await loadTransformersJsCheckpoint(dir);
    assert.deepEqual(fromBytes.dims, fromPath.dims);
    assert.deepEqual(fromBytes.alignmentHeads, fromPath.alignmentHeads);
    assert.equal(fromBytes.source.dtype, fromPath.source.dtype);
    assert.deepEqual([...fromBytes.tensors.keys()].sort(), [...fromPath.tensors.keys()].sort());
    for (const [name, t] of fromPath.tensors) assert.deepEqual(fromBytes.tensors.get(name), t, name);
    assert.deepEqual(fromBytes.vocab?.tokens, fromPath.vocab?.tokens);
  });
}

test('a missing external data file and other formats fail with a clear SlimError', () => {
  const dir = join(tmp, 'ext-missing');
  writeTransformersJsFolder(makeFixtureCheckpoint({ seed: 6 }), dir, 'fp32', { externalData: true });
  const names = transformersJsFileNames(listing(dir), dir).filter(
    (n) => n.endsWith('.onnx') || !n.startsWith('onnx/'),
  );
  const files = new Map(names.map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]));
  assert.throws(
    () => checkpointFromBytes('transformers-js-onnx', files, 'model'),
    (e: unknown) => e instanceof SlimError && e.code === 'MODEL_NOT_FOUND' && /external data/.test(e.message),
  );
  assert.throws(
    () => checkpointFromBytes('ggml', new Map(), 'ggml-base.bin'),
    (e: unknown) => e instanceof SlimError && e.code === 'MODEL_FORMAT',
  );
});
