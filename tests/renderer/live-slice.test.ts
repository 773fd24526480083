/**
 * The live-caption slice: a 16 kHz source standing in for the microphone's output (jfk.wav's
 * samples), the requests it posts to the engine worker, the events it takes back, and the
 * subtitle segments it saves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore } from 'zustand/vanilla';
import { readAudioFile } from '../../app/audio/read.ts';
import type { WorkerRequest } from '../../app/worker/protocol.ts';
import type { LiveWord } from '../../app/live/types.ts';
import { createLiveSlice, liveSegments } from '../../renderer/live/slice.ts';
import type { AppState, StoreDeps } from '../../renderer/store/types.ts';
import { sharedPath } from '../helpers/shared.ts';

const w = (text: string, startMs: number, endMs: number): LiveWord => ({ text, startMs, endMs });

test('confirmed words become subtitle segments cut at sentence ends and pauses', () => {
  const segs = liveSegments([
    w(' And', 0, 300),
    w(' so.', 300, 500),
    w(' Ask', 700, 900),
    w(' not', 900, 1200),
    w(' what', 2500, 2800), // a 1.3 s pause before it
  ]);
  assert.deepEqual(
    segs.map((s) => [s.text, s.startMs, s.endMs]),
    [
      [' And so.', 0, 500],
      [' Ask not', 700, 1200],
      [' what', 2500, 2800],
    ],
  );
  assert.deepEqual(
    segs.map((s) => s.id),
    [0, 1, 2],
  );
  assert.equal(segs[1]!.words.length, 2);
});

test('a session: start posts live:start, the microphone opens when the model is ready, audio goes out as live:audio, updates build the captions, stop ends it', async () => {
  const samples = (await readAudioFile(sharedPath('audio', 'jfk.wav'))).samples;
  const posted: WorkerRequest[] = [];
  const store = createStore<AppState>()((set, get) => {
    const deps = {
      postToEngine: (r: WorkerRequest) => posted.push(r),
      newId: () => 'live-1',
      download: () => undefined,
      startMicrophone: async (onChunk: (s: Float32Array) => void) => {
        // The source a microphone would give: 100 ms chunks at 16 kHz.
        for (let i = 0; i < samples.length; i += 1600) onChunk(samples.slice(i, i + 1600));
        return { stop: async () => undefined };
      },
    } as unknown as StoreDeps;
    return {
      settings: null,
      appInfo: null,
      notify: () => undefined,
      ...createLiveSlice(set, get, deps),
    } as unknown as AppState;
  });
  await store.getState().startLive();
  assert.equal(store.getState().live.status, 'starting');
  assert.equal(posted.length, 1);
  assert.equal(posted[0]!.type, 'live:start');
  // The microphone opens once the worker says the model is ready.
  const s = store.getState();
  s.handleLiveEvent({ type: 'live:started', sessionId: 'live-1', nAudioCtx: 500, intervalMs: 1000 });
  assert.equal(store.getState().live.status, 'running');
  await new Promise((r) => setTimeout(r, 0));
  const audio = posted.filter((r) => r.type === 'live:audio');
  assert.equal(audio.length, 110);
  assert.equal(
    audio.reduce((n, r) => n + (r.type === 'live:audio' ? r.samples.length : 0), 0),
    samples.length,
  );
  const update = (confirmed: LiveWord[], tentative: LiveWord[]) => ({
    type: 'live:update' as const,
    sessionId: 'live-1',
    update: { confirmed, tentative, audioMs: 2000, bufferStartMs: 0, decodeMs: 700, final: false },
  });
  s.handleLiveEvent(update([w(' And', 0, 300)], [w(' so', 300, 500)]));
  s.handleLiveEvent(update([w(' so', 300, 500)], [w(' my', 600, 800)]));
  s.handleLiveEvent({ ...update([w(' stale', 0, 1)], []), sessionId: 'another' }); // ignored
  const live = store.getState().live;
  assert.deepEqual(
    live.confirmed.map((x) => x.text),
    [' And', ' so'],
  );
  assert.deepEqual(
    live.tentative.map((x) => x.text),
    [' my'],
  );
  await store.getState().stopLive();
  assert.equal(store.getState().live.status, 'stopping');
  assert.equal(store.getState().live.recordedMs, 11_000);
  assert.deepEqual(posted[posted.length - 1], { type: 'live:stop', sessionId: 'live-1' });
  store.getState().handleLiveEvent({ type: 'live:stopped', sessionId: 'live-1' });
  assert.equal(store.getState().live.status, 'stopped');
  assert.deepEqual(store.getState().live.tentative, []);
});
