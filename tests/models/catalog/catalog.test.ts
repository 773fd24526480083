import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  approxModelBytes,
  CATALOG,
  catalogModel,
  catalogNames,
  HF_ENDPOINT,
  hubFileUrl,
} from '../../../models/catalog/catalog.ts';
import { SlimError } from '../../../models/errors.ts';
import { modelFileUrls } from '../../../app/models/download.ts';

test("the catalog names openai/whisper's checkpoints, tiny … large-v3-turbo", () => {
  assert.deepEqual(catalogNames(), [
    'tiny',
    'tiny.en',
    'base',
    'base.en',
    'small',
    'small.en',
    'medium',
    'medium.en',
    'large-v1',
    'large-v2',
    'large-v3',
    'large-v3-turbo',
  ]);
  assert.equal(catalogModel('large-v1').repo, 'openai/whisper-large');
  assert.equal(catalogModel('medium.en').repo, 'openai/whisper-medium.en');
  assert.equal(catalogModel('large-v3-turbo').repo, 'openai/whisper-large-v3-turbo');
  assert.equal(catalogModel('base').embedded, true);
  assert.equal(CATALOG.filter((m) => m.embedded).length, 1);
});

test('every entry fetches what the HF importer needs: config, generation config, weights, tokenizer', () => {
  for (const m of CATALOG) {
    const required = m.files.filter((f) => !f.optional).map((f) => f.path);
    for (const f of ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json'])
      assert.ok(required.includes(f), `${m.name}: ${f}`);
    assert.equal(m.multilingual, !m.name.endsWith('.en'), m.name);
    for (const f of m.files) {
      assert.ok(f.approxBytes > 0, `${m.name}/${f.path}`);
      if (f.sha256 !== undefined) assert.match(f.sha256, /^[0-9a-f]{64}$/);
    }
  }
});

test('approximate sizes grow with the parameter count (float16 for large-v3 and turbo)', () => {
  const size = (name: string) => approxModelBytes(catalogModel(name));
  assert.ok(size('tiny') < size('base') && size('base') < size('small') && size('small') < size('medium'));
  assert.ok(size('medium') < size('large-v2'));
  assert.ok(size('large-v3-turbo') < size('large-v3') && size('large-v3') < size('large-v2'));
  // float32 checkpoints hold about 4 bytes a parameter
  for (const name of ['tiny', 'base', 'small', 'medium', 'large-v2']) {
    const ratio = size(name) / (catalogModel(name).paramsM * 1e6);
    assert.ok(ratio > 3.6 && ratio < 4.4, `${name}: ${ratio}`);
  }
});

test('hub URLs: <endpoint>/<repo>/resolve/<revision>/<file>', () => {
  assert.equal(
    hubFileUrl(HF_ENDPOINT, 'openai/whisper-tiny', 'main', 'model.safetensors'),
    'https://huggingface.co/openai/whisper-tiny/resolve/main/model.safetensors',
  );
  assert.equal(
    hubFileUrl('http://127.0.0.1:8080/', 'a/b', 'refs/pr/1', 'onnx/x y.onnx'),
    'http://127.0.0.1:8080/a/b/resolve/refs%2Fpr%2F1/onnx/x%20y.onnx',
  );
  const urls = modelFileUrls(catalogModel('small'), HF_ENDPOINT);
  assert.ok(urls.includes('https://huggingface.co/openai/whisper-small/resolve/main/tokenizer.json'));
});

test('an unknown name is MODEL_NOT_FOUND listing the names', () => {
  assert.throws(
    () => catalogModel('huge'),
    (e: unknown) =>
      e instanceof SlimError && e.code === 'MODEL_NOT_FOUND' && /tiny, tiny\.en/.test(e.message),
  );
});
