/**
 * The worker with its real engine (app/worker/engine.ts loadEngine) on the embedded base model,
 * driven through EngineHost exactly as the page drives the worker: the model's files and its
 * measured Slim forms come as the main process serves them (models:files / models:read), jfk.wav's
 * bytes go in, contract segments with words come out. The engine's status line names its forms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineHost } from '../../app/worker/host.ts';
import { loadEngine } from '../../app/worker/engine.ts';
import type { BackendStatus, ModelData, WorkerEvent } from '../../app/worker/protocol.ts';
import type { TranscriptSegment } from '../../app/ipc/transcript.ts';
import { transcriptSegment } from '../../app/ipc/transcript.ts';
import { BUNDLED_RECORDS, recordForms } from '../../app/models/conversion.ts';
import { ModelFiles } from '../../main/services/model-files.ts';
import { ModelStore } from '../../main/services/model-store.ts';
import { loadKernelModule } from '../../kernels/wasm/load-node.ts';
import { normalise } from '../app/transcribe/real-model.ts';
import { ensureWasm } from '../kernels/wasm/harness.ts';
import { BASE_MODEL_DIR, sharedPath } from '../helpers/shared.ts';

const MODEL = 'bundled-whisper-base';

/** The model as the page hands it to the worker (renderer/store provideModel). */
async function served(id: string): Promise<ModelData> {
  const tmp = mkdtempSync(join(tmpdir(), 'slim-worker-engine-'));
  try {
    const store = new ModelStore(tmp, [{ id, name: 'whisper-base', path: BASE_MODEL_DIR }]);
    const files = new ModelFiles(store, null); // no user cache: only the records shipped with the app
    const list = await files.list(id);
    const data: Record<string, Uint8Array> = {};
    for (const f of list.files) data[f.name] = await files.read(id, f.name);
    return { format: list.format, files: data, forms: list.forms };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const short = (forms: string[]): string => forms.map((f) => (f === 'k-cache' ? 'k' : 'x')).join(',');

test(
  'jfk.wav through the worker protocol on the measured forms of the embedded model',
  { timeout: 600_000 },
  async () => {
    await ensureWasm();
    const data = await served(MODEL);
    const record = BUNDLED_RECORDS.find((r) => r.sources?.length)!;
    assert.deepEqual(data.forms, recordForms(record), 'models:files carries the bundled record’s forms');

    const events: WorkerEvent[] = [];
    const host: EngineHost = new EngineHost({
      post: (e) => {
        events.push(e);
        // The page's answer to 'need-model' (renderer/store provideModel).
        if (e.type === 'need-model') host.handle({ type: 'model', model: e.model, data, error: null });
      },
      gpu: undefined,
      loadEngine: (model, backend, env) => loadEngine(model, backend, { ...env, kernels: loadKernelModule }),
    });
    const bytes = new Uint8Array(readFileSync(sharedPath('audio', 'jfk.wav')));
    host.handle({
      type: 'transcribe',
      jobId: 'real-jfk-0001',
      audio: { kind: 'wav', name: 'jfk.wav', bytes },
      options: { model: MODEL, language: 'en', task: 'transcribe', resumeFromMs: 0, firstSegmentId: 0 },
    });
    await host.idle();
    const last = events.at(-1)!;
    assert.equal(last.type, 'done', JSON.stringify(last));

    const ready = events.find((e) => e.type === 'engine' && e.state === 'ready') as Extract<
      WorkerEvent,
      { type: 'engine' }
    >;
    assert.ok(ready, 'the engine announced itself ready');
    assert.ok(ready.detail.includes(`(Slim ${short(recordForms(record))}, measured forms)`), ready.detail);
    assert.match(ready.detail, /Slim decoder on WASM kernels/);

    const segments = events.flatMap((e) => (e.type === 'segments' ? e.segments : [])) as TranscriptSegment[];
    segments.forEach((s, i) => transcriptSegment(s, `segment ${i}`)); // the IPC validator accepts them as they are
    const text = normalise(segments.map((s) => s.text).join(' '));
    assert.match(text, /ask not what your country can do for you/);
    assert.ok(
      segments.every((s) => s.words.length > 0),
      'word timings',
    );
    const words = segments.flatMap((s) => s.words);
    const country = words.find((w) => /country/i.test(w.text))!;
    assert.ok(
      country.startMs > 3000 && country.endMs < 11000,
      `country at ${country.startMs}–${country.endMs}`,
    );
    assert.ok(events.some((e) => e.type === 'progress' && e.progress.stage === 'decoding-text'));

    // The same files with no measured conversion known: X-cache on every layer, and the line says so.
    const statuses: string[] = [];
    const backend: BackendStatus = {
      backend: 'wasm',
      reason: 'asked for',
      adapter: null,
      softwareAdapter: false,
      fellBack: false,
      threads: 1,
      crossOriginIsolated: false,
    };
    await loadEngine('unmeasured-whisper-base', backend, {
      fetchModel: async () => ({ ...data, forms: null }),
      onStatus: (_m, state, detail) => void (state === 'ready' && statuses.push(detail)),
      kernels: loadKernelModule,
    });
    assert.equal(statuses.length, 1);
    assert.ok(
      statuses[0]!.includes(`(Slim ${short(Array(record.selfAttention.length).fill('x-cache'))}, X-cache`),
      statuses[0],
    );
    assert.match(statuses[0]!, /X-cache: no measured forms/);
  },
);
