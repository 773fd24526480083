/**
 * The typed IPC contract between the renderer and the main process: every channel's name,
 * argument tuple and result. The preload exposes one named function per channel (API_CHANNELS),
 * the main process validates every argument (args.ts) before a handler sees it, and results
 * travel as `IpcResult` envelopes so that error codes survive the boundary.
 */
import type { ErrorData } from '../../models/errors.ts';
import type { SourceFormat } from '../../models/checkpoint/types.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import type { Settings, SettingsPatch, Task } from './settings.ts';
import type { TranscriptSegment } from './transcript.ts';

/** A file the user granted to the app (picked in a dialog, dropped, or opened with the app). */
export interface FileRef {
  path: string;
  name: string;
  size: number;
}

export interface AudioSource {
  format: string;
  codec: string;
  sampleRate: number;
  channels: number;
}

/**
 * Audio for the engine worker: a WAV file's bytes (the worker decodes them itself), or any
 * other format (and very large WAVs) decoded to 16 kHz mono by ffmpeg in the main process.
 */
export type AudioPayload =
  | { kind: 'wav'; name: string; bytes: Uint8Array }
  | {
      kind: 'pcm';
      name: string;
      samples: Float32Array;
      durationMs: number;
      source: AudioSource;
      warnings: string[];
    };

export const EXPORT_FORMATS = ['srt', 'vtt', 'txt', 'json', 'csv', 'lrc'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What the save dialog saves: a transcript export, or a live session's recording ('wav'). */
export const SAVE_FORMATS = [...EXPORT_FORMATS, 'wav'] as const;
export type SaveFormat = (typeof SAVE_FORMATS)[number];

export interface SaveRequest {
  defaultName: string;
  format: SaveFormat;
}

export interface WrittenFile {
  path: string;
  bytes: number;
}

export interface ModelEntry {
  id: string;
  name: string;
  format: SourceFormat;
  /**
   * 'bundled' ships with the app (read-only); 'imported' (from a local path) and 'downloaded'
   * (from the catalog) live in the user data folder.
   */
  source: 'bundled' | 'imported' | 'downloaded';
  bytes: number;
  path: string;
  addedAt: string | null;
  removable: boolean;
}

export type ModelImportKind = 'folder' | 'file';

/**
 * The files of an installed model that the engine worker loads, by name relative to the
 * model's folder ('config.json', 'onnx/encoder_model_quantized.onnx'); read with models:read.
 */
export interface ModelFileList {
  id: string;
  format: SourceFormat;
  files: Array<{ name: string; bytes: number }>;
  /** Self-attention form per decoder layer of the model's measured conversion (stored or bundled); null: none known. */
  forms: SelfForm[] | null;
}

/** What a job was started with, kept in its journal so that it can be resumed as it was. */
export interface JobSettings {
  model: string;
  language: string;
  task: Task;
}

export interface JobStart {
  jobId: string;
  file: FileRef;
  durationMs: number | null;
  settings: JobSettings;
}

export type JobEnd = 'done' | 'cancelled' | 'failed';

export interface JobSummary extends JobStart {
  startedAt: string;
  updatedAt: string;
  segmentCount: number;
  /** End time (ms) of the last saved segment: where a resumed job continues. */
  resumeFromMs: number;
  ended: JobEnd | null;
}

export interface JobJournal {
  summary: JobSummary;
  segments: TranscriptSegment[];
}

export interface AppInfo {
  shell: 'electron' | 'web';
  /** Whether open/save dialogs exist (a plain browser uses its own file picker instead). */
  nativeDialogs: boolean;
  version: string;
  platform: string;
}

/** A catalog download's latest progress (app/models/download.ts's DownloadProgress). */
export interface DownloadProgressInfo {
  phase: 'connecting' | 'downloading' | 'retrying' | 'installing' | 'done';
  file: string;
  receivedBytes: number;
  totalBytes: number;
  bytesPerSecond: number | null;
  etaMs: number | null;
}

/** One catalog model in the model manager: downloadable, downloading, paused or installed. */
export interface CatalogListing {
  name: string;
  description: string;
  multilingual: boolean;
  /** The catalog's estimate of the download. */
  approxBytes: number;
  state: 'none' | 'downloading' | 'paused' | 'installed';
  /** The installed model's id in models:list. */
  installedId: string | null;
  /** Bytes on disk: the installed model, or a paused download's part. */
  bytes: number;
  /** While downloading (pushed to the renderer as 'downloads:changed'). */
  progress: DownloadProgressInfo | null;
  /** Why the last download of this model stopped, when it failed. */
  error: ErrorData | null;
}

/** What the caption overlay window shows: the latest words of a live session as text. */
export interface OverlayCaptions {
  confirmed: string;
  /** The words still being decided (shown dimmed). */
  tentative: string;
}

/** Every channel: [arguments, result]. */
export interface IpcChannels {
  'app:info': [[], AppInfo];
  'dialog:openFiles': [[], FileRef[]];
  'files:grantDropped': [[paths: string[]], FileRef[]];
  'files:read': [[path: string], Uint8Array];
  'audio:load': [[path: string], AudioPayload];
  'dialog:saveExport': [[request: SaveRequest], string | null];
  'export:write': [[path: string, content: string], WrittenFile];
  /** Bytes (a live session's WAV) to a path the save dialog just returned, as export:write. */
  'export:writeBinary': [[path: string, bytes: Uint8Array], WrittenFile];
  'settings:get': [[], Settings];
  'settings:set': [[patch: SettingsPatch], Settings];
  'models:list': [[], ModelEntry[]];
  'models:import': [[kind: ModelImportKind], ModelEntry | null];
  'models:delete': [[id: string], ModelEntry[]];
  'models:files': [[id: string], ModelFileList];
  /** One file of models:files' list (no other name is served). */
  'models:read': [[id: string, name: string], Uint8Array];
  /** Catalog downloads, by catalog name only; each answers the catalog listing. */
  'downloads:list': [[], CatalogListing[]];
  'downloads:start': [[name: string], CatalogListing[]];
  /** Stops and keeps the part: downloads:start resumes it. */
  'downloads:pause': [[name: string], CatalogListing[]];
  'downloads:cancel': [[name: string], CatalogListing[]];
  /**
   * The caption overlay window (Electron only; the browser build shows captions in the page):
   * opens or closes it and answers whether it is open. Captions go to it with overlay:captions.
   */
  'overlay:show': [[open: boolean], boolean];
  'overlay:captions': [[captions: OverlayCaptions], void];
  'jobs:begin': [[start: JobStart], JobSummary];
  'jobs:append': [[jobId: string, segments: TranscriptSegment[]], number];
  'jobs:finish': [[jobId: string, end: JobEnd], JobSummary];
  /** The user's corrections: the whole edited list replaces what the journal held (allowed after the end). */
  'jobs:saveEdits': [[jobId: string, segments: TranscriptSegment[]], JobSummary];
  'jobs:list': [[], JobSummary[]];
  'jobs:load': [[jobId: string], JobJournal];
  'jobs:discard': [[jobId: string], void];
}

export type Channel = keyof IpcChannels;
export type ArgsOf<C extends Channel> = IpcChannels[C][0];
export type ResultOf<C extends Channel> = IpcChannels[C][1];

/**
 * The preload's function name for each channel but 'files:grantDropped', which is reached only
 * through `addDroppedFiles` (the preload resolves real File objects to paths: the page itself
 * can never name a path to grant).
 */
export const API_CHANNELS = {
  appInfo: 'app:info',
  openFiles: 'dialog:openFiles',
  readFile: 'files:read',
  loadAudio: 'audio:load',
  chooseExportPath: 'dialog:saveExport',
  writeExport: 'export:write',
  writeExportBytes: 'export:writeBinary',
  getSettings: 'settings:get',
  setSettings: 'settings:set',
  listModels: 'models:list',
  importModel: 'models:import',
  deleteModel: 'models:delete',
  modelFiles: 'models:files',
  readModelFile: 'models:read',
  listDownloads: 'downloads:list',
  startDownload: 'downloads:start',
  pauseDownload: 'downloads:pause',
  cancelDownload: 'downloads:cancel',
  showOverlay: 'overlay:show',
  sendOverlayCaptions: 'overlay:captions',
  beginJob: 'jobs:begin',
  appendSegments: 'jobs:append',
  finishJob: 'jobs:finish',
  saveEdits: 'jobs:saveEdits',
  listJobs: 'jobs:list',
  loadJob: 'jobs:load',
  discardJob: 'jobs:discard',
} as const satisfies Record<string, Channel>;

export type ApiName = keyof typeof API_CHANNELS;

/** The invoke functions, one per channel. */
export type InvokeApi = {
  [N in ApiName]: (...args: ArgsOf<(typeof API_CHANNELS)[N]>) => Promise<ResultOf<(typeof API_CHANNELS)[N]>>;
};

/** Messages the main process sends unasked. */
export const MENU_COMMANDS = [
  'open-files',
  'export',
  'show-queue',
  'show-transcript',
  'show-settings',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export interface IpcEvents {
  /** Files opened with the app (file association, command line, second instance). */
  'files:opened': FileRef[];
  'menu:command': MenuCommand;
  /**
   * The catalog listing (as downloads:list answers), pushed while downloads run and when one
   * ends: a few times a second at most, the latest state always last.
   */
  'downloads:changed': CatalogListing[];
  /** The caption overlay window opened or closed (also when the user closes it there). */
  'overlay:changed': boolean;
}

/** Events to the caption overlay window only (its own preload exposes OverlayApi). */
export interface OverlayEvents {
  'overlay:captions': OverlayCaptions;
}

/** What the overlay window's preload exposes as `window.slimWhisperOverlay`: captions in, nothing out. */
export interface OverlayApi {
  onCaptions(listener: (captions: OverlayCaptions) => void): () => void;
}
export const OVERLAY_GLOBAL = 'slimWhisperOverlay';
export type EventName = keyof IpcEvents;

/**
 * What the preload exposes as `window.slimWhisper` (and the browser bridge imitates): one
 * function per channel returning the main process's envelope, a way to grant dropped files
 * (Electron resolves real File objects to paths in the preload; the browser bridge uploads
 * them), and event subscriptions that return their unsubscribe.
 */
export type PreloadApi = {
  [N in ApiName]: (
    ...args: ArgsOf<(typeof API_CHANNELS)[N]>
  ) => Promise<IpcResult<ResultOf<(typeof API_CHANNELS)[N]>>>;
} & {
  addDroppedFiles(files: File[]): Promise<IpcResult<FileRef[]>>;
  onFilesOpened(listener: (files: FileRef[]) => void): () => void;
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  onDownloadsChanged(listener: (catalog: CatalogListing[]) => void): () => void;
  onOverlayChanged(listener: (open: boolean) => void): () => void;
};

/** The same with envelopes unwrapped (errors thrown as IpcError): what the renderer's code calls. */
export type RendererApi = InvokeApi & {
  addDroppedFiles(files: File[]): Promise<FileRef[]>;
  onFilesOpened(listener: (files: FileRef[]) => void): () => void;
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  onDownloadsChanged(listener: (catalog: CatalogListing[]) => void): () => void;
  onOverlayChanged(listener: (open: boolean) => void): () => void;
};

/** The subscriptions of PreloadApi and RendererApi (the rest are one function per channel). */
export type EventApiName = 'onFilesOpened' | 'onMenuCommand' | 'onDownloadsChanged' | 'onOverlayChanged';

export const PRELOAD_GLOBAL = 'slimWhisper';

/** Every reply of the main process: a value, or an error with its stable code. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorData };

export const ALLOWED_EXTENSIONS = {
  audio: [
    'wav',
    'mp3',
    'm4a',
    'aac',
    'flac',
    'ogg',
    'oga',
    'opus',
    'webm',
    'mp4',
    'mkv',
    'mov',
    'wma',
    'aiff',
    'aif',
  ],
} as const;

export const EXPORT_MIME: Record<ExportFormat, string> = {
  srt: 'application/x-subrip',
  vtt: 'text/vtt',
  txt: 'text/plain',
  json: 'application/json',
  csv: 'text/csv',
  lrc: 'text/plain',
};
