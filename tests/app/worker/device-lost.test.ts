/**
 * A WebGPU device lost in the middle of a job in the worker (device.destroy() after the first
 * window, on SwiftShader through Dawn): the transcriber's notice crosses the worker protocol as a
 * 'notice' event that carries where the engine runs now (WASM), the job ends, and the next job
 * runs on WASM without a new engine or announcement. The worker's real engine (loadEngine) on a
 * small random model, its files handed over as the page hands them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readAudioFile } from '../../../app/audio/read.ts';
import { modelSourceFiles } from '../../../app/models/model-source.ts';
import { loadEngine } from '../../../app/worker/engine.ts';
import { EngineHost } from '../../../app/worker/host.ts';
import type { ModelData, WorkerEvent, WorkerRequest } from '../../../app/worker/protocol.ts';
import { loadKernelModule } from '../../../kernels/wasm/load-node.ts';
import { createGpuContext } from '../../../kernels/webgpu/device.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { writeHfFolder } from '../../../models/fixtures/write-hf.ts';
import { AUDIO_DIR } from '../../helpers/shared.ts';
import { ensureWasm } from '../../kernels/wasm/harness.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-worker-device-lost-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function fixtureModel(): Promise<ModelData> {
  // Widths the WASM kernels take (d and d_k multiples of 32); a window is 0.48 s of audio.
  const ckpt = makeFixtureCheckpoint({
    multilingual: false,
    seed: 11,
    dims: { nAudioState: 128, nTextState: 128, nAudioHead: 4, nTextHead: 4 },
  });
  const dir = join(tmp, 'model');
  writeHfFolder(ckpt, dir, 'f32');
  const src = await modelSourceFiles('hf-safetensors', dir);
  const files: Record<string, Uint8Array> = {};
  for (const name of src.names) files[name] = new Uint8Array(readFileSync(join(dir, name)));
  return { format: 'hf-safetensors', files, forms: null };
}

/** 2 s of jfk.wav as 16 kHz PCM: several windows of the fixture model. */
function job(jobId: string, speech: Float32Array): WorkerRequest {
  return {
    type: 'transcribe',
    jobId,
    audio: {
      kind: 'pcm',
      name: 'jfk.wav',
      samples: speech.slice(),
      durationMs: (speech.length / 16000) * 1000,
      source: { format: 'wav', codec: 'pcm_s16le', sampleRate: 16000, channels: 1 },
      warnings: [],
    },
    options: { model: 'fixture', language: 'en', task: 'transcribe', resumeFromMs: 0, firstSegmentId: 0 },
  };
}

test('device lost mid-job in the worker: a notice with the WASM backend, the job ends, later jobs on WASM', async () => {
  await ensureWasm();
  const data = await fixtureModel();
  const speech = (await readAudioFile(join(AUDIO_DIR, 'jfk.wav'))).samples.slice(0, 2 * 16000);
  const gpu = await createGpuContext({ swiftShader: true });
  const events: WorkerEvent[] = [];
  let destroyed = false;
  const host: EngineHost = new EngineHost({
    post: (e) => {
      events.push(e);
      if (e.type === 'need-model') host.handle({ type: 'model', model: e.model, data, error: null });
      // After the first window is decoded on the GPU, the device goes.
      if (
        e.type === 'progress' &&
        e.progress.stage === 'decoding-text' &&
        e.progress.window >= 1 &&
        !destroyed
      ) {
        destroyed = true;
        gpu.device.destroy();
      }
    },
    // The probe sees the SwiftShader adapter; WebGPU asked for by name takes it.
    gpu: { requestAdapter: async () => gpu.adapter },
    loadEngine: (model, backend, env) =>
      loadEngine(model, backend, { ...env, kernels: loadKernelModule, gpu }),
  });
  host.handle({ type: 'init', backend: 'webgpu', threads: 1 });
  host.handle(job('job-1', speech));
  await host.idle();

  const errors = events.filter((e) => e.type === 'error');
  assert.deepEqual(errors, []);
  const ready = events.find((e) => e.type === 'ready') as Extract<WorkerEvent, { type: 'ready' }>;
  assert.equal(ready.backend.backend, 'webgpu', 'the job started on WebGPU');
  assert.ok(destroyed, 'the device was destroyed during the job');
  const notices = events.filter((e) => e.type === 'notice') as Array<
    Extract<WorkerEvent, { type: 'notice' }>
  >;
  assert.equal(notices.length, 1, 'one notice of the move');
  const notice = notices[0]!;
  assert.equal(notice.jobId, 'job-1');
  assert.equal(notice.code, 'backend-fallback');
  assert.match(notice.message, /webgpu decoder lost its device.*continuing on wasm/);
  assert.equal(notice.backend?.backend, 'wasm');
  assert.equal(notice.backend?.fellBack, true);
  assert.equal(notice.backend?.reason, notice.message);
  assert.equal(events.at(-1)!.type, 'done');
  const noticeAt = events.indexOf(notice);
  assert.ok(
    events.slice(0, noticeAt).some((e) => e.type === 'segments'),
    'segments of the GPU window reach the page',
  );
  assert.ok(
    events.slice(noticeAt).some((e) => e.type === 'segments'),
    'segments of the WASM windows too',
  );

  // The next job: the engine already runs on WASM and the indicator already says so.
  const before = events.length;
  host.handle(job('job-2', speech));
  await host.idle();
  const later = events.slice(before);
  assert.equal(later.at(-1)!.type, 'done');
  assert.deepEqual(
    later.filter((e) => ['ready', 'notice', 'need-model', 'engine', 'error'].includes(e.type)),
    [],
    'no second engine, notice or announcement',
  );
});
