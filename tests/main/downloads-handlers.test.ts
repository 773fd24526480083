/**
 * The downloads:* channels through the validated dispatcher, against the local fake hub: only a
 * catalog name is accepted; start → the listing shows progress → installed, listed by models:list;
 * pause keeps the part, start resumes, cancel drops it; the installed model is deleted with models:delete.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CatalogListing, Channel, IpcResult, ModelEntry } from '../../app/ipc/contract.ts';
import { createHandlers, DOWNLOADS_PUSH_MS, type HandlerDeps } from '../../main/handlers.ts';
import { dispatch } from '../../main/ipc/dispatch.ts';
import { BUNDLED_MODELS } from '../../main/paths.ts';
import { fakeModel, startFakeHub, type FakeHub } from '../app/models/hf-server.ts';
import { tempDir } from './helpers.ts';

const fake = fakeModel('fake');
let hub: FakeHub;
before(async () => {
  hub = await startFakeHub();
  fake.serve(hub);
});
after(() => hub.close());

function context(emit?: HandlerDeps['emit']) {
  return createHandlers({
    ...(emit ? { emit } : {}),
    userData: tempDir(),
    dialogs: null,
    shell: 'web',
    version: '0.0.0-test',
    bundledModels: BUNDLED_MODELS,
    downloads: { catalog: [fake.entry], endpoint: hub.endpoint },
  });
}

async function call<T>(
  ctx: ReturnType<typeof context>,
  channel: Channel | string,
  ...args: unknown[]
): Promise<T> {
  const r: IpcResult<unknown> = await dispatch(ctx.handlers, channel, args);
  if (!r.ok) assert.fail(`${channel}: ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** Waits until the held download has written its part file (progress events are throttled). */
async function partWritten(ctx: ReturnType<typeof context>): Promise<void> {
  while (!existsSync(join(ctx.models.dir, '.download-fake', 'model', 'model.safetensors.part')))
    await new Promise((r) => setTimeout(r, 20));
}

async function until(
  ctx: ReturnType<typeof context>,
  ok: (l: CatalogListing) => boolean,
): Promise<CatalogListing> {
  for (;;) {
    const [l] = await call<CatalogListing[]>(ctx, 'downloads:list');
    if (ok(l!)) return l!;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('downloads:* take a catalog name only', async () => {
  const ctx = context();
  for (const bad of ['../x', 'Fake', '', 42, 'a/b']) {
    const r = await dispatch(ctx.handlers, 'downloads:start', [bad]);
    assert.equal(r.ok, false, String(bad));
    if (!r.ok) assert.equal(r.error.code, 'INVALID_ARGUMENT');
  }
  const r = await dispatch(ctx.handlers, 'downloads:start', ['small']);
  assert.ok(!r.ok && r.error.code === 'INVALID_ARGUMENT' && /not a catalog model/.test(r.error.message));
});

test('start, pause, resume, install, delete through the channels', async () => {
  const ctx = context();
  hub.faults.holdAfter.set('model.safetensors', 400_000);
  const [started] = await call<CatalogListing[]>(ctx, 'downloads:start', 'fake');
  assert.equal(started!.state, 'downloading');
  const moving = await until(
    ctx,
    (l) => l.progress?.file === 'model.safetensors' && l.progress.receivedBytes > 1000,
  );
  assert.equal(moving.progress!.phase, 'downloading');
  assert.ok(moving.progress!.totalBytes > 0);

  const [paused] = await call<CatalogListing[]>(ctx, 'downloads:pause', 'fake');
  assert.equal(paused!.state, 'paused');
  assert.ok(paused!.bytes > 0);
  assert.equal(paused!.progress, null);

  await call(ctx, 'downloads:start', 'fake');
  const installed = await until(ctx, (l) => l.state === 'installed');
  const models = await call<ModelEntry[]>(ctx, 'models:list');
  const entry = models.find((m) => m.id === installed.installedId);
  assert.equal(entry?.format, 'hf-safetensors');

  await call(ctx, 'models:delete', installed.installedId);
  assert.equal((await call<CatalogListing[]>(ctx, 'downloads:list'))[0]!.state, 'none');
});

test('cancel drops a paused download', async () => {
  const ctx = context();
  hub.faults.holdAfter.set('model.safetensors', 300_000);
  await call(ctx, 'downloads:start', 'fake');
  await partWritten(ctx);
  await call(ctx, 'downloads:pause', 'fake');
  const [cancelled] = await call<CatalogListing[]>(ctx, 'downloads:cancel', 'fake');
  assert.deepEqual([cancelled!.state, cancelled!.bytes], ['none', 0]);
});

test('progress and the end are pushed as downloads:changed listings, throttled, the end last', async () => {
  const pushed: { event: string; listing: CatalogListing; at: number }[] = [];
  const ctx = context((event, value) => {
    const [l] = value as CatalogListing[];
    pushed.push({ event, listing: l!, at: Date.now() });
  });
  hub.faults.holdAfter.set('model.safetensors', 500_000);
  await call(ctx, 'downloads:start', 'fake');
  // Pushed while held part-way: nobody asks (no downloads:list), the listing comes anyway.
  while (!pushed.some((p) => (p.listing.progress?.receivedBytes ?? 0) > 100_000))
    await new Promise((r) => setTimeout(r, 20));
  const running = pushed.find((p) => (p.listing.progress?.receivedBytes ?? 0) > 100_000)!;
  assert.equal(running.event, 'downloads:changed');
  assert.equal(running.listing.state, 'downloading');
  assert.equal(running.listing.progress!.file, 'model.safetensors');

  await call(ctx, 'downloads:pause', 'fake');
  while (pushed[pushed.length - 1]!.listing.state !== 'paused') await new Promise((r) => setTimeout(r, 20));
  await call(ctx, 'downloads:start', 'fake');
  while (pushed[pushed.length - 1]!.listing.state !== 'installed')
    await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 3 * DOWNLOADS_PUSH_MS));
  assert.equal(pushed[pushed.length - 1]!.listing.state, 'installed', 'nothing stale after the end');
  assert.ok(pushed[pushed.length - 1]!.listing.installedId);
  // Pushes keep their order: within the first run, received bytes never go back.
  const firstRun = pushed.slice(
    0,
    pushed.findIndex((p) => p.listing.state === 'paused'),
  );
  const weights = firstRun
    .map((p) => p.listing.progress)
    .filter((p) => p?.file === 'model.safetensors')
    .map((p) => p!.receivedBytes);
  assert.ok(weights.length >= 1);
  assert.deepEqual(
    weights,
    [...weights].sort((a, b) => a - b),
  );
  // A few a second at most: consecutive pushes are at least the interval apart.
  for (let i = 1; i < pushed.length; i++)
    assert.ok(
      pushed[i]!.at - pushed[i - 1]!.at >= DOWNLOADS_PUSH_MS - 5,
      `push ${i}: ${pushed[i]!.at - pushed[i - 1]!.at} ms`,
    );
});
