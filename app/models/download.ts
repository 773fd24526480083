/**
 * Catalog downloads into the per-user models folder, for the CLI and the desktop app's model
 * manager alike:
 *   downloadModel('small', { onProgress, signal })   progress, pause (abort) and resume (call again)
 *   discardDownload('small')                          cancel: drop what a paused download kept
 *   partialDownload('small')                          what a paused download has so far
 *
 * All files of a model go to a staging folder `<dir>/.download-<name>/` (each through its own
 * `.part`, see download-file.ts), and only when every file is there and verified is the folder
 * renamed to `<dir>/<name>/` with its entry.json, so nothing half-written is ever seen as a model.
 * A dropped connection or an abort keeps the staging folder for a resume; a 404 or a wrong hash
 * deletes it. A lock (proper-lockfile, `<dir>/.download-<name>.lock`) keeps two processes, or
 * two calls in one, from downloading the same model at once: the second is refused.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import {
  catalogModel,
  HF_ENDPOINT,
  hubFileUrl,
  type CatalogFile,
  type CatalogModel,
} from '../../models/catalog/catalog.ts';
import { SlimError } from '../../models/errors.ts';
import { detectFormat } from '../../models/import/load.ts';
import { downloadFile, HttpStatusError } from './download-file.ts';
import {
  findInstalledModel,
  freeModelId,
  modelsDir,
  pathBytes,
  removeInstalledModel,
  type CatalogRecord,
  type InstalledModel,
  type ModelEntryFile,
} from './models-dir.ts';

/** The hub to download from: $SLIM_WHISPER_HF_ENDPOINT, else $HF_ENDPOINT (as huggingface_hub), else huggingface.co. */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return env.SLIM_WHISPER_HF_ENDPOINT || env.HF_ENDPOINT || HF_ENDPOINT;
}

export interface DownloadProgress {
  model: string;
  phase: 'connecting' | 'downloading' | 'retrying' | 'installing' | 'done';
  /** The file being fetched (repository path). */
  file: string;
  fileIndex: number;
  fileCount: number;
  /** Bytes on disk for the whole model, resumed parts included. */
  receivedBytes: number;
  /** The whole model: exact sizes where the server told them, the catalog's estimate elsewhere. */
  totalBytes: number;
  /** Over the last few seconds; null until there is a measurement. */
  bytesPerSecond: number | null;
  etaMs: number | null;
  /** Why a retry is waiting (phase 'retrying'). */
  message?: string;
}

export interface ModelDownloadOptions {
  /** Default: modelsDir() ($SLIM_WHISPER_MODELS_DIR or the per-user folder). */
  modelsDir?: string;
  /** Default: hubEndpoint(). */
  endpoint?: string;
  /** Abort = pause: the staging folder is kept and the next call resumes. */
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Download again even when the model is installed (the old copy is replaced at the end). */
  force?: boolean;
  retries?: number;
  retryBaseMs?: number;
  idleTimeoutMs?: number;
  /** Minimum time between two 'downloading' events (default 100 ms). */
  progressIntervalMs?: number;
}

interface StagingState {
  repo: string;
  revision: string;
  endpoint: string;
  commit: string | null;
  files: CatalogRecord['files'];
  skipped: string[];
}

function stagingDir(dir: string, name: string): string {
  return join(dir, `.download-${name}`);
}

function lockPath(dir: string, name: string): string {
  return join(dir, `.download-${name}.lock`);
}

function resolveEntry(model: string | CatalogModel): CatalogModel {
  return typeof model === 'string' ? catalogModel(model) : model;
}

/** The URLs of a model's files at `revision` (for messages and manual installs). */
export function modelFileUrls(m: CatalogModel, endpoint = hubEndpoint(), revision = m.revision): string[] {
  return m.files.map((f) => hubFileUrl(endpoint, m.repo, revision, f.path));
}

/** How to install a model without this downloader, for error messages. */
export function manualInstallHint(m: CatalogModel, dir: string, endpoint = hubEndpoint()): string {
  const urls = m.files.map(
    (f) => `  ${hubFileUrl(endpoint, m.repo, m.revision, f.path)}${f.optional ? ' (optional)' : ''}`,
  );
  return (
    `To install ${m.name} by hand, download\n${urls.join('\n')}\n` +
    `into the folder ${join(dir, m.name)} (or any folder, and pass it with --model <folder>).`
  );
}

/** A sliding window over the last few seconds of bytes, for speed and ETA. */
class Rate {
  private samples: Array<[timeMs: number, bytes: number]> = [];
  add(timeMs: number, bytes: number): void {
    this.samples.push([timeMs, bytes]);
    while (this.samples.length > 2 && timeMs - this.samples[0]![0] > 5000) this.samples.shift();
  }
  bytesPerSecond(): number | null {
    if (this.samples.length < 2) return null;
    const [t0, b0] = this.samples[0]!;
    const [t1, b1] = this.samples[this.samples.length - 1]!;
    return t1 - t0 >= 1000 ? ((b1 - b0) * 1000) / (t1 - t0) : null; // a shorter span is noise
  }
}

async function readState(staging: string): Promise<StagingState | null> {
  try {
    return JSON.parse(await readFile(join(staging, 'state.json'), 'utf8')) as StagingState;
  } catch {
    return null;
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, path);
}

async function fileSize(path: string): Promise<number | null> {
  const st = await stat(path).catch(() => null);
  return st?.isFile() ? st.size : null;
}

/** Takes the model's download lock or refuses (MODEL_DOWNLOAD). */
async function acquireLock(
  dir: string,
  name: string,
  onCompromised: (err: Error) => void,
): Promise<() => Promise<void>> {
  try {
    return await lockfile.lock(dir, {
      lockfilePath: lockPath(dir, name),
      realpath: false,
      stale: 30_000, // a crashed holder's lock is taken over after 30 s
      update: 5_000,
      retries: 0,
      onCompromised,
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOCKED') {
      throw new SlimError(
        'MODEL_DOWNLOAD',
        `${name} is already being downloaded into ${dir} (by this or another process); wait for it to finish or cancel it (a lock left by a crash expires after 30 s)`,
        { cause: err },
      );
    }
    throw new SlimError('IO', `${dir}: cannot lock the models folder (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/**
 * Downloads catalog model `model` (a name, or an entry of the same shape) into the models folder
 * and returns the installed model. An installed model is returned as it is unless `force`.
 */
export async function downloadModel(
  model: string | CatalogModel,
  opts: ModelDownloadOptions = {},
): Promise<InstalledModel> {
  const m = resolveEntry(model);
  const dir = resolve(opts.modelsDir ?? modelsDir());
  const endpoint = (opts.endpoint ?? hubEndpoint()).replace(/\/+$/, '');
  const source = { repo: m.repo, revision: m.revision, endpoint };
  if (!opts.force) {
    const installed = await findInstalledModel(m.name, dir, source);
    if (installed) return installed;
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new SlimError('IO', `${dir}: cannot create the models folder (${(err as Error).message})`, {
      cause: err,
    });
  }

  // A lost lock (its folder deleted, the disk gone) stops the download rather than the process.
  const lost = new AbortController();
  const release = await acquireLock(dir, m.name, (err) => lost.abort(err));
  let trailing: ReturnType<typeof setTimeout> | null = null; // a throttled progress report
  const signal = opts.signal ? AbortSignal.any([opts.signal, lost.signal]) : lost.signal;
  const staging = stagingDir(dir, m.name);
  const modelDir = join(staging, 'model');
  try {
    let state = await readState(staging);
    if (!state || state.repo !== m.repo || state.revision !== m.revision || state.endpoint !== endpoint) {
      await rm(staging, { recursive: true, force: true }); // another source's leftovers
      state = { ...source, commit: null, files: [], skipped: [] };
    }
    await mkdir(modelDir, { recursive: true });
    await writeJson(join(staging, 'state.json'), state);

    const sizes = new Map<string, number>(m.files.map((f) => [f.path, f.approxBytes]));
    const onDisk = new Map<string, number>();
    for (const f of m.files) {
      const done = state.files.find((x) => x.path === f.path);
      const have = done
        ? ((await fileSize(join(modelDir, f.path))) ?? 0)
        : ((await fileSize(join(modelDir, `${f.path}.part`))) ?? 0);
      if (done) sizes.set(f.path, done.bytes);
      onDisk.set(f.path, have);
    }
    const rate = new Rate();
    let lastEmit = 0;
    const interval = opts.progressIntervalMs ?? 100;
    const sum = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);
    const emit = (
      phase: DownloadProgress['phase'],
      f: CatalogFile,
      index: number,
      message?: string,
      fileDone = false,
    ) => {
      const now = performance.now();
      const received = sum(onDisk);
      if (phase === 'downloading') {
        rate.add(now, received);
        // Throttled, with a trailing report so that the last bytes before a stall are shown;
        // a file's last bytes are reported at once.
        if (now - lastEmit < interval && !fileDone) {
          trailing ??= setTimeout(
            () => {
              trailing = null;
              emit('downloading', f, index, undefined, true);
            },
            interval - (now - lastEmit),
          );
          return;
        }
      }
      if (trailing) clearTimeout(trailing);
      trailing = null;
      lastEmit = now;
      const total = Math.max(sum(sizes), received);
      const bytesPerSecond = rate.bytesPerSecond();
      opts.onProgress?.({
        model: m.name,
        phase,
        file: f.path,
        fileIndex: index,
        fileCount: m.files.length,
        receivedBytes: received,
        totalBytes: total,
        bytesPerSecond,
        etaMs: bytesPerSecond ? ((total - received) / bytesPerSecond) * 1000 : null,
        ...(message ? { message } : {}),
      });
    };

    for (const [index, f] of m.files.entries()) {
      const dest = join(modelDir, f.path);
      const recorded = state.files.find((x) => x.path === f.path);
      if ((recorded && (await fileSize(dest)) === recorded.bytes) || state.skipped.includes(f.path)) continue;
      if (recorded) state.files = state.files.filter((x) => x !== recorded); // gone since: fetch again
      await mkdir(dirname(dest), { recursive: true });
      const revision = state.commit ?? m.revision;
      const url = hubFileUrl(endpoint, m.repo, revision, f.path);
      emit('connecting', f, index);
      try {
        const r = await downloadFile({
          url,
          dest,
          ...(f.sha256 ? { sha256: f.sha256 } : {}),
          signal,
          ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
          ...(opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {}),
          ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
          onBytes: (received, total) => {
            onDisk.set(f.path, received);
            if (total !== null) sizes.set(f.path, total);
            emit('downloading', f, index, undefined, total !== null && received >= total);
          },
          onRetry: ({ delayMs, reason }) =>
            emit('retrying', f, index, `${reason}; retrying in ${Math.round(delayMs / 100) / 10} s`),
        });
        // Every later file comes from the commit the first one came from.
        if (state.commit === null && r.commit && /^[0-9a-f]{40}$/.test(r.commit)) state.commit = r.commit;
        state.files.push({ path: f.path, bytes: r.bytes, sha256: r.sha256 });
        sizes.set(f.path, r.bytes);
        onDisk.set(f.path, r.bytes);
      } catch (err) {
        if (f.optional && err instanceof HttpStatusError && err.status === 404) {
          state.skipped.push(f.path);
          sizes.set(f.path, 0);
        } else throw err;
      }
      await writeJson(join(staging, 'state.json'), state);
    }

    const last = m.files[m.files.length - 1]!;
    emit('installing', last, m.files.length - 1);
    const format = detectFormat(modelDir);
    const old = opts.force ? await findInstalledModel(m.name, dir, source) : null;
    const id = old?.id ?? (await freeModelId(m.name, dir));
    const entry: ModelEntryFile = {
      id,
      name: `Whisper ${m.name}`,
      format,
      file: 'model',
      importedFrom: `${endpoint}/${m.repo}/tree/${state.commit ?? m.revision}`,
      addedAt: new Date().toISOString(),
      catalog: {
        name: m.name,
        repo: m.repo,
        revision: m.revision,
        commit: state.commit,
        endpoint,
        files: state.files,
      },
    };
    await writeJson(join(staging, 'entry.json'), entry);
    await rm(join(staging, 'state.json'), { force: true });
    const target = join(dir, id);
    const trash = join(dir, `.remove-${id}-${process.pid}-${Date.now()}`);
    if (old) await rename(target, trash); // --force: the old copy makes way at the last moment
    await rename(staging, target);
    if (old) await rm(trash, { recursive: true, force: true });
    const installed = await findInstalledModel(m.name, dir, source);
    if (!installed) throw new SlimError('INTERNAL', `${target}: the installed model vanished`);
    emit('done', last, m.files.length - 1);
    return installed;
  } catch (err) {
    throw await explain(err, m, dir, endpoint, staging, lost.signal);
  } finally {
    if (trailing) clearTimeout(trailing); // no progress after the end
    await release().catch(() => {}); // a lock already lost needs no release
  }
}

/** Adds what to do next to a failure, and deletes the staging folder where resuming is pointless. */
async function explain(
  err: unknown,
  m: CatalogModel,
  dir: string,
  endpoint: string,
  staging: string,
  lockLost: AbortSignal,
): Promise<SlimError> {
  if (lockLost.aborted) {
    const why = lockLost.reason instanceof Error ? lockLost.reason.message : String(lockLost.reason);
    return new SlimError(
      'MODEL_DOWNLOAD',
      `${m.name}: the download lock was lost (${why}); download it again`,
      {
        cause: err,
      },
    );
  }
  if (!(err instanceof SlimError)) {
    return new SlimError('IO', `${m.name}: ${(err as Error).message} (in ${staging})`, { cause: err });
  }
  const hint = manualInstallHint(m, dir, endpoint);
  // A staging folder with no bytes in it yet is no help to a resume: leave no litter.
  const kept = (await pathBytes(join(staging, 'model'))) > 0;
  if (!kept) await rm(staging, { recursive: true, force: true });
  const again = kept ? `downloading it again resumes from ${staging}` : 'nothing was kept';
  switch (err.code) {
    case 'CANCELLED':
      return new SlimError('CANCELLED', `download of ${m.name} stopped: ${again}`, { cause: err });
    case 'MODEL_OFFLINE':
      return new SlimError(
        'MODEL_OFFLINE',
        `cannot reach ${endpoint} to download ${m.name} (${err.message}): this machine seems to be offline.\n${hint}`,
        { cause: err },
      );
    case 'MODEL_NOT_FOUND':
    case 'MODEL_HASH':
      await rm(staging, { recursive: true, force: true });
      return new SlimError(err.code, `${m.name}: ${err.message}; nothing was installed.\n${hint}`, {
        cause: err,
      });
    case 'MODEL_DOWNLOAD':
      return new SlimError('MODEL_DOWNLOAD', `${m.name}: ${err.message}; ${again}.\n${hint}`, { cause: err });
    default:
      return err;
  }
}

/** What a paused or broken download of `name` has on disk, or null when there is none. */
export async function partialDownload(
  name: string,
  dir = modelsDir(),
): Promise<{ bytes: number; path: string } | null> {
  const staging = stagingDir(resolve(dir), name);
  const st = await stat(staging).catch(() => null);
  if (!st?.isDirectory()) return null;
  return { bytes: await pathBytes(join(staging, 'model')), path: staging };
}

/** Drops a paused download (cancel). Refused (MODEL_DOWNLOAD) while the download runs. */
export async function discardDownload(name: string, dir = modelsDir()): Promise<void> {
  const abs = resolve(dir);
  if (!(await stat(abs).catch(() => null))) return;
  const release = await acquireLock(abs, name, () => {});
  try {
    await rm(stagingDir(abs, name), { recursive: true, force: true });
  } finally {
    await release().catch(() => {});
  }
}

/** Removes an installed catalog model (MODEL_NOT_FOUND when it is not installed). */
export async function removeModel(model: string | CatalogModel, dir = modelsDir()): Promise<InstalledModel> {
  const m = resolveEntry(model);
  return removeInstalledModel(m.name, resolve(dir), {
    repo: m.repo,
    revision: m.revision,
    endpoint: hubEndpoint(),
  });
}
