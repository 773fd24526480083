/**
 * Catalog downloads for the app's model manager: one AbortController per running download.
 * Pause aborts and keeps the staging folder (downloadModel resumes it on the next start),
 * cancel also drops it (discardDownload). Progress goes to `emit` (main → renderer events).
 * Downloads land in the model store's folder, so a finished one is listed by models:list.
 */
import {
  discardDownload,
  downloadModel,
  partialDownload,
  type DownloadProgress,
} from '../../app/models/download.ts';
import { listInstalledModels } from '../../app/models/models-dir.ts';
import { approxModelBytes, CATALOG, type CatalogModel } from '../../models/catalog/catalog.ts';
import { SlimError, toErrorData, type ErrorData } from '../../models/errors.ts';
import type { CatalogListing } from '../../app/ipc/contract.ts';

export type { CatalogListing };

/** Main → renderer: progress, and how a download ended. */
export type DownloadEvent =
  | ({ kind: 'progress' } & DownloadProgress)
  | { kind: 'installed'; model: string; id: string }
  | { kind: 'paused'; model: string }
  | { kind: 'cancelled'; model: string }
  | { kind: 'failed'; model: string; error: ErrorData };

export interface ModelDownloadsOptions {
  /** The models folder (the model store's). */
  dir: string;
  emit: (event: DownloadEvent) => void;
  /** Default: the catalog; tests give their own models. */
  catalog?: readonly CatalogModel[];
  /** Default: hubEndpoint() ($SLIM_WHISPER_HF_ENDPOINT). */
  endpoint?: string;
}

interface Running {
  controller: AbortController;
  /** 'pause' or 'cancel' once the user asked; the run's end is reported accordingly. */
  stop: 'pause' | 'cancel' | null;
  done: Promise<void>;
}

export class ModelDownloads {
  private readonly running = new Map<string, Running>();
  /** The latest progress of each running download, and the last failure of each model. */
  private readonly progress = new Map<string, DownloadProgress>();
  private readonly failures = new Map<string, ErrorData>();

  constructor(private readonly opts: ModelDownloadsOptions) {}

  private model(name: string): CatalogModel {
    const m = (this.opts.catalog ?? CATALOG).find((x) => x.name === name);
    if (!m) throw new SlimError('INVALID_ARGUMENT', `${name} is not a catalog model`);
    return m;
  }

  async list(): Promise<CatalogListing[]> {
    const installed = await listInstalledModels(this.opts.dir);
    const out: CatalogListing[] = [];
    for (const m of this.opts.catalog ?? CATALOG) {
      const inst = installed.find((i) => i.name === m.name);
      const part = inst ? null : await partialDownload(m.name, this.opts.dir);
      out.push({
        name: m.name,
        description: m.description,
        multilingual: m.multilingual,
        approxBytes: approxModelBytes(m),
        state: this.running.has(m.name) ? 'downloading' : inst ? 'installed' : part ? 'paused' : 'none',
        installedId: inst?.id ?? null,
        bytes: inst?.bytes ?? part?.bytes ?? 0,
        progress: this.running.has(m.name) ? progressInfo(this.progress.get(m.name)) : null,
        error: this.failures.get(m.name) ?? null,
      });
    }
    return out;
  }

  /** Starts (or resumes) a download; it runs on after this returns, reporting through `emit`. */
  start(name: string): void {
    const m = this.model(name);
    if (this.running.has(name)) return;
    const controller = new AbortController();
    const run: Running = { controller, stop: null, done: Promise.resolve() };
    this.failures.delete(name);
    this.progress.delete(name);
    run.done = downloadModel(m, {
      modelsDir: this.opts.dir,
      signal: controller.signal,
      ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
      onProgress: (p) => {
        this.progress.set(name, p);
        this.opts.emit({ kind: 'progress', ...p });
      },
    })
      .then(
        (installed) => this.opts.emit({ kind: 'installed', model: name, id: installed.id }),
        async (err: unknown) => {
          if (run.stop === 'cancel') {
            this.running.delete(name);
            await discardDownload(name, this.opts.dir).catch(() => undefined);
            this.opts.emit({ kind: 'cancelled', model: name });
          } else if (run.stop === 'pause') this.opts.emit({ kind: 'paused', model: name });
          else {
            this.failures.set(name, toErrorData(err));
            this.opts.emit({ kind: 'failed', model: name, error: toErrorData(err) });
          }
        },
      )
      .finally(() => {
        this.running.delete(name);
        this.progress.delete(name);
      });
    this.running.set(name, run);
  }

  /** Stops a download and keeps what it fetched; start resumes it. */
  async pause(name: string): Promise<void> {
    this.model(name);
    const run = this.running.get(name);
    if (!run) return;
    run.stop = 'pause';
    run.controller.abort();
    await run.done;
  }

  /** Stops a download (running or paused) and drops what it fetched. */
  async cancel(name: string): Promise<void> {
    this.model(name);
    const run = this.running.get(name);
    if (run) {
      run.stop = 'cancel';
      run.controller.abort();
      await run.done;
    } else {
      await discardDownload(name, this.opts.dir);
      this.opts.emit({ kind: 'cancelled', model: name });
    }
  }

  /** Stops every download, keeping their parts (app quit). */
  async pauseAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((n) => this.pause(n)));
  }
}

function progressInfo(p: DownloadProgress | undefined): CatalogListing['progress'] {
  if (!p) return null;
  const { phase, file, receivedBytes, totalBytes, bytesPerSecond, etaMs } = p;
  return { phase, file, receivedBytes, totalBytes, bytesPerSecond, etaMs };
}
