/**
 * The one zustand store. Worker events and main-process replies come in as actions; the job
 * queue runs one job at a time in the engine worker; finished segments are journaled through
 * the main process as they arrive (autosave). Components only read state and call actions.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { EXPORT_MIME, type FileRef } from '../../app/ipc/contract.ts';
import { DEFAULT_SETTINGS } from '../../app/ipc/settings.ts';
import type { TranscriptSegment } from '../../app/ipc/transcript.ts';
import type { WorkerEvent } from '../../app/worker/protocol.ts';
import type { ErrorData } from '../../models/errors.ts';
import { errorData } from '../bridge/api.ts';
import { estimateRemainingS } from '../logic/eta.ts';
import { editSegmentText, editWord } from '../logic/edit.ts';
import { exportFileName, exportText } from '../export/transcript.ts';
import type { AppState, QueueItem, StoreDeps, TranscriptDoc } from './types.ts';
import { createLiveSlice } from '../live/slice.ts';

export type AppStore = StoreApi<AppState>;

const ACTIVE = new Set(['loading', 'running', 'paused']);

export function createAppStore(deps: StoreDeps): AppStore {
  const { api } = deps;
  /** Jobs whose journal exists (begun), so that their end is recorded too. */
  const journaled = new Set<string>();
  /** Journal writes of a job go one after another: segments before the end record, in order. */
  const journalChains = new Map<string, Promise<unknown>>();
  const journal = <T>(jobId: string, write: () => Promise<T>): Promise<T> => {
    const run = (journalChains.get(jobId) ?? Promise.resolve()).then(write);
    journalChains.set(
      jobId,
      run.catch(() => undefined),
    );
    return run;
  };
  let noticeId = 0;

  return createStore<AppState>()((set, get) => {
    const patchItem = (jobId: string, f: (it: QueueItem) => Partial<QueueItem>): void =>
      set((s) => ({ queue: s.queue.map((it) => (it.jobId === jobId ? { ...it, ...f(it) } : it)) }));
    const item = (jobId: string): QueueItem | undefined => get().queue.find((it) => it.jobId === jobId);
    const patchDoc = (jobId: string, f: (d: TranscriptDoc) => Partial<TranscriptDoc>): void =>
      set((s) =>
        s.docs[jobId] ? { docs: { ...s.docs, [jobId]: { ...s.docs[jobId]!, ...f(s.docs[jobId]!) } } } : {},
      );
    const settings = () => get().settings ?? DEFAULT_SETTINGS;

    const newItem = (file: FileRef, jobId = deps.newId(), resumeFromMs = 0): QueueItem => ({
      jobId,
      file,
      status: 'queued',
      progress: null,
      durationMs: null,
      resumeFromMs,
      activeMs: 0,
      runningSince: null,
      etaS: null,
      error: null,
      warnings: [],
    });

    const endJournal = (jobId: string, end: 'done' | 'failed' | 'cancelled'): void => {
      if (!journaled.delete(jobId)) return;
      journal(jobId, () => api.finishJob(jobId, end))
        .then(() => get().refreshSavedJobs())
        .catch((e: unknown) =>
          get().notify('warn', `Could not record the end of the job: ${errorData(e).message}`),
        );
    };

    const finish = (
      jobId: string,
      status: 'done' | 'failed' | 'cancelled',
      error: ErrorData | null = null,
    ): void => {
      const now = deps.now();
      patchItem(jobId, (it) => ({
        status,
        error,
        etaS: null,
        activeMs: it.activeMs + (it.runningSince === null ? 0 : now - it.runningSince),
        runningSince: null,
      }));
      endJournal(jobId, status);
      pump();
    };

    const pump = (): void => {
      const { queue } = get();
      if (queue.some((it) => ACTIVE.has(it.status))) return;
      const next = queue.find((it) => it.status === 'queued');
      if (next) void start(next.jobId);
    };

    const start = async (jobId: string): Promise<void> => {
      patchItem(jobId, () => ({ status: 'loading', error: null }));
      const it = item(jobId)!;
      const s = settings();
      try {
        const audio = await api.loadAudio(it.file.path);
        const durationMs = audio.kind === 'pcm' ? audio.durationMs : null;
        const url = deps.mediaUrl(audio); // before the bytes are transferred to the worker
        set((st) => ({
          docs: {
            ...st.docs,
            [jobId]: {
              jobId,
              fileName: it.file.name,
              filePath: it.file.path,
              language: s.language,
              durationMs: durationMs ?? st.docs[jobId]?.durationMs ?? 0,
              segments: st.docs[jobId]?.segments ?? [],
              mediaUrl: url,
              edited: st.docs[jobId]?.edited ?? false,
            },
          },
          activeDoc: st.activeDoc ?? jobId,
        }));
        await api.beginJob({
          jobId,
          file: it.file,
          durationMs,
          settings: { model: s.model, language: s.language, task: s.task },
        });
        journaled.add(jobId);
        if (item(jobId)?.status !== 'loading') return finish(jobId, 'cancelled'); // cancelled while loading
        patchItem(jobId, () => ({ status: 'running', durationMs, runningSince: deps.now() }));
        deps.postToEngine({
          type: 'transcribe',
          jobId,
          audio,
          options: {
            model: s.model,
            language: s.language,
            task: s.task,
            resumeFromMs: it.resumeFromMs,
            firstSegmentId: (get().docs[jobId]?.segments ?? []).reduce((m, x) => Math.max(m, x.id + 1), 0),
          },
        });
      } catch (err) {
        finish(jobId, 'failed', errorData(err));
      }
    };

    /** Edits reach the journal half a second after the last one (a crash loses at most that). */
    const editTimers = new Map<string, ReturnType<typeof setTimeout>>();
    const saveEdits = (jobId: string): void => {
      clearTimeout(editTimers.get(jobId));
      editTimers.set(
        jobId,
        setTimeout(() => {
          editTimers.delete(jobId);
          const d = get().docs[jobId];
          if (!d) return;
          journal(jobId, () => api.saveEdits(jobId, d.segments)).catch((e: unknown) =>
            get().notify('error', `Your correction could not be saved: ${errorData(e).message}`),
          );
        }, deps.editSaveDelayMs ?? 500),
      );
    };

    const appendSegments = (jobId: string, segments: TranscriptSegment[]): void => {
      patchDoc(jobId, (d) => {
        const known = new Set(d.segments.map((x) => x.id));
        const merged = [...d.segments, ...segments.filter((x) => !known.has(x.id))].sort(
          (a, b) => a.startMs - b.startMs,
        );
        return { segments: merged };
      });
      // Autosave: each batch goes to the job's journal at once.
      journal(jobId, () => api.appendSegments(jobId, segments)).catch((e: unknown) =>
        get().notify('error', `Autosave failed: ${errorData(e).message}`),
      );
    };

    const onProgress = (ev: Extract<WorkerEvent, { type: 'progress' }>): void => {
      const now = deps.now();
      patchItem(ev.jobId, (it) => {
        const active = it.activeMs + (it.runningSince === null ? 0 : now - it.runningSince);
        const eta = estimateRemainingS(
          active,
          ev.progress.processedS,
          it.resumeFromMs / 1000,
          ev.progress.totalS,
        );
        return { progress: ev.progress, etaS: eta };
      });
    };

    /** The worker asked for a model: its files from the main process, handed over (transferred). */
    const provideModel = async (model: string): Promise<void> => {
      try {
        const list = await api.modelFiles(model);
        const files: Record<string, Uint8Array> = {};
        for (const f of list.files) files[f.name] = await api.readModelFile(model, f.name);
        deps.postToEngine({
          type: 'model',
          model,
          data: { format: list.format, files, forms: list.forms },
          error: null,
        });
      } catch (err) {
        deps.postToEngine({ type: 'model', model, data: null, error: errorData(err) });
      }
    };

    return {
      // ---- files queue
      queue: [],
      addFiles: (files) => {
        if (files.length === 0) return;
        set((s) => ({ queue: [...s.queue, ...files.map((f) => newItem(f))] }));
        pump();
      },
      addFromDialog: async () => {
        const s = get();
        if (s.appInfo && !s.appInfo.nativeDialogs) return; // the view opens the browser's picker instead
        try {
          s.addFiles(await api.openFiles());
        } catch (err) {
          s.notify('error', errorData(err).message);
        }
      },
      addDropped: async (files) => {
        try {
          get().addFiles(await api.addDroppedFiles(files));
        } catch (err) {
          get().notify('error', errorData(err).message);
        }
      },
      pauseJob: (jobId) => {
        if (item(jobId)?.status === 'running') deps.postToEngine({ type: 'pause', jobId });
      },
      resumeJob: (jobId) => {
        if (item(jobId)?.status === 'paused') deps.postToEngine({ type: 'resume', jobId });
      },
      cancelJob: (jobId) => {
        const st = item(jobId)?.status;
        if (st === 'queued') patchItem(jobId, () => ({ status: 'cancelled' }));
        else if (st === 'loading') patchItem(jobId, () => ({ status: 'cancelled' }));
        else if (st === 'running' || st === 'paused') deps.postToEngine({ type: 'cancel', jobId });
      },
      removeJob: (jobId) => {
        if (!ACTIVE.has(item(jobId)?.status ?? ''))
          set((s) => ({ queue: s.queue.filter((it) => it.jobId !== jobId) }));
      },
      retryJob: (jobId) => {
        const it = item(jobId);
        if (!it || (it.status !== 'failed' && it.status !== 'cancelled')) return;
        set((s) => ({ queue: s.queue.map((x) => (x.jobId === jobId ? newItem(it.file) : x)) }));
        pump();
      },

      // ---- transcript
      docs: {},
      activeDoc: null,
      playbackMs: 0,
      seekRequest: null,
      search: '',
      openDoc: (jobId) =>
        set((s) => (s.docs[jobId] ? { activeDoc: jobId, view: 'transcript', playbackMs: 0 } : {})),
      editWord: (jobId, seg, word, text) => {
        patchDoc(jobId, (d) => ({
          segments: d.segments.map((x, i) => (i === seg ? editWord(x, word, text) : x)),
          edited: true,
        }));
        saveEdits(jobId);
      },
      editSegment: (jobId, seg, text) => {
        patchDoc(jobId, (d) => ({
          segments: d.segments.map((x, i) => (i === seg ? editSegmentText(x, text) : x)),
          edited: true,
        }));
        saveEdits(jobId);
      },
      setPlayback: (ms) => set({ playbackMs: ms }),
      seek: (ms) => set((s) => ({ seekRequest: { ms, n: (s.seekRequest?.n ?? 0) + 1 }, playbackMs: ms })),
      setSearch: (q) => set({ search: q }),
      loadMedia: async (jobId) => {
        const d = get().docs[jobId];
        if (!d || d.mediaUrl) return;
        try {
          const url = deps.mediaUrl(await api.loadAudio(d.filePath));
          patchDoc(jobId, () => ({ mediaUrl: url }));
        } catch (err) {
          get().notify('error', `The audio could not be loaded: ${errorData(err).message}`);
        }
      },

      // ---- settings and models
      settings: null,
      models: [],
      updateSettings: async (patch) => {
        const before = get().settings;
        try {
          const next = await api.setSettings(patch);
          set({ settings: next });
          if (before && (before.backend !== next.backend || before.threads !== next.threads))
            deps.postToEngine({ type: 'init', backend: next.backend, threads: next.threads });
        } catch (err) {
          get().notify('error', errorData(err).message);
        }
      },
      importModel: async (kind) => {
        try {
          const m = await api.importModel(kind);
          if (m) {
            set({ models: await api.listModels() });
            get().notify('info', `Imported ${m.name} (${m.format})`);
          }
        } catch (err) {
          get().notify('error', errorData(err).message);
        }
      },
      deleteModel: async (id) => {
        try {
          set({ models: await api.deleteModel(id), settings: await api.getSettings() });
          if (get().catalog.length > 0) await get().refreshCatalog();
        } catch (err) {
          get().notify('error', errorData(err).message);
        }
      },
      catalog: [],
      refreshCatalog: async () => {
        try {
          await get().catalogChanged(await api.listDownloads());
        } catch (err) {
          get().notify('error', errorData(err).message);
        }
      },
      catalogChanged: async (catalog) => {
        const before = get().catalog;
        set({ catalog });
        // A download that finished or failed since the last look: list the model, say why
        for (const c of catalog) {
          const was = before.find((b) => b.name === c.name);
          // (from 'paused' too: a resumed download can end between two looks)
          if (!was || was.state === c.state || c.state === 'downloading') continue;
          if (c.state === 'installed') {
            try {
              set({ models: await api.listModels() });
            } catch (err) {
              get().notify('error', errorData(err).message);
            }
            get().notify('info', `Downloaded ${c.name}`);
          } else if (c.error) get().notify('error', c.error.message);
        }
      },
      download: async (action, name) => {
        try {
          // Each action answers the listing: no second look needed (progress is pushed).
          const catalog =
            action === 'start'
              ? await api.startDownload(name)
              : action === 'pause'
                ? await api.pauseDownload(name)
                : await api.cancelDownload(name);
          await get().catalogChanged(catalog);
        } catch (err) {
          get().notify('error', errorData(err).message);
        }
      },

      // ---- backend
      backend: null,
      engine: null,

      // ---- saved jobs (journals)
      savedJobs: [],
      refreshSavedJobs: async () => {
        try {
          set({ savedJobs: await api.listJobs() });
        } catch (err) {
          get().notify('warn', `Saved jobs could not be listed: ${errorData(err).message}`);
        }
      },
      openSaved: async (jobId) => {
        try {
          const j = await api.loadJob(jobId);
          const last = j.segments.reduce((m, x) => Math.max(m, x.endMs), 0);
          set((s) => ({
            docs: {
              ...s.docs,
              [jobId]: {
                jobId,
                fileName: j.summary.file.name,
                filePath: j.summary.file.path,
                language: j.summary.settings.language,
                durationMs: j.summary.durationMs ?? last,
                segments: j.segments,
                mediaUrl: s.docs[jobId]?.mediaUrl ?? null,
                edited: false,
              },
            },
          }));
          get().openDoc(jobId);
        } catch (err) {
          get().notify('error', errorData(err).message);
        }
      },
      resumeSaved: async (jobId) => {
        if (item(jobId)) return;
        try {
          const j = await api.loadJob(jobId);
          await get().openSaved(jobId);
          set((s) => ({
            queue: [...s.queue, newItem(j.summary.file, jobId, j.summary.resumeFromMs)],
            view: 'queue',
          }));
          pump();
        } catch (err) {
          get().notify('error', errorData(err).message);
        }
      },
      discardSaved: async (jobId) => {
        try {
          await api.discardJob(jobId);
          await get().refreshSavedJobs();
        } catch (err) {
          get().notify('error', errorData(err).message);
        }
      },

      // ---- export
      exportFormat: 'srt',
      lastExport: null,
      setExportFormat: (f) => set({ exportFormat: f }),
      exportActive: async () => {
        const s = get();
        const d = s.activeDoc ? s.docs[s.activeDoc] : undefined;
        if (!d) return;
        const format = s.exportFormat;
        const text = exportText(d.segments, format, settings().subtitles, d.language, d.durationMs);
        const name = exportFileName(d.fileName, format);
        try {
          if (s.appInfo?.nativeDialogs) {
            const path = await api.chooseExportPath({ defaultName: name, format });
            if (!path) return;
            const written = await api.writeExport(path, text);
            set({ lastExport: written.path });
            s.notify('info', `Saved ${written.path}`);
          } else {
            deps.download(name, text, EXPORT_MIME[format]);
            set({ lastExport: name });
          }
        } catch (err) {
          s.notify('error', `Export failed: ${errorData(err).message}`);
        }
      },

      // ---- live captions
      ...createLiveSlice(set, get, deps),

      // ---- ui
      view: 'queue',
      appInfo: null,
      notices: [],
      setView: (v) => set({ view: v }),
      notify: (kind, text) =>
        set((s) => ({ notices: [...s.notices.slice(-4), { id: ++noticeId, kind, text }] })),
      dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
      menuCommand: (c) => {
        const s = get();
        if (c === 'open-files') void s.addFromDialog();
        else if (c === 'export') s.setView('export');
        else if (c === 'show-queue') s.setView('queue');
        else if (c === 'show-transcript') s.setView('transcript');
        else if (c === 'show-settings') s.setView('settings');
      },
      init: async () => {
        api.onFilesOpened((files) => get().addFiles(files));
        api.onMenuCommand((c) => get().menuCommand(c));
        api.onDownloadsChanged((catalog) => void get().catalogChanged(catalog));
        api.onOverlayChanged((open) => get().overlayChanged(open));
        try {
          const [appInfo, st, models] = await Promise.all([
            api.appInfo(),
            api.getSettings(),
            api.listModels(),
          ]);
          set({ appInfo, settings: st, models });
          deps.postToEngine({ type: 'init', backend: st.backend, threads: st.threads });
        } catch (err) {
          get().notify('error', `The app could not start: ${errorData(err).message}`);
        }
        await get().refreshSavedJobs();
      },
      handleWorkerEvent: (ev) => {
        switch (ev.type) {
          case 'ready':
            return set({ backend: ev.backend });
          case 'need-model':
            return void provideModel(ev.model);
          case 'engine':
            return set({ engine: { model: ev.model, state: ev.state, detail: ev.detail } });
          case 'audio':
            patchItem(ev.jobId, () => ({ durationMs: ev.durationS * 1000, warnings: ev.warnings }));
            return patchDoc(ev.jobId, () => ({ durationMs: ev.durationS * 1000 }));
          case 'progress':
            return onProgress(ev);
          case 'notice':
            // The engine moved mid-job (WebGPU device lost → WASM): say so, and the badge follows.
            if (ev.backend) set({ backend: ev.backend });
            return get().notify('warn', ev.message);
          case 'segments':
            return appendSegments(ev.jobId, ev.segments);
          case 'paused': {
            // A pause that lands after the job ended (the worker was mid-window) changes nothing.
            if (item(ev.jobId)?.status !== 'running') return;
            const now = deps.now();
            return patchItem(ev.jobId, (it) => ({
              status: 'paused',
              activeMs: it.activeMs + (it.runningSince === null ? 0 : now - it.runningSince),
              runningSince: null,
            }));
          }
          case 'resumed':
            if (item(ev.jobId)?.status !== 'paused') return;
            return patchItem(ev.jobId, () => ({ status: 'running', runningSince: deps.now() }));
          case 'done':
            return finish(ev.jobId, 'done');
          case 'cancelled':
            return finish(ev.jobId, 'cancelled');
          case 'live:started':
          case 'live:update':
          case 'live:stopped':
          case 'live:error':
            return get().handleLiveEvent(ev);
          case 'error':
            if (ev.jobId && item(ev.jobId) && ACTIVE.has(item(ev.jobId)!.status))
              return finish(ev.jobId, 'failed', ev.error);
            return get().notify('error', ev.error.message);
        }
      },
    };
  });
}
