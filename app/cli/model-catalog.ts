/**
 * `slim-whisper model list | download <names…> | remove <names…>`, and the downloader that
 * `--model <name>` uses on first use: a progress bar on a terminal, JSON lines with --json,
 * plain lines otherwise. Ctrl+C pauses a download (exit 130); running it again resumes.
 */
import cliProgress from 'cli-progress';
import { approxModelBytes, CATALOG, catalogModel, type CatalogModel } from '../../models/catalog/catalog.ts';
import { SlimError } from '../../models/errors.ts';
import {
  discardDownload,
  downloadModel,
  hubEndpoint,
  partialDownload,
  removeModel,
  type DownloadProgress,
} from '../models/download.ts';
import { findInstalledModel, modelsDir, type InstalledModel } from '../models/models-dir.ts';

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  for (; v >= 1000 && i < units.length - 1; i++) v /= 1000;
  return `${i === 0 ? Math.round(v) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

const fmtEta = (ms: number | null): string => {
  if (ms === null || !Number.isFinite(ms)) return '…';
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
    : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** Progress of one download on stderr (bar or lines) or stdout (JSON lines). */
function downloadReporter(json: boolean): { onProgress: (p: DownloadProgress) => void; stop: () => void } {
  if (json) {
    return {
      onProgress: (p) => process.stdout.write(`${JSON.stringify({ type: 'download', ...p })}\n`),
      stop: () => {},
    };
  }
  if (!process.stderr.isTTY) {
    let lastFile = '';
    return {
      onProgress: (p) => {
        if (p.phase === 'connecting' && p.file !== lastFile) {
          lastFile = p.file;
          process.stderr.write(`${p.model}: ${p.file} (${p.fileIndex + 1}/${p.fileCount})\n`);
        } else if (p.phase === 'retrying') process.stderr.write(`${p.model}: ${p.message}\n`);
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: '{model} [{bar}] {percentage}% | {received} / {size} | {speed} | ETA {eta_time}',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (p) => {
      const payload = {
        model: p.model,
        received: formatBytes(p.receivedBytes),
        size: formatBytes(p.totalBytes),
        speed: p.bytesPerSecond === null ? '…' : `${formatBytes(p.bytesPerSecond)}/s`,
        eta_time: fmtEta(p.etaMs),
      };
      if (!started) {
        bar.start(p.totalBytes, p.receivedBytes, payload);
        started = true;
      }
      bar.setTotal(p.totalBytes);
      bar.update(p.receivedBytes, payload);
      if (p.phase === 'retrying') bar.update(p.receivedBytes, { ...payload, speed: 'retrying' });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/** Downloads one catalog model with progress; Ctrl+C pauses it. */
export async function downloadWithProgress(
  m: CatalogModel,
  opts: { json?: boolean; force?: boolean } = {},
): Promise<InstalledModel> {
  const dir = modelsDir();
  if (!opts.json) {
    process.stderr.write(
      `downloading ${m.name} (about ${formatBytes(approxModelBytes(m))}) from ${hubEndpoint()}/${m.repo} into ${dir}\n`,
    );
  }
  const report = downloadReporter(!!opts.json);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    return await downloadModel(m, {
      modelsDir: dir,
      signal: controller.signal,
      onProgress: report.onProgress,
      progressIntervalMs: opts.json ? 500 : 100,
      ...(opts.force ? { force: true } : {}),
    });
  } finally {
    report.stop();
    process.off('SIGINT', onSignal);
  }
}

/** For resolveModel: a catalog model that is not installed is downloaded first. */
export function cliDownloader(json: boolean): (m: CatalogModel) => Promise<string> {
  return async (m) => (await downloadWithProgress(m, { json })).path;
}

interface ListRow {
  name: string;
  repo: string;
  paramsM: number;
  multilingual: boolean;
  approxBytes: number;
  installed: { path: string; bytes: number; commit: string | null } | null;
  embedded: boolean;
  partialBytes: number | null;
}

export async function runModelList(opts: { json?: boolean }): Promise<void> {
  const dir = modelsDir();
  const rows: ListRow[] = [];
  for (const m of CATALOG) {
    const installed = await findInstalledModel(m.name, dir, {
      repo: m.repo,
      revision: m.revision,
      endpoint: hubEndpoint(),
    });
    rows.push({
      name: m.name,
      repo: m.repo,
      paramsM: m.paramsM,
      multilingual: m.multilingual,
      approxBytes: approxModelBytes(m),
      installed: installed
        ? { path: installed.path, bytes: installed.bytes, commit: installed.catalog.commit }
        : null,
      embedded: !!m.embedded,
      partialBytes: (await partialDownload(m.name, dir))?.bytes ?? null,
    });
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ modelsDir: dir, models: rows }, null, 2)}\n`);
    return;
  }
  const lines = [['name', 'params', 'size', 'languages', 'status']];
  for (const r of rows) {
    const status = r.installed
      ? `installed (${formatBytes(r.installed.bytes)})`
      : r.partialBytes !== null
        ? `partly downloaded (${formatBytes(r.partialBytes)}; download again to resume)`
        : r.embedded
          ? 'embedded 8-bit copy (download for full precision)'
          : '—';
    lines.push([
      r.name,
      `${r.paramsM} M`,
      `~${formatBytes(r.approxBytes)}`,
      r.multilingual ? 'all' : 'English',
      status,
    ]);
  }
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  for (const l of lines)
    process.stdout.write(
      `${l
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  process.stdout.write(`\nmodels folder: ${dir}\n`);
}

export async function runModelDownload(
  names: string[],
  opts: { json?: boolean; force?: boolean },
): Promise<void> {
  const models = names.map((n) => catalogModel(n)); // all names checked before any download
  for (const m of models) {
    const installed = await downloadWithProgress(m, opts);
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ type: 'installed', name: m.name, path: installed.path, bytes: installed.bytes, commit: installed.catalog.commit })}\n`,
      );
    } else {
      process.stderr.write(`${m.name}: installed (${formatBytes(installed.bytes)})\n`);
      process.stdout.write(`${installed.path}\n`);
    }
  }
}

export async function runModelRemove(names: string[], opts: { json?: boolean }): Promise<void> {
  const dir = modelsDir();
  for (const name of names) {
    const m = catalogModel(name);
    const partial = await partialDownload(m.name, dir);
    if (partial) await discardDownload(m.name, dir);
    let removed: InstalledModel | null = null;
    try {
      removed = await removeModel(m, dir);
    } catch (err) {
      if (!(err instanceof SlimError && err.code === 'MODEL_NOT_FOUND' && partial)) throw err;
    }
    const what = removed
      ? `removed ${removed.path}`
      : `discarded the partial download (${formatBytes(partial!.bytes)})`;
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ type: 'removed', name: m.name, path: removed?.path ?? null, partialBytes: partial?.bytes ?? null })}\n`,
      );
    } else process.stderr.write(`${m.name}: ${what}\n`);
  }
}
