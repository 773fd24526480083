/**
 * Where the app finds a model's measured Slim forms: the user's cache first, then the records
 * shipped with the app; the main process finds them by the digest of the model's served files
 * (models:files carries them to the worker), the CLI by the weights' fingerprint.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { storedForms } from '../../../app/engine/open-engine.ts';
import {
  BUNDLED_RECORDS,
  convertCheckpoint,
  findRecord,
  findRecordBySource,
  recordForms,
  type ConversionRecord,
} from '../../../app/models/conversion.ts';
import { modelSourceFiles, sourceDigest } from '../../../app/models/model-source.ts';
import { ModelFiles } from '../../../main/services/model-files.ts';
import { ModelStore } from '../../../main/services/model-store.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { writeHfFolder } from '../../../models/fixtures/write-hf.ts';
import { loadCheckpoint } from '../../../models/import/load.ts';
import { AUDIO_DIR, BASE_MODEL_DIR } from '../../helpers/shared.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-conversion-forms-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a model measured by the CLI gets its forms in models:files; an unmeasured one gets null', async () => {
  const cacheDir = join(tmp, 'conversions');
  const measuredDir = join(tmp, 'measured-hf');
  writeHfFolder(makeFixtureCheckpoint({ seed: 21 }), measuredDir, 'f32');
  const plainDir = join(tmp, 'plain-hf');
  writeHfFolder(makeFixtureCheckpoint({ seed: 22 }), plainDir, 'f32');

  const ckpt = await loadCheckpoint(measuredDir);
  const { record } = await convertCheckpoint(ckpt, { clips: [join(AUDIO_DIR, 'jfk.wav')], cacheDir });
  assert.deepEqual(record.sources, [
    await sourceDigest(await modelSourceFiles('hf-safetensors', measuredDir)),
  ]);
  assert.deepEqual(storedForms(ckpt, cacheDir), recordForms(record));
  assert.equal(storedForms(await loadCheckpoint(plainDir), cacheDir), null);

  const store = new ModelStore(join(tmp, 'user'), []);
  const files = new ModelFiles(store, cacheDir);
  const measured = await store.import(measuredDir);
  const plain = await store.import(plainDir);
  // The store keeps a copy: the same files, so the same digest, wherever they lie.
  assert.deepEqual((await files.list(measured.id)).forms, recordForms(record));
  assert.equal((await files.list(plain.id)).forms, null);
});

test('an unmeasured record (no calibration) gives no forms', async () => {
  const cacheDir = join(tmp, 'unmeasured');
  const dir = join(tmp, 'unmeasured-hf');
  writeHfFolder(makeFixtureCheckpoint({ seed: 23 }), dir, 'f32');
  const ckpt = await loadCheckpoint(dir);
  const { record } = await convertCheckpoint(ckpt, { clips: [], cacheDir });
  assert.equal(record.calibration, null);
  assert.equal(findRecord(record.fingerprint, cacheDir), null);
  assert.equal(findRecordBySource(record.sources![0]!, cacheDir), null);
});

test('the embedded model: its bundled record is served; a record in the user cache wins', async () => {
  const bundled = BUNDLED_RECORDS[0]!;
  const digest = await sourceDigest(await modelSourceFiles('transformers-js-onnx', BASE_MODEL_DIR));
  const store = new ModelStore(join(tmp, 'user2'), [
    { id: 'bundled-whisper-base', name: 'whisper-base', path: BASE_MODEL_DIR },
  ]);
  const list = await new ModelFiles(store, join(tmp, 'empty-cache')).list('bundled-whisper-base');
  assert.deepEqual(list.forms, recordForms(bundled));
  assert.ok(bundled.sources?.includes(digest));

  // Measured again by the user (here: every layer flipped): the user's record is used.
  const cacheDir = join(tmp, 'user-cache');
  const mine: ConversionRecord = {
    ...bundled,
    selfAttention: bundled.selfAttention.map((l) => ({
      ...l,
      form: l.form === 'k-cache' ? 'x-cache' : 'k-cache',
    })),
  };
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, `${bundled.fingerprint}.json`), JSON.stringify(mine));
  assert.deepEqual(findRecord(bundled.fingerprint, cacheDir)!.selfAttention, mine.selfAttention);
  assert.deepEqual(findRecordBySource(digest, cacheDir)!.selfAttention, mine.selfAttention);
  assert.deepEqual(findRecord(bundled.fingerprint, null), bundled);
  assert.ok(readFileSync(join(cacheDir, `${bundled.fingerprint}.json`), 'utf8').includes(digest));
});
