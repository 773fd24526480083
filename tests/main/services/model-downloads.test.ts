/**
 * The model manager's downloads against a local stand-in for the Hugging Face hub: start with
 * progress events, pause (the part is kept and listed), resume, cancel (the part is dropped),
 * and the installed model appears in the model store's list; names outside the catalog are refused.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ModelDownloads, type DownloadEvent } from '../../../main/services/model-downloads.ts';
import { ModelStore } from '../../../main/services/model-store.ts';
import { SlimError } from '../../../models/errors.ts';
import { fakeModel, startFakeHub, type FakeHub } from '../../app/models/hf-server.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-downloads-'));
const fake = fakeModel('fake');
let hub: FakeHub;
before(async () => {
  hub = await startFakeHub();
  fake.serve(hub);
});
after(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

function manager(dir: string) {
  const events: DownloadEvent[] = [];
  let onEvent = (_e: DownloadEvent): void => undefined;
  const downloads = new ModelDownloads({
    dir,
    catalog: [fake.entry],
    endpoint: hub.endpoint,
    emit: (e) => {
      events.push(e);
      onEvent(e);
    },
  });
  const next = (kind: DownloadEvent['kind']) =>
    new Promise<DownloadEvent>((resolve) => {
      const prev = onEvent;
      onEvent = (e) => {
        prev(e);
        if (e.kind === kind) resolve(e);
      };
    });
  return { downloads, events, next };
}

/** Waits until the held download has written its part file. */
async function partWritten(dir: string): Promise<void> {
  while (!existsSync(join(dir, '.download-fake', 'model', 'model.safetensors.part')))
    await new Promise((r) => setTimeout(r, 20));
}

test('start → progress → installed, listed by the model store', async () => {
  const store = new ModelStore(join(tmp, 'a'), []);
  const { downloads, events, next } = manager(store.dir);
  assert.deepEqual(
    (await downloads.list()).map((m) => [m.name, m.state]),
    [['fake', 'none']],
  );
  const installed = next('installed');
  downloads.start('fake');
  assert.equal((await downloads.list())[0]!.state, 'downloading');
  const done = await installed;
  assert.ok(done.kind === 'installed');
  const progress = events.filter((e) => e.kind === 'progress');
  assert.ok(progress.some((e) => e.kind === 'progress' && e.phase === 'downloading' && e.receivedBytes > 0));
  const [listing] = await downloads.list();
  assert.equal(listing!.state, 'installed');
  assert.equal(listing!.installedId, done.id);
  assert.ok(listing!.bytes >= 1_500_000);
  const entry = (await store.list()).find((m) => m.id === done.id);
  assert.equal(entry?.format, 'hf-safetensors');
});

test('pause keeps the part, resume finishes it; cancel drops a paused part', async () => {
  const dir = join(tmp, 'b', 'models');
  const { downloads, next } = manager(dir);
  hub.faults.holdAfter.set('model.safetensors', 400_000);
  const paused = next('paused');
  downloads.start('fake');
  await partWritten(dir);
  await downloads.pause('fake');
  await paused;
  const [p] = await downloads.list();
  assert.equal(p!.state, 'paused');
  assert.ok(p!.bytes > 0, 'the part is kept');

  const installed = next('installed');
  downloads.start('fake');
  await installed;
  assert.equal((await downloads.list())[0]!.state, 'installed');

  // A second folder: pause, then cancel drops the part.
  const dir2 = join(tmp, 'c', 'models');
  const m2 = manager(dir2);
  hub.faults.holdAfter.set('model.safetensors', 300_000);
  const paused2 = m2.next('paused');
  m2.downloads.start('fake');
  await partWritten(dir2);
  await m2.downloads.pause('fake');
  await paused2;
  const cancelled = m2.next('cancelled');
  await m2.downloads.cancel('fake');
  await cancelled;
  assert.equal(existsSync(join(dir2, '.download-fake')), false);
  assert.equal((await m2.downloads.list())[0]!.state, 'none');
});

test('a name outside the catalog is refused', async () => {
  const { downloads } = manager(join(tmp, 'd'));
  assert.throws(
    () => downloads.start('../etc'),
    (e: unknown) => e instanceof SlimError && e.code === 'INVALID_ARGUMENT',
  );
  await assert.rejects(
    downloads.cancel('nope'),
    (e: unknown) => e instanceof SlimError && e.code === 'INVALID_ARGUMENT',
  );
});
