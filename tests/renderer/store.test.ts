/**
 * The one store with everything real behind it, in Node: the main-process handlers (through
 * dispatch, as the bridge calls them) and the engine worker's host in-process. A test engine is
 * plugged into the worker's engine seam where a run must produce segments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TranscriptionEngine } from '../../app/worker/engine.ts';
import { EngineHost } from '../../app/worker/host.ts';
import type { WorkerRequest } from '../../app/worker/protocol.ts';
import { wrapApi } from '../../renderer/bridge/api.ts';
import { createAppStore, type AppStore } from '../../renderer/store/create.ts';
import { sharedPath } from '../helpers/shared.ts';
import { handlerPreload, makeContext, ScriptedDialogs, tempDir } from '../main/helpers.ts';
import { jfkFixtureSegments } from './fixture.ts';

const JFK = sharedPath('audio', 'jfk.wav');

function setup(engine: TranscriptionEngine | null = null, userData = tempDir()) {
  const dialogs = new ScriptedDialogs();
  const ctx = makeContext(userData, dialogs);
  const raw = handlerPreload(ctx);
  const posted: WorkerRequest[] = [];
  const engineSeen: { offsetS: number }[] = [];
  let store: AppStore | null = null;
  const host = new EngineHost({
    post: (ev) => store!.getState().handleWorkerEvent(ev),
    gpu: undefined,
    loadEngine: async () =>
      engine && {
        transcribe: (input, options, hooks) => {
          engineSeen.push({ offsetS: input.offsetS });
          return engine.transcribe(input, options, hooks);
        },
      },
  });
  const downloads: string[] = [];
  store = createAppStore({
    api: wrapApi(raw),
    postToEngine: (req) => {
      posted.push(req);
      host.handle(req);
    },
    now: () => performance.now(),
    newId: (() => {
      let n = 0;
      return () => `job-test-${String(++n).padStart(4, '0')}`;
    })(),
    mediaUrl: () => 'blob:test',
    download: (name) => downloads.push(name),
  });
  return { store, ctx, dialogs, host, posted, engineSeen, downloads, userData };
}

async function until(store: AppStore, pred: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) assert.fail('timed out waiting for the store');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An engine that reports the fixture's segments after the audio's offset, with progress. */
const fixtureEngine: TranscriptionEngine = {
  async transcribe(input, _options, hooks) {
    const segs = jfkFixtureSegments().filter((s) => s.startMs >= input.offsetS * 1000);
    for (const s of segs) {
      await hooks.gate();
      hooks.segments([s]);
      hooks.progress('decoding-text', s.endMs / 1000, 1, 1);
    }
  },
};

test(
  'init loads settings, models and the backend; a job without an engine fails in place, journaled',
  { timeout: 120_000 },
  async () => {
    const { store, dialogs, ctx } = setup();
    await store.getState().init();
    await until(store, () => store.getState().backend !== null);
    const s = store.getState();
    assert.equal(s.appInfo?.nativeDialogs, true);
    assert.equal(s.settings?.model, 'bundled-whisper-base');
    assert.equal(s.models[0]?.source, 'bundled');
    assert.equal(s.backend?.backend, 'wasm');

    dialogs.open.push([JFK]);
    await store.getState().addFromDialog();
    await until(store, () => store.getState().queue[0]?.status === 'failed');
    const item = store.getState().queue[0]!;
    assert.equal(item.error?.code, 'BACKEND');
    assert.equal(item.progress?.stage, 'features');
    assert.ok(Math.abs(item.progress!.processedS - 11) < 0.01);
    assert.ok(Math.abs(item.durationMs! - 11000) < 1);
    await until(store, () => store.getState().savedJobs.length === 1);
    assert.equal((await ctx.journals.list())[0]!.ended, 'failed');
  },
);

test(
  'with an engine in the seam: segments autosaved as they come, edits keep timings, export writes the file',
  { timeout: 60_000 },
  async () => {
    const { store, dialogs, ctx } = setup(fixtureEngine);
    await store.getState().init();
    dialogs.open.push([JFK]);
    await store.getState().addFromDialog();
    await until(store, () => store.getState().queue[0]?.status === 'done');
    const jobId = store.getState().queue[0]!.jobId;
    await until(store, () => store.getState().savedJobs.some((j) => j.jobId === jobId && j.ended === 'done'));
    const journal = await ctx.journals.load(jobId);
    assert.equal(journal.summary.ended, 'done');
    assert.deepEqual(
      journal.segments.map((x) => x.id),
      [0, 1, 2],
      'every segment was journaled',
    );
    const doc = store.getState().docs[jobId]!;
    assert.equal(doc.segments.length, 3);
    assert.equal(doc.mediaUrl, 'blob:test');

    const before = doc.segments[0]!.words.map((w) => [w.startMs, w.endMs]);
    store.getState().editWord(jobId, 0, 4, 'citizens,');
    let seg = store.getState().docs[jobId]!.segments[0]!;
    assert.equal(seg.text, ' And so, my fellow citizens,');
    assert.deepEqual(
      seg.words.map((w) => [w.startMs, w.endMs]),
      before,
      'a word edit keeps every timing',
    );
    store.getState().editSegment(jobId, 0, 'And so my dear fellow citizens');
    seg = store.getState().docs[jobId]!.segments[0]!;
    assert.equal(seg.words.length, 6);
    assert.deepEqual(
      [seg.words[0]!.startMs, seg.words.at(-1)!.endMs, seg.startMs, seg.endMs],
      [0, 3000, 0, 3000],
    );

    // The corrections reach the journal (debounced), so a crash does not lose them either.
    await new Promise((r) => setTimeout(r, 700));
    const saved = await ctx.journals.load(jobId);
    assert.equal(saved.segments[0]!.text, ' And so my dear fellow citizens');

    const target = join(tempDir(), 'out.vtt');
    dialogs.save.push(target);
    store.getState().setExportFormat('vtt');
    await store.getState().exportActive();
    assert.equal(store.getState().lastExport, target);
    const vtt = readFileSync(target, 'utf8');
    assert.match(vtt, /^WEBVTT/);
    assert.match(vtt, /my dear fellow citizens/);
    // Cancelled save dialog: nothing written, nothing said.
    await store.getState().exportActive();
    assert.equal(store.getState().notices.filter((n) => n.kind === 'error').length, 0);
  },
);

test('a job cut short by a crash resumes after its last saved segment', { timeout: 60_000 }, async () => {
  const userData = tempDir();
  // First run: the journal gets two segments, then the process "dies" (no end record).
  const first = setup(null, userData);
  first.dialogs.open.push([JFK]);
  await first.store.getState().addFromDialog(); // grants the file in this "process"
  await until(first.store, () => first.store.getState().queue[0]?.status === 'failed');
  const h = first.ctx.handlers;
  const file = first.store.getState().queue[0]!.file;
  await h['jobs:begin']({
    jobId: 'crashed-job-0001',
    file,
    durationMs: 11000,
    settings: { model: 'bundled-whisper-base', language: 'en', task: 'transcribe' },
  });
  await h['jobs:append']('crashed-job-0001', jfkFixtureSegments().slice(0, 2));

  // Next start: the saved job is listed unfinished; resuming feeds the engine from 7.7 s.
  const second = setup(fixtureEngine, userData);
  await second.store.getState().init();
  const saved = second.store.getState().savedJobs.find((j) => j.jobId === 'crashed-job-0001')!;
  assert.deepEqual([saved.ended, saved.segmentCount, saved.resumeFromMs], [null, 2, 7700]);
  await second.store.getState().resumeSaved('crashed-job-0001');
  await until(second.store, () =>
    second.store.getState().savedJobs.some((j) => j.jobId === 'crashed-job-0001' && j.ended === 'done'),
  );
  assert.deepEqual(second.engineSeen, [{ offsetS: 7.7 }]);
  const journal = await second.ctx.journals.load('crashed-job-0001');
  assert.deepEqual(
    journal.segments.map((x) => x.id),
    [0, 1, 2],
  );
  assert.equal(journal.summary.ended, 'done');
  assert.equal(second.store.getState().docs['crashed-job-0001']!.segments.length, 3);
});

test(
  'queue rules: one job at a time, cancel while queued, late pause ignored, backend change re-inits',
  { timeout: 120_000 },
  async () => {
    const { store, dialogs, posted } = setup();
    await store.getState().init();
    dialogs.open.push([JFK, sharedPath('audio', 'harvard-spk1_snt1.wav')]);
    await store.getState().addFromDialog();
    const [a, b] = store.getState().queue;
    assert.equal(b!.status, 'queued', 'the second waits');
    store.getState().cancelJob(b!.jobId);
    assert.equal(store.getState().queue[1]!.status, 'cancelled');
    await until(store, () => store.getState().queue[0]!.status === 'failed');
    store.getState().handleWorkerEvent({ type: 'paused', jobId: a!.jobId });
    assert.equal(
      store.getState().queue[0]!.status,
      'failed',
      'a pause that arrives after the end changes nothing',
    );
    assert.equal(
      posted.filter((p) => p.type === 'transcribe').length,
      1,
      'the cancelled job never reached the worker',
    );
    store.getState().retryJob(b!.jobId);
    await until(store, () => store.getState().queue[1]!.status === 'failed');

    await store.getState().updateSettings({ backend: 'wasm', threads: 1 });
    assert.deepEqual(posted.at(-1), { type: 'init', backend: 'wasm', threads: 1 });
    await store.getState().updateSettings({ language: 'klingon' });
    assert.match(store.getState().notices.at(-1)!.text, /language: expected one of/);
  },
);
