/**
 * The live-caption slice of the store: the microphone (renderer/live/capture.ts) feeds the
 * engine worker ('live:audio'); 'live:update' events append confirmed words and replace the
 * tentative tail; the session's audio is recorded here and can be saved afterwards as SRT/VTT
 * (app/subtitles, the export path) and WAV.
 */
import type { StoreApi } from 'zustand/vanilla';
import { EXPORT_MIME, type SaveFormat } from '../../app/ipc/contract.ts';
import { DEFAULT_SETTINGS } from '../../app/ipc/settings.ts';
import type { TranscriptSegment } from '../../app/ipc/transcript.ts';
import type { LiveEvent } from '../../app/live/protocol.ts';
import type { LiveWord } from '../../app/live/types.ts';
import { errorData } from '../bridge/api.ts';
import { exportText } from '../export/transcript.ts';
import { overlayCaptions } from './Captions.tsx';
import { encodeWav } from '../logic/wav.ts';
import type { AppState, StoreDeps } from '../store/types.ts';

export type LiveStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'error';

export interface LiveState {
  status: LiveStatus;
  sessionId: string | null;
  confirmed: LiveWord[];
  tentative: LiveWord[];
  /** Audio the engine has received. */
  audioMs: number;
  /** Wall time of the last pass (how far behind the captions may run). */
  lastPassMs: number | null;
  error: string | null;
  /** The caption overlay is shown. */
  overlay: boolean;
  /** Recorded audio of the session (16 kHz). */
  recordedMs: number;
}

export interface LiveSlice {
  live: LiveState;
  startLive(): Promise<void>;
  stopLive(): Promise<void>;
  /** Opens or closes the caption overlay: a window of its own in Electron, part of the page in a browser. */
  setLiveOverlay(on: boolean): Promise<void>;
  /** The main process says the overlay window opened or closed (the user can close it there). */
  overlayChanged(open: boolean): void;
  saveLive(format: 'srt' | 'vtt' | 'wav'): Promise<void>;
  handleLiveEvent(ev: LiveEvent): void;
}

/** The page's microphone (renderer/live/capture.ts); 16 kHz chunks in order. */
export interface MicrophoneDeps {
  startMicrophone(
    onChunk: (samples16k: Float32Array) => void,
    deviceId: string | null,
  ): Promise<{ stop(): Promise<void> }>;
}

const RATE = 16000;
/** A pause this long, or a sentence end, closes a caption segment of the saved subtitles. */
const SEGMENT_GAP_MS = 800;

const IDLE: LiveState = {
  status: 'idle',
  sessionId: null,
  confirmed: [],
  tentative: [],
  audioMs: 0,
  lastPassMs: null,
  error: null,
  overlay: false,
  recordedMs: 0,
};

/** Confirmed words as transcript segments: cut at sentence ends and pauses. */
export function liveSegments(words: readonly LiveWord[]): TranscriptSegment[] {
  const out: TranscriptSegment[] = [];
  let cur: LiveWord[] = [];
  const close = (): void => {
    if (!cur.length) return;
    out.push({
      id: out.length,
      startMs: cur[0]!.startMs,
      endMs: cur[cur.length - 1]!.endMs,
      text: cur.map((w) => w.text).join(''),
      words: cur.map((w) => ({ text: w.text, startMs: w.startMs, endMs: w.endMs, probability: 1 })),
      flags: [],
    });
    cur = [];
  };
  words.forEach((w, i) => {
    const prev = words[i - 1];
    if (prev && w.startMs - prev.endMs >= SEGMENT_GAP_MS) close();
    cur.push(w);
    if (/[.!?…。！？]["'”)\]]*$/.test(w.text.trim())) close();
  });
  close();
  return out;
}

export function createLiveSlice(
  set: StoreApi<AppState>['setState'],
  get: StoreApi<AppState>['getState'],
  deps: StoreDeps,
): LiveSlice {
  let mic: { stop(): Promise<void> } | null = null;
  let recording: Float32Array[] = [];
  const patch = (p: Partial<LiveState>): void => set((s) => ({ live: { ...s.live, ...p } }));
  /** Stops the microphone (its last samples still go out) and then the engine's session. */
  const endCapture = async (sessionId: string): Promise<void> => {
    const m = mic;
    mic = null;
    await m?.stop();
    const samples = recording.reduce((n, c) => n + c.length, 0);
    patch({ recordedMs: Math.round((samples / RATE) * 1000) });
    deps.postToEngine({ type: 'live:stop', sessionId });
  };

  /** Through the save dialog where there is one (the main process writes); else a browser download. */
  const saveFile = async (
    name: string,
    format: Extract<SaveFormat, 'srt' | 'vtt' | 'wav'>,
    data: string | Uint8Array,
  ): Promise<void> => {
    const s = get();
    if (s.appInfo?.nativeDialogs) {
      const path = await deps.api.chooseExportPath({ defaultName: name, format });
      if (!path) return;
      const written =
        typeof data === 'string'
          ? await deps.api.writeExport(path, data)
          : await deps.api.writeExportBytes(path, data);
      s.notify('info', `Saved ${written.path}`);
      return;
    }
    deps.download(name, data, format === 'wav' ? 'audio/wav' : EXPORT_MIME[format]);
  };

  /** The overlay window (Electron) gets the latest captions after every change. */
  const overlayWindow = (): boolean => get().appInfo?.shell === 'electron';
  let overlayFailed = false;
  const pushOverlay = (): void => {
    const { live } = get();
    if (!overlayWindow() || !live.overlay) return;
    deps.api.sendOverlayCaptions(overlayCaptions(live.confirmed, live.tentative)).catch((err: unknown) => {
      // Once: captions come every pass, and the live view still shows them.
      if (!overlayFailed) get().notify('warn', `The caption overlay: ${errorData(err).message}`);
      overlayFailed = true;
    });
  };

  const openMicrophone = async (sessionId: string): Promise<void> => {
    try {
      const settings = get().settings ?? DEFAULT_SETTINGS;
      const m = await deps.startMicrophone!((samples) => {
        recording.push(samples.slice());
        deps.postToEngine({ type: 'live:audio', sessionId, samples });
      }, settings.microphone.deviceId);
      if (get().live.sessionId === sessionId && get().live.status === 'running') mic = m;
      else await m.stop(); // stopped while the microphone opened
    } catch (err) {
      patch({ status: 'error', error: `Microphone: ${errorData(err).message}` });
      deps.postToEngine({ type: 'live:stop', sessionId });
    }
  };

  return {
    live: IDLE,
    startLive: async () => {
      const st = get().live.status;
      if (st === 'starting' || st === 'running' || st === 'stopping') return;
      if (!deps.startMicrophone) {
        patch({ status: 'error', error: 'No microphone here.' });
        return;
      }
      const sessionId = deps.newId();
      recording = [];
      set((s) => ({ live: { ...IDLE, overlay: s.live.overlay, status: 'starting', sessionId } }));
      pushOverlay(); // a new session starts with an empty overlay
      const settings = get().settings ?? DEFAULT_SETTINGS;
      deps.postToEngine({
        type: 'live:start',
        sessionId,
        options: {
          model: settings.model,
          language: settings.language,
          task: settings.task,
        },
      });
      // The microphone opens once the model is ready ('live:started'): what is said is captioned
      // from then on, not queued behind the model's loading.
    },
    stopLive: async () => {
      const { sessionId, status } = get().live;
      if (!sessionId || (status !== 'running' && status !== 'starting')) return;
      patch({ status: 'stopping' });
      await endCapture(sessionId);
    },
    setLiveOverlay: async (on) => {
      if (!overlayWindow()) return patch({ overlay: on });
      try {
        overlayFailed = false;
        patch({ overlay: await deps.api.showOverlay(on) });
        pushOverlay();
      } catch (err) {
        get().notify('error', `The caption overlay: ${errorData(err).message}`);
      }
    },
    overlayChanged: (open) => {
      if (get().live.overlay === open) return;
      patch({ overlay: open });
      pushOverlay();
    },
    saveLive: async (format) => {
      const s = get();
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      try {
        if (format === 'wav') {
          const all = new Float32Array(recording.reduce((n, c) => n + c.length, 0));
          let at = 0;
          for (const c of recording) {
            all.set(c, at);
            at += c.length;
          }
          await saveFile(`live-${stamp}.wav`, 'wav', encodeWav(all, RATE));
          return;
        }
        const segments = liveSegments(s.live.confirmed);
        const settings = s.settings ?? DEFAULT_SETTINGS;
        const language = settings.language === 'auto' ? 'en' : settings.language;
        const text = exportText(segments, format, settings.subtitles, language, s.live.audioMs);
        await saveFile(`live-${stamp}.${format}`, format, text);
      } catch (err) {
        s.notify('error', `Saving the live captions failed: ${errorData(err).message}`);
      }
    },
    handleLiveEvent: (ev) => {
      const live = get().live;
      if (ev.sessionId !== live.sessionId) return;
      switch (ev.type) {
        case 'live:started':
          if (live.status === 'starting') {
            patch({ status: 'running' });
            void openMicrophone(ev.sessionId);
          }
          return;
        case 'live:update':
          patch({
            confirmed: [...live.confirmed, ...ev.update.confirmed],
            tentative: ev.update.tentative,
            audioMs: ev.update.audioMs,
            lastPassMs: ev.update.decodeMs,
          });
          pushOverlay();
          return;
        case 'live:stopped':
          if (live.status !== 'error') patch({ status: 'stopped', tentative: [] });
          pushOverlay();
          return;
        case 'live:error':
          patch({ status: 'error', error: ev.error.message });
          void endCapture(ev.sessionId);
          return;
      }
    },
  };
}
