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
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OverlayCaptions } from '../../app/ipc/contract.ts';
import { createHandlers, type HandlerContext } from '../../main/handlers.ts';
import { CaptionOverlay } from '../../main/overlay.ts';
import { BUNDLED_MODELS } from '../../main/paths.ts';
import { overlayCaptions } from '../../renderer/live/Captions.tsx';
import { wrapApi } from '../../renderer/bridge/api.ts';
import { handlerPreload, makeContext, ScriptedDialogs, tempDir } from '../main/helpers.ts';

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

/** The slice over the real main-process handlers (through dispatch, as the bridge calls them). */
function sliceWithHandlers(nativeDialogs: boolean, handlers?: HandlerContext) {
  const dialogs = new ScriptedDialogs();
  const ctx = handlers ?? makeContext(tempDir(), dialogs);
  const raw = handlerPreload(ctx);
  const notices: string[] = [];
  const downloads: { name: string; data: string | Uint8Array; mime: string }[] = [];
  const store = createStore<AppState>()((set, get) => {
    const deps = {
      api: wrapApi(raw),
      postToEngine: () => undefined,
      newId: () => 'live-1',
      download: (name: string, data: string | Uint8Array, mime: string) =>
        downloads.push({ name, data, mime }),
      startMicrophone: async (onChunk: (s: Float32Array) => void) => {
        onChunk(new Float32Array(1600).map((_, i) => Math.sin(i / 10) * 0.5));
        onChunk(new Float32Array(800).fill(-0.25));
        return { stop: async () => undefined };
      },
    } as unknown as StoreDeps;
    return {
      settings: null,
      appInfo: { shell: nativeDialogs ? 'electron' : 'web', nativeDialogs, version: '0', platform: 'linux' },
      notify: (_kind: string, text: string) => notices.push(text),
      ...createLiveSlice(set, get, deps),
    } as unknown as AppState;
  });
  return { store, dialogs, notices, downloads };
}

async function recordedSession(store: ReturnType<typeof sliceWithHandlers>['store']): Promise<void> {
  await store.getState().startLive();
  store
    .getState()
    .handleLiveEvent({ type: 'live:started', sessionId: 'live-1', nAudioCtx: 500, intervalMs: 1000 });
  await new Promise((r) => setTimeout(r, 0));
  store.getState().handleLiveEvent({
    type: 'live:update',
    sessionId: 'live-1',
    update: {
      confirmed: [w(' Hello.', 0, 140)],
      tentative: [],
      audioMs: 150,
      bufferStartMs: 0,
      decodeMs: 10,
      final: true,
    },
  });
  await store.getState().stopLive();
  store.getState().handleLiveEvent({ type: 'live:stopped', sessionId: 'live-1' });
}

test('with native dialogs the session WAV (and SRT) go through the save dialog and the main process writes them', async () => {
  const { store, dialogs, notices, downloads } = sliceWithHandlers(true);
  await recordedSession(store);
  const dir = tempDir();
  dialogs.save.push(join(dir, 'session.wav'), join(dir, 'session.srt'));
  await store.getState().saveLive('wav');
  await store.getState().saveLive('srt');
  assert.deepEqual(
    dialogs.calls.map((c) => c.replace(/live-[\d-]+/, 'live-STAMP')),
    ['save live-STAMP.wav wav', 'save live-STAMP.srt srt'],
  );
  assert.deepEqual(downloads, [], 'nothing went the browser-download way');
  // The WAV on disk is the recording: 2400 samples at 16 kHz, as the microphone gave them (16-bit).
  const wav = await readAudioFile(join(dir, 'session.wav'));
  assert.equal(wav.samples.length, 2400);
  assert.ok(Math.abs(wav.samples[15]! - Math.sin(1.5) * 0.5) < 1e-3);
  assert.ok(Math.abs(wav.samples[2000]! + 0.25) < 1e-3);
  assert.match(readFileSync(join(dir, 'session.srt'), 'utf8'), /00:00:00,000 --> .*\nHello\./);
  assert.equal(notices.filter((n) => n.startsWith('Saved ')).length, 2, notices.join('\n'));

  // Cancel in the dialog: nothing written, nothing said.
  await store.getState().saveLive('wav');
  assert.deepEqual(readdirSync(dir).sort(), ['session.srt', 'session.wav']);
  assert.equal(notices.length, 2);
});

test('without native dialogs (the browser) the session WAV is a download', async () => {
  const { store, dialogs, downloads } = sliceWithHandlers(false);
  await recordedSession(store);
  await store.getState().saveLive('wav');
  assert.deepEqual(dialogs.calls, []);
  assert.equal(downloads.length, 1);
  assert.equal(downloads[0]!.mime, 'audio/wav');
  assert.ok(downloads[0]!.data instanceof Uint8Array && downloads[0]!.data.byteLength === 44 + 2400 * 2);
});

test('the overlay: in Electron a window of its own that gets the latest words after every change; in a browser part of the page', async () => {
  const windows: { captions: OverlayCaptions[]; closed: boolean }[] = [];
  const overlay = new CaptionOverlay(
    () => {
      const w = { captions: [] as OverlayCaptions[], closed: false, onClosed: () => undefined as void };
      windows.push(w);
      return {
        webContents: { send: (_c, v) => void w.captions.push(v), on: () => undefined },
        on: (_e, f) => void (w.onClosed = f),
        close: () => {
          w.closed = true;
          w.onClosed();
        },
        isDestroyed: () => w.closed,
      };
    },
    () => undefined,
  );
  const ctx = createHandlers({
    userData: tempDir(),
    dialogs: null,
    shell: 'electron',
    version: '0',
    bundledModels: BUNDLED_MODELS,
    overlay,
  });
  const { store } = sliceWithHandlers(true, ctx);
  await store.getState().setLiveOverlay(true);
  assert.equal(store.getState().live.overlay, true);
  assert.equal(windows.length, 1);
  await recordedSession(store);
  await new Promise((r) => setTimeout(r, 0));
  // Start (empty), the update, and the stop (tentative cleared).
  assert.deepEqual(windows[0]!.captions.slice(-2), [
    { confirmed: 'Hello.', tentative: '' },
    { confirmed: 'Hello.', tentative: '' },
  ]);
  assert.deepEqual(windows[0]!.captions[0], { confirmed: '', tentative: '' });
  // Closed in the window: the main process tells the page; nothing more is sent.
  overlay.show(false);
  store.getState().overlayChanged(false);
  assert.equal(store.getState().live.overlay, false);
  await store.getState().setLiveOverlay(false);
  assert.equal(windows.length, 1);

  const web = sliceWithHandlers(false);
  await web.store.getState().setLiveOverlay(true);
  assert.equal(web.store.getState().live.overlay, true, 'the in-page overlay');
});

test('overlay captions are the last words: confirmed first, then the tentative tail', () => {
  const words = Array.from({ length: 30 }, (_, i) => w(` w${i}`, i * 100, i * 100 + 90));
  assert.deepEqual(overlayCaptions(words.slice(0, 28), words.slice(28), 5), {
    confirmed: 'w25 w26 w27',
    tentative: ' w28 w29',
  });
  assert.deepEqual(overlayCaptions([], words.slice(0, 2)), { confirmed: '', tentative: 'w0 w1' });
});
