/**
 * The worker with the real engine in its seam: app/transcribe's Transcriber on the real Whisper
 * base model (WASM Slim decoder, onnxruntime-web encoder), driven through EngineHost exactly as
 * the page drives the worker: jfk.wav's bytes in, contract segments with words out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EngineHost } from '../../app/worker/host.ts';
import { transcriberEngine } from '../../app/worker/transcriber-engine.ts';
import type { WorkerEvent } from '../../app/worker/protocol.ts';
import type { TranscriptSegment } from '../../app/ipc/transcript.ts';
import { transcriptSegment } from '../../app/ipc/transcript.ts';
import { normalise, openRealModel } from '../app/transcribe/real-model.ts';
import { sharedPath } from '../helpers/shared.ts';

test('jfk.wav through the worker protocol with the real base model', { timeout: 600_000 }, async () => {
  const real = await openRealModel();
  const events: WorkerEvent[] = [];
  const host = new EngineHost({
    post: (e) => events.push(e),
    gpu: undefined,
    loadEngine: async () => transcriberEngine(real.transcriber),
  });
  const bytes = new Uint8Array(readFileSync(sharedPath('audio', 'jfk.wav')));
  host.handle({
    type: 'transcribe',
    jobId: 'real-jfk-0001',
    audio: { kind: 'wav', name: 'jfk.wav', bytes },
    options: {
      model: 'bundled-whisper-base',
      language: 'en',
      task: 'transcribe',
      resumeFromMs: 0,
      firstSegmentId: 0,
    },
  });
  await host.idle();
  const last = events.at(-1)!;
  assert.equal(last.type, 'done', JSON.stringify(last));
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
});
