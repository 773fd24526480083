/** The shape of the one store: a slice per concern, plain data only (no class instances). */
import type {
  AppInfo,
  AudioPayload,
  CatalogListing,
  ExportFormat,
  FileRef,
  JobSummary,
  MenuCommand,
  ModelEntry,
  ModelImportKind,
  RendererApi,
} from '../../app/ipc/contract.ts';
import type { Settings, SettingsPatch } from '../../app/ipc/settings.ts';
import type { TranscriptSegment } from '../../app/ipc/transcript.ts';
import type { BackendStatus, JobProgress, WorkerEvent, WorkerRequest } from '../../app/worker/protocol.ts';
import type { ErrorData } from '../../models/errors.ts';
import type { LiveSlice, MicrophoneDeps } from '../live/slice.ts';

export type View = 'queue' | 'transcript' | 'export' | 'settings' | 'live';
export type JobStatus = 'queued' | 'loading' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface QueueItem {
  jobId: string;
  file: FileRef;
  status: JobStatus;
  progress: JobProgress | null;
  durationMs: number | null;
  /** Where this run starts (a resumed job skips what its journal holds). */
  resumeFromMs: number;
  /** Running time so far (pauses excluded), for the ETA. */
  activeMs: number;
  runningSince: number | null;
  etaS: number | null;
  error: ErrorData | null;
  warnings: string[];
}

export interface TranscriptDoc {
  jobId: string;
  fileName: string;
  filePath: string;
  language: string;
  durationMs: number;
  segments: TranscriptSegment[];
  /** blob: URL of the audio for playback, once loaded. */
  mediaUrl: string | null;
  edited: boolean;
}

export interface Notice {
  id: number;
  kind: 'info' | 'warn' | 'error';
  text: string;
}

export interface FilesSlice {
  queue: QueueItem[];
  addFiles(files: FileRef[]): void;
  addFromDialog(): Promise<void>;
  addDropped(files: File[]): Promise<void>;
  pauseJob(jobId: string): void;
  resumeJob(jobId: string): void;
  cancelJob(jobId: string): void;
  removeJob(jobId: string): void;
  retryJob(jobId: string): void;
}

export interface TranscriptSlice {
  docs: Record<string, TranscriptDoc>;
  activeDoc: string | null;
  playbackMs: number;
  /** A request for the player to jump (the counter makes a repeated seek to the same time count). */
  seekRequest: { ms: number; n: number } | null;
  search: string;
  openDoc(jobId: string): void;
  editWord(jobId: string, segment: number, word: number, text: string): void;
  editSegment(jobId: string, segment: number, text: string): void;
  setPlayback(ms: number): void;
  seek(ms: number): void;
  setSearch(q: string): void;
  loadMedia(jobId: string): Promise<void>;
}

export interface SettingsSlice {
  settings: Settings | null;
  models: ModelEntry[];
  updateSettings(patch: SettingsPatch): Promise<void>;
  importModel(kind: ModelImportKind): Promise<void>;
  deleteModel(id: string): Promise<void>;
  /** The model manager's catalog (downloads:list), kept current by 'downloads:changed' pushes. */
  catalog: CatalogListing[];
  refreshCatalog(): Promise<void>;
  /** A new listing (asked for or pushed): a download that ended lists its model or says why it failed. */
  catalogChanged(catalog: CatalogListing[]): Promise<void>;
  download(action: 'start' | 'pause' | 'cancel', name: string): Promise<void>;
}

export interface BackendSlice {
  backend: BackendStatus | null;
  /** The engine of the current model: being built from the model's files, or ready (and on what). */
  engine: { model: string; state: 'loading' | 'ready'; detail: string } | null;
}

export interface SavedJobsSlice {
  savedJobs: JobSummary[];
  refreshSavedJobs(): Promise<void>;
  resumeSaved(jobId: string): Promise<void>;
  openSaved(jobId: string): Promise<void>;
  discardSaved(jobId: string): Promise<void>;
}

export interface ExportSlice {
  exportFormat: ExportFormat;
  lastExport: string | null;
  setExportFormat(f: ExportFormat): void;
  exportActive(): Promise<void>;
}

export interface UiSlice {
  view: View;
  appInfo: AppInfo | null;
  notices: Notice[];
  setView(v: View): void;
  notify(kind: Notice['kind'], text: string): void;
  dismiss(id: number): void;
  menuCommand(c: MenuCommand): void;
  init(): Promise<void>;
  handleWorkerEvent(ev: WorkerEvent): void;
}

export type AppState = FilesSlice &
  TranscriptSlice &
  SettingsSlice &
  BackendSlice &
  SavedJobsSlice &
  ExportSlice &
  LiveSlice &
  UiSlice;

/** What the store needs from outside; tests pass in-process fakes or the real handlers. */
export interface StoreDeps {
  api: RendererApi;
  /** Posts to the engine worker (its events come back through handleWorkerEvent). */
  postToEngine(req: WorkerRequest): void;
  now(): number;
  newId(): string;
  /** A playable URL for loaded audio (blob: in the page), or null where there is none (tests). */
  mediaUrl(audio: AudioPayload): string | null;
  /** Saves a file through the browser (no native dialogs). */
  download(name: string, data: string | Uint8Array, mime: string): void;
  /** The microphone for live captions (absent where there is none, as in Node tests). */
  startMicrophone?: MicrophoneDeps['startMicrophone'];
  /** Delay before edits are journaled (default 500 ms). */
  editSaveDelayMs?: number;
}
