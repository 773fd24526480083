/**
 * A WebGPU device lost in the middle of a job (device.destroy() after the first window, on
 * SwiftShader through Dawn): the job goes on on the WASM decoder from the window that failed,
 * keeps the windows finished on the GPU, says so in a notice event, and ends with the transcript
 * of an all-WASM run; in the CLI's engine (open-engine.ts) and the worker's (assemble.ts). A small random model (windows of 0.48 s) keeps SwiftShader's time low;
 * the engine, encoder and both decoders are the real ones.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readAudioFile } from '../../../app/audio/read.ts';
import { assembleEngine } from '../../../app/engine/assemble.ts';
import { openEngine, type Engine } from '../../../app/engine/open-engine.ts';
import type { TranscribeEvent, TranscriptionResult } from '../../../app/transcribe/types.ts';
import type { DecoderSession } from '../../../kernels/decoder/types.ts';
import { loadKernelModule } from '../../../kernels/wasm/load-node.ts';
import { createGpuContext } from '../../../kernels/webgpu/device.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { AUDIO_DIR } from '../../helpers/shared.ts';
import { ensureWasm } from '../../kernels/wasm/harness.ts';

// Widths the WASM kernels take (d and d_k multiples of 32).
const ckpt = makeFixtureCheckpoint({
  multilingual: false,
  seed: 11,
  dims: { nAudioState: 128, nTextState: 128, nAudioHead: 4, nTextHead: 4 },
});
// Four windows whatever the random model's timestamps say: clip_timestamps make one per clip.
const options = {
  language: 'en',
  beamSize: null,
  temperatures: [0],
  clipTimestamps: [0, 0.4, 0.5, 0.9, 1.0, 1.4, 1.5, 1.9],
} as const;
let cacheDir: string;
let samples: Float32Array;

before(async () => {
  await ensureWasm();
  cacheDir = mkdtempSync(join(tmpdir(), 'slim-device-lost-'));
  // 2 s of speech (a window of the fixture model is 2 · nAudioCtx = 48 frames = 0.48 s).
  samples = (await readAudioFile(join(AUDIO_DIR, 'jfk.wav'))).samples.subarray(0, 2 * 16000);
});
after(() => rmSync(cacheDir, { recursive: true, force: true }));

async function run(
  engine: Engine,
  onEvent: (e: TranscribeEvent) => void = () => undefined,
): Promise<TranscriptionResult> {
  try {
    return await engine.transcriber.transcribe(samples, options, { onEvent });
  } finally {
    await engine.dispose();
  }
}

test('device lost after the first window: the job ends on WASM with the all-WASM transcript', async () => {
  const expected = await run(await openEngine(ckpt, { backend: 'wasm', cacheDir }));
  assert.ok(
    expected.segments.length >= 3,
    `a multi-window transcript (${expected.segments.length} segments)`,
  );

  const gpu = await createGpuContext({ swiftShader: true });
  const sessions: DecoderSession[] = [];
  const engine = await openEngine(ckpt, {
    backend: 'webgpu',
    gpu,
    cacheDir,
    onSession: (s) => sessions.push(s),
  });
  assert.equal(engine.info.decoder, 'webgpu');
  const notices: string[] = [];
  const segmentsBeforeLoss: number[] = [];
  let segments = 0;
  const result = await run(engine, (e) => {
    if (e.type === 'segment') segments++;
    if (e.type === 'notice') notices.push(e.message);
    if (e.type === 'progress' && e.windows === 1 && !gpu.lost && segmentsBeforeLoss.length === 0) {
      segmentsBeforeLoss.push(segments);
      gpu.device.destroy();
    }
  });

  assert.deepEqual(
    sessions.map((s) => s.backend),
    ['webgpu', 'wasm'],
    'one GPU session, then one WASM session for the rest of the job',
  );
  assert.equal(notices.length, 1, 'one notice of the move');
  assert.match(notices[0]!, /webgpu decoder lost its device.*continuing on wasm from window 2/);
  assert.ok(segmentsBeforeLoss[0]! >= 1, 'the first window was finished on the GPU before the loss');
  assert.deepEqual(
    result.segments.map((s) => [s.startMs, s.endMs, s.text, s.tokens]),
    expected.segments.map((s) => [s.startMs, s.endMs, s.text, s.tokens]),
  );
  assert.equal(result.text, expected.text);
  // The engine knows: its next jobs decode on WASM from the start.
  assert.equal(engine.info.decoder, 'wasm');
  assert.match(engine.info.notice ?? '', /device lost/);
});

test("the worker's engine (assembleEngine) moves to WASM the same way", async () => {
  const expected = await run(await openEngine(ckpt, { backend: 'wasm', cacheDir }));
  const gpu = await createGpuContext({ swiftShader: true });
  const engine = await assembleEngine(ckpt, {
    backend: 'webgpu',
    gpu,
    forms: null,
    wasmModule: loadKernelModule,
  });
  assert.equal(engine.info.decoder, 'webgpu');
  const notices: string[] = [];
  let destroyedAfter = -1;
  let segments = 0;
  const result = await run(engine, (e) => {
    if (e.type === 'segment') segments++;
    if (e.type === 'notice') notices.push(e.message);
    if (e.type === 'progress' && e.windows === 1 && destroyedAfter < 0) {
      destroyedAfter = segments;
      gpu.device.destroy();
    }
  });
  assert.ok(destroyedAfter >= 1, 'the first window was finished on the GPU before the loss');
  assert.equal(notices.length, 1);
  assert.match(notices[0]!, /webgpu decoder lost its device.*continuing on wasm from window 2/);
  assert.deepEqual(
    result.segments.map((s) => [s.startMs, s.endMs, s.text, s.tokens]),
    expected.segments.map((s) => [s.startMs, s.endMs, s.text, s.tokens]),
  );
  assert.equal(engine.info.decoder, 'wasm');
});
