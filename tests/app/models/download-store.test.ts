/**
 * Where downloads land and how the rest of the app sees them: the models folder, the desktop
 * app's model store listing and deleting a download, manual installs, name resolution,
 * cancelling a paused download, removing and re-downloading.
 */
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedModelDir } from '../../../models/catalog/embedded.ts';
import {
  discardDownload,
  downloadModel,
  partialDownload,
  removeModel,
} from '../../../app/models/download.ts';
import { listInstalledModels, modelsDir } from '../../../app/models/models-dir.ts';
import { resolveModel } from '../../../app/models/resolve.ts';
import { ModelStore } from '../../../main/services/model-store.ts';
import { rejectsWithCode as rejects } from '../../helpers/errors.ts';
import { fakeModel, useFakeHub } from './hf-server.ts';

const model = fakeModel();
const { entry: FAKE, files } = model;
const { hub, tmp } = useFakeHub(model, 'slim-models-');
let userData: string;
let dir: string;
let n = 0;

beforeEach(() => {
  userData = join(tmp, `user-${++n}`);
  dir = join(userData, 'models');
});

test('the models folder: $SLIM_WHISPER_MODELS_DIR, else <userData>/models of the desktop app', () => {
  assert.equal(modelsDir({ SLIM_WHISPER_MODELS_DIR: '/data/m' }), '/data/m');
  if (process.platform === 'linux') {
    assert.equal(modelsDir({ XDG_CONFIG_HOME: '/cfg' }), join('/cfg', 'Slim Whisper', 'models'));
  }
});

test("the desktop app's model store lists a download and can delete it", async () => {
  const m = await downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint });
  const store = new ModelStore(userData, []);
  const listed = await store.list();
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.id, 'fake');
  assert.equal(listed[0]!.format, 'hf-safetensors');
  assert.equal(listed[0]!.source, 'downloaded');
  assert.equal(listed[0]!.path, m.path);
  assert.equal(
    listed[0]!.bytes,
    Object.values(files).reduce((a, b) => a + b.length, 0),
  );
  await store.delete('fake');
  assert.deepEqual(await listInstalledModels(dir), []);
});

test('remove deletes an installed model; a second remove is MODEL_NOT_FOUND; force downloads again', async () => {
  await downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint });
  const removed = await removeModel(FAKE, dir);
  assert.equal(removed.id, 'fake');
  assert.deepEqual(readdirSync(dir), []);
  await rejects(removeModel(FAKE, dir), 'MODEL_NOT_FOUND');

  const first = await downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint });
  hub.requests.length = 0;
  const second = await downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint, force: true });
  assert.equal(second.path, first.path);
  assert.ok(hub.requests.some((r) => r.path.endsWith('/model.safetensors')));
  assert.deepEqual(readdirSync(dir), ['fake']);
});

test('a folder that holds something else under the same name is left alone', async () => {
  mkdirSync(join(dir, 'fake'), { recursive: true });
  writeFileSync(join(dir, 'fake', 'notes.txt'), 'mine');
  const m = await downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint });
  assert.equal(m.id, 'fake-2');
  assert.equal(readFileSync(join(dir, 'fake', 'notes.txt'), 'utf8'), 'mine');
});

test('cancel: discardDownload drops what a stopped download kept, and is refused while one runs', async () => {
  hub.faults.dropAfter.set('model.safetensors', 300_000);
  await rejects(
    downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint, retries: 0 }),
    'MODEL_DOWNLOAD',
  );
  assert.ok((await partialDownload('fake', dir))!.bytes > 0);
  await discardDownload('fake', dir);
  assert.equal(await partialDownload('fake', dir), null);
  assert.deepEqual(readdirSync(dir), []);

  hub.faults.holdAfter.set('model.safetensors', 100_000);
  const controller = new AbortController();
  let started!: () => void;
  const reached = new Promise<void>((resolve) => (started = resolve));
  const running = downloadModel(FAKE, {
    modelsDir: dir,
    endpoint: hub.endpoint,
    signal: controller.signal,
    progressIntervalMs: 0,
    onProgress: (p) => p.file === 'model.safetensors' && p.receivedBytes > 0 && started(),
  });
  await reached;
  const err = await rejects(discardDownload('fake', dir), 'MODEL_DOWNLOAD');
  assert.match(err.message, /already being downloaded/);
  controller.abort();
  await rejects(running, 'CANCELLED');
  await discardDownload('fake', dir);
  assert.deepEqual(readdirSync(dir), []);
});

test('names resolve to the installed copy, a manual folder, the embedded base, or say how to download', async () => {
  // Not installed, no downloader: the command that fetches it.
  const err = await rejects(resolveModel('tiny', { modelsDir: dir }), 'MODEL_NOT_FOUND');
  assert.match(err.message, /slim-whisper model download tiny/);
  // Neither a path nor a name: the catalog's names.
  const bad = await rejects(resolveModel('tinny', { modelsDir: dir }), 'MODEL_NOT_FOUND');
  assert.match(bad.message, /large-v3-turbo/);
  // base works offline from the embedded copy.
  const base = await resolveModel('base', { modelsDir: dir });
  assert.equal(base.embedded, true);
  assert.equal(base.path, embeddedModelDir());
  // A downloader is called for a name that is not installed.
  const asked: string[] = [];
  const r = await resolveModel('small.en', {
    modelsDir: dir,
    download: async (m) => {
      asked.push(m.repo);
      return '/somewhere/small.en';
    },
  });
  assert.deepEqual(asked, ['openai/whisper-small.en']);
  assert.equal(r.path, '/somewhere/small.en');
  // A manual install: files put straight into <dir>/tiny/ are found and given an entry.json.
  mkdirSync(join(dir, 'tiny'), { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, 'tiny', name), content);
  const manual = await resolveModel('tiny', { modelsDir: dir });
  assert.equal(manual.path, join(dir, 'tiny'));
  assert.equal(manual.catalog, 'tiny');
  assert.ok(existsSync(join(dir, 'tiny', 'entry.json')));
  const listed = await listInstalledModels(dir);
  assert.deepEqual(
    listed.map((m) => [m.name, m.catalog.manual]),
    [['tiny', true]],
  );
  assert.equal((await new ModelStore(userData, []).list())[0]!.path, join(dir, 'tiny'));
});
