/**
 * The main process's IPC handlers as plain functions over their dependencies (user data folder,
 * dialogs, grants, stores), so that they run in unit tests and behind the browser bridge
 * exactly as they do behind Electron's ipcMain. Arguments arrive already validated (dispatch.ts).
 */
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { readAudioFile } from '../app/audio/read.ts';
import { isWavMagic } from '../app/audio/wav-header.ts';
import type {
  ArgsOf,
  CatalogListing,
  Channel,
  EventName,
  FileRef,
  IpcEvents,
  ModelImportKind,
  ResultOf,
  SaveFormat,
} from '../app/ipc/contract.ts';
import { SlimError } from '../models/errors.ts';
import type { CatalogModel } from '../models/catalog/catalog.ts';
import type { CaptionOverlay } from './overlay.ts';
import { writeFileAtomic } from './services/atomic.ts';
import { PathGrants } from './services/grants.ts';
import { JobJournals } from './services/journal.ts';
import { CoalescedPush } from './services/coalesced-push.ts';
import { ModelDownloads } from './services/model-downloads.ts';
import { ModelFiles } from './services/model-files.ts';
import { ModelStore, type BundledModel } from './services/model-store.ts';
import { SettingsStore } from './services/settings-store.ts';
import { DEFAULT_SETTINGS } from '../app/ipc/settings.ts';

/** The OS dialogs; null where there are none (a plain browser picks files itself). */
export interface Dialogs {
  openAudioFiles(): Promise<string[]>;
  saveFile(defaultName: string, format: SaveFormat): Promise<string | null>;
  pickModel(kind: ModelImportKind): Promise<string | null>;
}

export interface HandlerDeps {
  userData: string;
  dialogs: Dialogs | null;
  shell: 'electron' | 'web';
  version: string;
  bundledModels: BundledModel[];
  grants?: PathGrants;
  /** Catalog downloads: default the catalog from $SLIM_WHISPER_HF_ENDPOINT or the hub (tests give a local one). */
  downloads?: { catalog?: readonly CatalogModel[]; endpoint?: string };
  /** Events to the page (Electron: webContents.send; the browser bridge: server-sent events). */
  emit?: <E extends EventName>(event: E, value: IpcEvents[E]) => void;
  /** The caption overlay window (Electron); absent in the browser, which shows captions in the page. */
  overlay?: Pick<CaptionOverlay, 'show' | 'captions'>;
  /** Least time between two 'downloads:changed' pushes (default DOWNLOADS_PUSH_MS). */
  downloadsPushMs?: number;
}

/** 'downloads:changed' at most this often: four a second keeps a progress bar smooth. */
export const DOWNLOADS_PUSH_MS = 250;

export type Handlers = { [C in Channel]: (...args: ArgsOf<C>) => Promise<ResultOf<C>> };

/** Files up to this size go to the renderer as bytes; bigger reads are refused. */
export const MAX_READ_BYTES = 512 * 1024 * 1024;
/** WAVs up to this size are decoded in the worker; bigger ones are streamed through main. */
export const MAX_WAV_BYTES = 64 * 1024 * 1024;

export interface HandlerContext {
  handlers: Handlers;
  grants: PathGrants;
  settings: SettingsStore;
  models: ModelStore;
  journals: JobJournals;
  downloads: ModelDownloads;
}

/** A granted regular file as the renderer sees it. */
export async function fileRef(path: string): Promise<FileRef> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new SlimError('IO', `${path}: file not found`);
  }
  if (!st.isFile()) throw new SlimError('INVALID_ARGUMENT', `${path}: not a regular file`);
  return { path, name: basename(path), size: st.size };
}

async function grantFiles(grants: PathGrants, paths: string[]): Promise<FileRef[]> {
  const refs: FileRef[] = [];
  for (const p of paths) refs.push(await fileRef(grants.grantRead(p)));
  return refs;
}

async function headBytes(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function needOverlay(o: HandlerDeps['overlay']): NonNullable<HandlerDeps['overlay']> {
  if (!o)
    throw new SlimError(
      'INVALID_ARGUMENT',
      'there is no overlay window in the browser version: the captions overlay is shown in the page',
    );
  return o;
}

function needDialogs(d: Dialogs | null): Dialogs {
  if (!d)
    throw new SlimError(
      'INVALID_ARGUMENT',
      'there are no file dialogs in the browser version: use the browser’s file picker',
    );
  return d;
}

export function createHandlers(deps: HandlerDeps): HandlerContext {
  const grants = deps.grants ?? new PathGrants();
  const settings = new SettingsStore(deps.userData);
  const models = new ModelStore(deps.userData, deps.bundledModels);
  const modelFiles = new ModelFiles(models);
  // Every download event (progress, end) leads to a pushed listing: the same one downloads:list
  // answers, so the page needs no second model of a download's state.
  const emit = deps.emit;
  let pushListing: CoalescedPush<CatalogListing[]> | null = null;
  const downloads = new ModelDownloads({
    dir: models.dir,
    emit: () => pushListing?.poke(),
    ...deps.downloads,
  });
  if (emit)
    pushListing = new CoalescedPush(
      () => downloads.list(),
      (listing) => emit('downloads:changed', listing),
      deps.downloadsPushMs ?? DOWNLOADS_PUSH_MS,
      (err) => process.stderr.write(`[downloads:changed] ${String(err)}\n`),
    );
  const journals = new JobJournals(deps.userData);

  const handlers: Handlers = {
    'app:info': async () => ({
      shell: deps.shell,
      nativeDialogs: deps.dialogs !== null,
      version: deps.version,
      platform: process.platform,
    }),

    'dialog:openFiles': async () => grantFiles(grants, await needDialogs(deps.dialogs).openAudioFiles()),

    'files:grantDropped': async (paths) => grantFiles(grants, paths),

    'files:read': async (path) => {
      const ref = await fileRef(grants.checkRead(path));
      if (ref.size > MAX_READ_BYTES)
        throw new SlimError(
          'INVALID_ARGUMENT',
          `${path}: ${ref.size} bytes is more than this call reads (${MAX_READ_BYTES})`,
        );
      return new Uint8Array(await readFile(ref.path));
    },

    'audio:load': async (path) => {
      const ref = await fileRef(grants.checkRead(path));
      if (ref.size === 0) throw new SlimError('AUDIO_EMPTY', `${path}: the file is empty (0 bytes)`);
      if (ref.size <= MAX_WAV_BYTES && isWavMagic(await headBytes(ref.path, 12)))
        return { kind: 'wav', name: ref.name, bytes: new Uint8Array(await readFile(ref.path)) };
      const d = await readAudioFile(ref.path);
      return {
        kind: 'pcm',
        name: ref.name,
        samples: d.samples,
        durationMs: d.durationMs,
        source: d.source,
        warnings: d.warnings,
      };
    },

    'dialog:saveExport': async ({ defaultName, format }) => {
      const chosen = await needDialogs(deps.dialogs).saveFile(defaultName, format);
      return chosen === null ? null : grants.grantWrite(chosen);
    },

    'export:write': async (path, content) => {
      const p = grants.takeWrite(path);
      return { path: p, bytes: await writeFileAtomic(p, content) };
    },
    'export:writeBinary': async (path, bytes) => {
      const p = grants.takeWrite(path);
      return { path: p, bytes: await writeFileAtomic(p, bytes) };
    },

    'settings:get': () => settings.get(),
    'settings:set': (patch) => settings.set(patch),

    'models:list': () => models.list(),
    'models:import': async (kind) => {
      const chosen = await needDialogs(deps.dialogs).pickModel(kind);
      return chosen === null ? null : models.import(chosen);
    },
    'models:files': async (id) => {
      const { dir: _dir, ...list } = await modelFiles.list(id);
      return list;
    },
    'models:read': (id, name) => modelFiles.read(id, name),
    'downloads:list': () => downloads.list(),
    'downloads:start': async (name) => {
      downloads.start(name);
      return downloads.list();
    },
    'downloads:pause': async (name) => {
      await downloads.pause(name);
      return downloads.list();
    },
    'downloads:cancel': async (name) => {
      await downloads.cancel(name);
      return downloads.list();
    },
    'models:delete': async (id) => {
      await models.delete(id);
      if ((await settings.get()).model === id) await settings.set({ model: DEFAULT_SETTINGS.model });
      return models.list();
    },

    'overlay:show': async (open) => needOverlay(deps.overlay).show(open),
    'overlay:captions': async (captions) => needOverlay(deps.overlay).captions(captions),

    'jobs:begin': async (start) => {
      grants.checkRead(start.file.path); // a job only for a file the user chose
      return journals.begin(start);
    },
    'jobs:append': (jobId, segments) => journals.appendSegments(jobId, segments),
    'jobs:finish': (jobId, end) => journals.finish(jobId, end),
    'jobs:saveEdits': (jobId, segments) => journals.saveEdits(jobId, segments),
    'jobs:list': () => journals.list(),
    'jobs:load': async (jobId) => {
      const j = await journals.load(jobId);
      // The journal is the main process's own record of a file the user chose: resuming may read it again.
      grants.grantRead(j.summary.file.path);
      return j;
    },
    'jobs:discard': (jobId) => journals.discard(jobId),
  };
  return { handlers, grants, settings, models, journals, downloads };
}
