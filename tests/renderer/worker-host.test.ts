/**
 * The engine worker's message handling (EngineHost) in Node: real WAV decoding and real log-mel
 * on real clips, progress, pause/resume/cancel, the backend probe, and the engine seam.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EngineHost } from '../../app/worker/host.ts';
import type { EngineEnv, TranscriptionEngine } from '../../app/worker/engine.ts';
import type { BackendStatus, ModelData, WorkerEvent, WorkerRequest } from '../../app/worker/protocol.ts';
import { wrapApi } from '../../renderer/bridge/api.ts';
import { createAppStore, type AppStore } from '../../renderer/store/create.ts';
import { sharedPath } from '../helpers/shared.ts';
import { handlerPreload, makeContext, ScriptedDialogs, tempDir } from '../main/helpers.ts';

const OPTIONS = {
  model: 'bundled-whisper-base',
  language: 'en',
  task: 'transcribe' as const,
  resumeFromMs: 0,
  firstSegmentId: 0,
};

function host(
  loadEngine: (
    model: string,
    backend: BackendStatus,
    env: EngineEnv,
  ) => Promise<TranscriptionEngine | null> = async () => null,
) {
  const events: WorkerEvent[] = [];
  const waiters: Array<() => void> = [];
  const h = new EngineHost({
    post: (ev) => {
      events.push(ev);
      waiters.splice(0).forEach((w) => w());
    },
    gpu: undefined,
    loadEngine,
  });
  const until = async (pred: (evs: WorkerEvent[]) => boolean) => {
    while (!pred(events)) await new Promise<void>((r) => waiters.push(r));
  };
  return { h, events, until };
}

function wav(name: string): WorkerRequest {
  const bytes = new Uint8Array(readFileSync(sharedPath('audio', name)));
  return { type: 'transcribe', jobId: `job-${name}`, audio: { kind: 'wav', name, bytes }, options: OPTIONS };
}

/** 95 s of low noise as PCM (4 windows of 30 s), for pause/cancel timing. */
function longPcm(jobId: string): WorkerRequest {
  const samples = new Float32Array(16000 * 95);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.sin(i * 0.05) * 0.1;
  return {
    type: 'transcribe',
    jobId,
    audio: {
      kind: 'pcm',
      name: 'tone.flac',
      samples,
      durationMs: 95_000,
      source: { format: 'flac', codec: 'flac', sampleRate: 16000, channels: 1 },
      warnings: [],
    },
    options: OPTIONS,
  };
}

test('init probes the backend: no WebGPU here, so WASM, with the reason', async () => {
  const { h, events, until } = host();
  h.handle({ type: 'init', backend: 'auto', threads: 0 });
  await until((e) => e.length > 0);
  const ready = events[0]!;
  assert.equal(ready.type, 'ready');
  if (ready.type !== 'ready') return;
  assert.equal(ready.backend.backend, 'wasm');
  assert.equal(ready.backend.fellBack, true);
  assert.equal(ready.backend.adapter, null);
  assert.match(ready.backend.reason, /no WebGPU adapter/);
  assert.ok(ready.backend.threads >= 1);
});

test('a real WAV: decoded, log-mel computed with progress, then the honest no-engine error', async () => {
  const { h, events } = host();
  h.handle(wav('jfk.wav'));
  await h.idle();
  const types = events.map((e) => e.type);
  assert.deepEqual(types, ['audio', 'progress', 'progress', 'progress', 'error']);
  const audio = events[0] as Extract<WorkerEvent, { type: 'audio' }>;
  assert.ok(Math.abs(audio.durationS - 11) < 0.01, `${audio.durationS}`);
  assert.deepEqual([audio.source.sampleRate, audio.source.channels], [16000, 1]);
  const stages = events.flatMap((e) => (e.type === 'progress' ? [e.progress.stage] : []));
  assert.deepEqual(stages, ['decoding', 'loading-model', 'features']);
  const features = events[3] as Extract<WorkerEvent, { type: 'progress' }>;
  assert.deepEqual(
    [features.progress.stage, features.progress.window, features.progress.windows],
    ['features', 1, 1],
  );
  assert.ok(Math.abs(features.progress.processedS - 11) < 0.01);
  const err = events[4] as Extract<WorkerEvent, { type: 'error' }>;
  assert.equal(err.jobId, 'job-jfk.wav');
  assert.equal(err.error.code, 'BACKEND');
  assert.match(err.error.message, /No transcription engine is built into this version yet.*1 window/);
});

test('a resampled WAV (22.05 kHz) and a corrupt one: errors carry code and file name', async () => {
  const { h, events } = host();
  h.handle(wav('lj050-0131-22k.wav'));
  const bad: WorkerRequest = {
    type: 'transcribe',
    jobId: 'job-bad-0001',
    audio: { kind: 'wav', name: 'bad.wav', bytes: new Uint8Array([1, 2, 3, 4]) },
    options: OPTIONS,
  };
  h.handle(bad);
  await h.idle();
  const audio = events.find((e) => e.type === 'audio') as Extract<WorkerEvent, { type: 'audio' }>;
  assert.equal(audio.source.sampleRate, 22050);
  const badErr = events.find((e) => e.type === 'error' && e.jobId === 'job-bad-0001') as Extract<
    WorkerEvent,
    { type: 'error' }
  >;
  assert.equal(badErr.error.code, 'AUDIO_FORMAT');
  assert.match(badErr.error.message, /bad\.wav: not a WAV file/);
});

test('pause holds the job between windows, resume continues, cancel ends it', async () => {
  const { h, events, until } = host();
  h.handle(longPcm('job-long-0001'));
  await until((e) => e.some((x) => x.type === 'progress' && x.progress.stage === 'features'));
  h.handle({ type: 'pause', jobId: 'job-long-0001' });
  await until((e) => e.some((x) => x.type === 'paused'));
  const before = events.filter((e) => e.type === 'progress').length;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(events.filter((e) => e.type === 'progress').length, before, 'no progress while paused');
  h.handle({ type: 'resume', jobId: 'job-long-0001' });
  await until((e) => e.filter((x) => x.type === 'progress').length > before);
  h.handle({ type: 'cancel', jobId: 'job-long-0001' });
  await h.idle();
  assert.equal(events.at(-1)!.type, 'cancelled');
  const windows = events.filter((e) => e.type === 'progress' && e.progress.stage === 'features').length;
  assert.ok(windows < 4, `cancelled before the end (${windows} of 4 windows)`);
  h.handle({ type: 'pause', jobId: 'job-long-0001' });
  const last = events.at(-1)!;
  assert.ok(last.type === 'error' && /no job job-long-0001/.test(last.error.message));
});

test('a resumed job skips what its journal holds; an engine plugged into the seam gets the rest', async () => {
  const seen: { offsetS: number; samples: number; totalS: number }[] = [];
  const engine: TranscriptionEngine = {
    async transcribe(input, _options, hooks) {
      seen.push({ offsetS: input.offsetS, samples: input.samples.length, totalS: input.totalS });
      await hooks.gate();
      hooks.segments([
        {
          id: 7,
          startMs: input.offsetS * 1000,
          endMs: input.totalS * 1000,
          text: ' seam',
          words: [],
          flags: [],
        },
      ]);
    },
  };
  const { h, events } = host(async () => engine);
  const req = wav('jfk.wav');
  if (req.type === 'transcribe') req.options = { ...OPTIONS, resumeFromMs: 4000 };
  h.handle(req);
  await h.idle();
  assert.deepEqual(seen, [{ offsetS: 4, samples: 176000 - 64000, totalS: 11 }]);
  assert.deepEqual(
    events.map((e) => e.type),
    ['audio', 'progress', 'progress', 'segments', 'done'],
  );
});

test('the Transcriber adapter: contract segments shifted to file time and numbered on for a resumed job', async () => {
  const { transcriberEngine } = await import('../../app/worker/transcriber-engine.ts');
  const seen: unknown[] = [];
  const fake = {
    async transcribe(audio: Float32Array, options: unknown, hooks: { onEvent?: (e: never) => void } = {}) {
      seen.push(options);
      const seg = {
        id: 0,
        startMs: 0,
        endMs: 1000,
        text: ' hi',
        tokens: [],
        avgLogProb: -0.1,
        noSpeechProb: 0.01,
        compressionRatio: 1,
        temperature: 0,
        flags: ['repetition'],
        words: [{ text: ' hi', startMs: 100, endMs: 900, probability: 0.8 }],
      };
      hooks.onEvent?.({ type: 'segment', segment: seg } as never);
      hooks.onEvent?.({
        type: 'progress',
        positionMs: audio.length / 16,
        durationMs: null,
        fraction: null,
        elapsedMs: 1,
        etaMs: null,
        windows: 1,
      } as never);
      return {} as never;
    },
  };
  const out: unknown[] = [];
  const engine = transcriberEngine(fake);
  await engine.transcribe(
    { samples: new Float32Array(16000 * 2), offsetS: 4, totalS: 6 },
    { ...OPTIONS, language: 'auto', firstSegmentId: 5 },
    {
      segments: (s) => out.push(...s),
      progress: (stage, processedS, window, windows) => out.push([stage, processedS, window, windows]),
      notice: (code, message, backend) => out.push(['notice', code, message, backend]),
      gate: async () => undefined,
      signal: new AbortController().signal,
    },
  );
  assert.deepEqual(out[0], ['encoding', 4, 0, 1]);
  assert.deepEqual(out[1], {
    id: 5,
    startMs: 4000,
    endMs: 5000,
    text: ' hi',
    words: [{ text: ' hi', startMs: 4100, endMs: 4900, probability: 0.8 }],
    flags: ['hallucination'],
    avgLogProb: -0.1,
    noSpeechProb: 0.01,
    compressionRatio: 1,
  });
  assert.deepEqual(out[2], ['decoding-text', 6, 1, 1]);
  assert.equal((seen[0] as { language: unknown }).language, null, "'auto' means detect");
});

test('the engine asks the page for a model once; a failed answer fails the job with its code', async () => {
  const got: ModelData[] = [];
  const { h, events, until } = host(async (model, backend, env) => {
    // Two concurrent asks for one model make one 'need-model' event.
    const [a, b] = await Promise.all([env.fetchModel(model), env.fetchModel(model)]);
    got.push(a, b);
    env.onStatus?.(model, 'ready', 'ready');
    return {
      transcribe: async () => undefined,
      backend: { ...backend, fellBack: true, reason: 'WebGPU failed' },
    };
  });
  h.handle(wav('jfk.wav'));
  await until((evs) => evs.some((e) => e.type === 'need-model'));
  const files = { 'config.json': new TextEncoder().encode('{}') };
  h.handle({
    type: 'model',
    model: OPTIONS.model,
    data: { format: 'transformers-js-onnx', files, forms: null },
    error: null,
  });
  await h.idle();
  assert.equal(events.filter((e) => e.type === 'need-model').length, 1);
  assert.equal(got.length, 2);
  assert.deepEqual(Object.keys(got[0]!.files), ['config.json']);
  const ready = events.find((e) => e.type === 'ready') as Extract<WorkerEvent, { type: 'ready' }>;
  assert.equal(ready.backend.reason, 'WebGPU failed', 'a backend the engine changed is announced');
  assert.ok(events.some((e) => e.type === 'engine' && e.state === 'ready'));
  assert.equal(events.at(-1)!.type, 'done');

  const second = host(async (model, _b, env) => {
    await env.fetchModel(model);
    return null;
  });
  second.h.handle(wav('jfk.wav'));
  await second.until((evs) => evs.some((e) => e.type === 'need-model'));
  second.h.handle({
    type: 'model',
    model: OPTIONS.model,
    data: null,
    error: { code: 'MODEL_FORMAT', message: 'ggml models cannot be opened in the app' },
  });
  await second.h.idle();
  const err = second.events.at(-1) as Extract<WorkerEvent, { type: 'error' }>;
  assert.deepEqual([err.type, err.error.code], ['error', 'MODEL_FORMAT']);
});

test("an engine's notice reaches the page's store as a warning, and the badge follows the move", async () => {
  const dialogs = new ScriptedDialogs();
  const ctx = makeContext(tempDir(), dialogs);
  const raw = handlerPreload(ctx);
  let store: AppStore | null = null;
  let moved = null as BackendStatus | null; // set by the engine below
  const message =
    'the webgpu decoder lost its device (destroyed): continuing on wasm from window 2, the 1 before kept';
  const h = new EngineHost({
    post: (ev) => store!.getState().handleWorkerEvent(ev),
    // An adapter the probe takes when WebGPU is asked for by name.
    gpu: {
      requestAdapter: async () => ({
        info: { vendor: 'test', architecture: 'gpu', device: '', description: 'Test GPU' },
      }),
    },
    loadEngine: async (_model, backend) => ({
      async transcribe(_input, _options, hooks) {
        hooks.progress('decoding-text', 1, 1, 2);
        moved = { ...backend, backend: 'wasm', fellBack: true, reason: message };
        hooks.notice('backend-fallback', message, moved);
        hooks.progress('decoding-text', 2, 2, 2);
      },
    }),
  });
  store = createAppStore({
    api: wrapApi(raw),
    postToEngine: (req) => h.handle(req),
    now: () => performance.now(),
    newId: () => 'job-notice-0001',
    mediaUrl: () => 'blob:test',
    download: () => undefined,
  });
  h.handle({ type: 'init', backend: 'webgpu', threads: 1 });
  while (store.getState().backend === null) await new Promise((r) => setTimeout(r, 10));
  assert.equal(store.getState().backend?.backend, 'webgpu');
  dialogs.open.push([sharedPath('audio', 'jfk.wav')]);
  await store.getState().addFromDialog();
  while (store.getState().queue[0]?.status !== 'done') await new Promise((r) => setTimeout(r, 10));
  const s = store.getState();
  assert.deepEqual(
    s.notices.filter((n) => n.kind === 'warn').map((n) => n.text),
    [message],
  );
  assert.deepEqual(s.backend, moved);
  assert.equal(s.backend?.backend, 'wasm');
});
