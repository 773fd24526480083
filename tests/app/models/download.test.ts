/**
 * The download engine against a local hub (hf-server.ts): the full path with the hub's hashes,
 * and the faults of issue 7: a connection dropped mid-way (resumed with Range), a server that
 * ignores Range, 404, a wrong hash, an abort, a stalled response, 503s, no network at all, and
 * two downloads of one model at once.
 */
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { downloadModel, partialDownload, type DownloadProgress } from '../../../app/models/download.ts';
import { rejectsWithCode as rejects } from '../../helpers/errors.ts';
import { closedPort, COMMIT, fakeModel, useFakeHub } from './hf-server.ts';

const REPO = 'test/whisper-fake';
const model = fakeModel('fake', REPO);
const { entry: FAKE, files } = model;
const { hub, tmp } = useFakeHub(model, 'slim-download-');
let dir: string;
let n = 0;

const smallBytes = files['config.json'].length + files['tokenizer.json'].length;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fast = { retryBaseMs: 5 };

beforeEach(() => {
  dir = join(tmp, `models-${++n}`);
  hub.requests.length = 0;
});

function assertInstalledRight(path: string) {
  for (const [name, content] of Object.entries(files)) {
    assert.ok(readFileSync(join(path, name)).equals(content), `${name} differs`);
  }
  assert.equal(existsSync(join(path, 'preprocessor_config.json')), false);
  assert.deepEqual(
    readdirSync(path).filter((f) => f.endsWith('.part')),
    [],
  );
}

const cdnRequests = () => hub.requests.filter((r) => r.path.startsWith('/cdn/'));

test('downloads every file, verifies the hub hashes and installs the model with its entry', async () => {
  const events: DownloadProgress[] = [];
  const m = await downloadModel(FAKE, {
    modelsDir: dir,
    endpoint: hub.endpoint,
    onProgress: (p) => events.push(p),
  });
  assert.equal(m.name, 'fake');
  assert.equal(m.path, join(dir, 'fake', 'model'));
  assertInstalledRight(m.path);
  assert.deepEqual(readdirSync(dir), ['fake']); // no staging folder, no lock left
  const entry = JSON.parse(readFileSync(join(dir, 'fake', 'entry.json'), 'utf8')) as {
    id: string;
    format: string;
    file: string;
    catalog: { commit: string; files: Array<{ path: string; sha256: string; bytes: number }> };
  };
  assert.equal(entry.id, 'fake');
  assert.equal(entry.format, 'hf-safetensors');
  assert.equal(entry.file, 'model');
  assert.equal(entry.catalog.commit, COMMIT);
  for (const f of entry.catalog.files) {
    const content = files[f.path as keyof typeof files];
    assert.equal(f.sha256, sha256(content));
    assert.equal(f.bytes, content.length);
  }
  // The first file resolves `main`; every later one is fetched at the commit it named.
  const resolves = hub.requests.filter((r) => r.path.includes('/resolve/')).map((r) => r.path);
  assert.match(resolves[0]!, /\/resolve\/main\/config\.json$/);
  for (const p of resolves.slice(1)) assert.match(p, new RegExp(`/resolve/${COMMIT}/`));
  // Progress: monotonic, ends with everything received, sizes exact.
  const total = Object.values(files).reduce((a, b) => a + b.length, 0);
  const last = events[events.length - 1]!;
  assert.equal(last.phase, 'done');
  assert.equal(last.receivedBytes, total);
  assert.equal(last.totalBytes, total);
  for (let i = 1; i < events.length; i++) assert.ok(events[i]!.receivedBytes >= events[i - 1]!.receivedBytes);
  assert.ok(events.some((e) => e.phase === 'downloading' && e.file === 'model.safetensors'));
  // Installed: a second call returns it without a request.
  hub.requests.length = 0;
  const again = await downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint });
  assert.equal(again.path, m.path);
  assert.equal(hub.requests.length, 0);
});

test('a connection dropped mid-way keeps the part, and the next download resumes it with Range', async () => {
  hub.faults.dropAfter.set('model.safetensors', 600_000);
  const err = await rejects(
    downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint, retries: 0 }),
    'MODEL_DOWNLOAD',
  );
  assert.match(err.message, /resumes/);
  assert.match(err.message, new RegExp(`${hub.endpoint}/${REPO}/resolve/main/model\\.safetensors`));
  const part = join(dir, '.download-fake', 'model', 'model.safetensors.part');
  const kept = statSync(part).size;
  assert.ok(kept > 0 && kept <= 600_000, `kept ${kept}`);
  assert.ok(readFileSync(part).equals(files['model.safetensors'].subarray(0, kept)));
  assert.equal(existsSync(join(dir, 'fake')), false, 'nothing installed');
  assert.ok((await partialDownload('fake', dir))!.bytes >= kept);

  hub.requests.length = 0;
  const m = await downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint });
  const cdn = cdnRequests();
  assert.equal(cdn.length, 1);
  assert.equal(cdn[0]!.range, `bytes=${kept}-`);
  assert.equal(cdn[0]!.status, 206);
  // The small files that were complete are not fetched again.
  assert.equal(hub.requests.filter((r) => r.path.endsWith('config.json') && r.status === 200).length, 0);
  assertInstalledRight(m.path);
  assert.equal(await partialDownload('fake', dir), null);
});

test('within one download, a drop is retried at once from where it stopped', async () => {
  hub.faults.dropAfter.set('model.safetensors', 700_000);
  const events: DownloadProgress[] = [];
  const m = await downloadModel(FAKE, {
    modelsDir: dir,
    endpoint: hub.endpoint,
    ...fast,
    onProgress: (p) => events.push(p),
  });
  assertInstalledRight(m.path);
  const cdn = cdnRequests();
  assert.equal(cdn.length, 2);
  assert.equal(cdn[0]!.range, null);
  assert.match(cdn[1]!.range ?? '', /^bytes=\d+-$/);
  assert.equal(cdn[1]!.status, 206);
  assert.ok(events.some((e) => e.phase === 'retrying' && /connection lost/.test(e.message ?? '')));
});

test('a server that ignores Range (200) gets the file from the start, not appended', async () => {
  hub.faults.dropAfter.set('model.safetensors', 400_000);
  await rejects(
    downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint, retries: 0 }),
    'MODEL_DOWNLOAD',
  );
  hub.faults.ignoreRange = true;
  hub.requests.length = 0;
  try {
    const m = await downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint });
    const cdn = cdnRequests();
    assert.equal(cdn.length, 1);
    assert.match(cdn[0]!.range ?? '', /^bytes=\d+-$/);
    assert.equal(cdn[0]!.status, 200);
    assertInstalledRight(m.path);
  } finally {
    hub.faults.ignoreRange = false;
  }
});

test('a 404 on a required file: MODEL_NOT_FOUND naming the URL and the folder, nothing left behind', async () => {
  hub.faults.notFound.add('model.safetensors');
  try {
    const err = await rejects(
      downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint }),
      'MODEL_NOT_FOUND',
    );
    assert.match(err.message, /404/);
    assert.ok(err.message.includes(`${hub.endpoint}/${REPO}/resolve/`), err.message);
    assert.ok(err.message.includes(join(dir, 'fake')), err.message);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    hub.faults.notFound.clear();
  }
});

test('a wrong hash (LFS sha256 or git blob id): MODEL_HASH, no model installed, staging deleted', async () => {
  for (const file of ['model.safetensors', 'tokenizer.json']) {
    hub.faults.wrongHash.add(file);
    try {
      const err = await rejects(
        downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint }),
        'MODEL_HASH',
      );
      assert.ok(err.message.includes(file), err.message);
      assert.match(err.message, /differs/);
      assert.deepEqual(readdirSync(dir), [], `${file}: ${readdirSync(dir).join(', ')}`);
    } finally {
      hub.faults.wrongHash.clear();
    }
  }
});

test('a resumed part that holds other bytes fails the hash once, then downloads from scratch', async () => {
  const modelDir = join(dir, '.download-fake', 'model');
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'model.safetensors.part'), randomBytes(300_000)); // an old version's bytes
  const state = {
    repo: REPO,
    revision: 'main',
    endpoint: hub.endpoint,
    commit: null,
    files: [],
    skipped: [],
  };
  writeFileSync(join(dir, '.download-fake', 'state.json'), JSON.stringify(state));
  const m = await downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint });
  assertInstalledRight(m.path);
  assert.deepEqual(
    cdnRequests().map((r) => r.range),
    ['bytes=300000-', null],
  );
});

test('abort mid-way: CANCELLED, the part is kept, and the next call resumes it', async () => {
  hub.faults.holdAfter.set('model.safetensors', 500_000);
  const controller = new AbortController();
  const err = await rejects(
    downloadModel(FAKE, {
      modelsDir: dir,
      endpoint: hub.endpoint,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.file === 'model.safetensors' && p.receivedBytes >= 500_000 + smallBytes) controller.abort();
      },
    }),
    'CANCELLED',
  );
  assert.match(err.message, /stopped: downloading it again resumes/);
  const part = join(dir, '.download-fake', 'model', 'model.safetensors.part');
  const kept = statSync(part).size;
  assert.equal(kept, 500_000);
  assert.equal(existsSync(join(dir, 'fake')), false);

  hub.requests.length = 0;
  const m = await downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint });
  assert.deepEqual(
    cdnRequests().map((r) => [r.range, r.status]),
    [[`bytes=${kept}-`, 206]],
  );
  assertInstalledRight(m.path);
});

test('a response that stalls is dropped after the idle timeout and resumed', async () => {
  hub.faults.holdAfter.set('model.safetensors', 800_000);
  const m = await downloadModel(FAKE, {
    modelsDir: dir,
    endpoint: hub.endpoint,
    idleTimeoutMs: 300,
    ...fast,
  });
  assertInstalledRight(m.path);
  assert.deepEqual(
    cdnRequests().map((r) => r.range),
    [null, 'bytes=800000-'],
  );
});

test('503s are retried; too many give MODEL_DOWNLOAD with the count of tries', async () => {
  hub.faults.unavailable.set('config.json', 2);
  const m = await downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint, ...fast });
  assertInstalledRight(m.path);
  assert.equal(hub.requests.filter((r) => r.status === 503).length, 2);

  hub.faults.unavailable.set('config.json', 10);
  const err = await rejects(
    downloadModel(FAKE, { modelsDir: join(tmp, 'busy'), endpoint: hub.endpoint, retries: 2, ...fast }),
    'MODEL_DOWNLOAD',
  );
  assert.match(err.message, /503/);
  assert.match(err.message, /after 3 tries/);
  hub.faults.unavailable.clear();
});

test('offline (connection refused): MODEL_OFFLINE naming the URLs to fetch and the folder to put them in', async () => {
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const err = await rejects(downloadModel(FAKE, { modelsDir: dir, endpoint }), 'MODEL_OFFLINE');
  assert.match(err.message, /offline/);
  assert.match(err.message, /ECONNREFUSED/);
  for (const f of FAKE.files)
    assert.ok(err.message.includes(`${endpoint}/${REPO}/resolve/main/${f.path}`), f.path);
  assert.ok(err.message.includes(join(dir, 'fake')), err.message);
  assert.deepEqual(readdirSync(dir), [], 'no staging folder left');
});

test('a second download of the same model while one runs is refused; the first one finishes', async () => {
  hub.faults.holdAfter.set('model.safetensors', 200_000);
  let started!: () => void;
  const reached = new Promise<void>((resolve) => (started = resolve));
  const first = downloadModel(FAKE, {
    modelsDir: dir,
    endpoint: hub.endpoint,
    idleTimeoutMs: 1500,
    ...fast,
    progressIntervalMs: 0,
    onProgress: (p) => {
      if (p.file === 'model.safetensors' && p.receivedBytes > 0) started();
    },
  });
  await reached;
  const err = await rejects(
    downloadModel(FAKE, { modelsDir: dir, endpoint: hub.endpoint }),
    'MODEL_DOWNLOAD',
  );
  assert.match(err.message, /already being downloaded/);
  const m = await first; // the stall ends in a retry that resumes
  assertInstalledRight(m.path);
  assert.deepEqual(readdirSync(dir), ['fake']);
});
