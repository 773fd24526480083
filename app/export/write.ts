/**
 * Writing exports to disk (Node only; the formatters in app/subtitles stay pure).
 *
 * `writeFileAtomic` writes to a temporary file next to the target, flushes it to the disk
 * (fsync), then renames it over the target: rename within one directory is atomic on POSIX and
 * on NTFS, so a reader (or a crash, or a full disk) sees either the old file or the complete new
 * one, never a mix. On failure the temporary file is removed. A process killed mid-write cannot
 * clean up after itself, so temporaries carry their writer's pid, and `removeStaleTemps` (run by
 * `exportTranscript` before each write) deletes those whose writer is gone.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SlimError } from '../../models/errors.ts';
import { renderFormats, type ExportFormat, type FormatOptions } from '../subtitles/index.ts';
import type { Transcript } from '../subtitles/types.ts';

export type Chunk = string | Uint8Array;
export type WriteData = Chunk | Iterable<Chunk> | AsyncIterable<Chunk>;

export interface AtomicWriteOptions {
  /** File mode of a new file (an existing file's mode is kept). */
  mode?: number;
  /** Flush data and directory to the disk before returning (default true). */
  fsync?: boolean;
}

/** Temporaries being written by this process: never "stale", even though our pid is alive. */
const inFlight = new Set<string>();

const TEMP_SUFFIX = '.tmp';

/** `.name.<pid>.<random>.tmp` in the target's directory: same filesystem, so rename is atomic. */
export function tempPathFor(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`,
  );
}

function ioError(path: string, err: unknown): SlimError {
  if (err instanceof SlimError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new SlimError('IO', `cannot write ${path}: ${msg}`, { cause: err });
}

function toBytes(chunk: Chunk): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

async function* chunksOf(data: WriteData): AsyncGenerator<Uint8Array> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    yield toBytes(data);
    return;
  }
  for await (const c of data) yield toBytes(c);
}

/** FileHandle.write may write less than asked; loop until the chunk is out. */
async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
    off += bytesWritten;
  }
}

async function existingMode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch {
    return undefined; // no file yet
  }
}

/** Makes the rename itself durable; not every platform can open a directory, so best effort. */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows and some filesystems refuse; the data itself is already synced.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

async function writeTemp(
  tmp: string,
  data: WriteData,
  options: AtomicWriteOptions,
  keepMode?: number,
): Promise<void> {
  const fh = await open(tmp, 'wx', options.mode ?? 0o666); // a new file's mode goes through the umask
  try {
    if (keepMode !== undefined) await fh.chmod(keepMode); // replacing a file keeps its mode
    for await (const bytes of chunksOf(data)) await writeAll(fh, bytes);
    if (options.fsync ?? true) await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces `path` with `data` atomically (see the top of this file). Throws SlimError('IO'). */
export async function writeFileAtomic(
  path: string,
  data: WriteData,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const tmp = tempPathFor(path);
  inFlight.add(tmp);
  try {
    await writeTemp(tmp, data, options, await existingMode(path));
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw ioError(path, err);
  } finally {
    inFlight.delete(tmp);
  }
  if (options.fsync ?? true) await syncDir(dirname(path));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Deletes temporaries for `path` left by writers that died mid-write; returns what it removed. */
export async function removeStaleTemps(path: string): Promise<string[]> {
  const dir = dirname(path);
  const re = new RegExp(
    `^\\.${escapeRegExp(basename(path))}\\.(\\d+)\\.[0-9a-f]+${escapeRegExp(TEMP_SUFFIX)}$`,
  );
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = re.exec(name);
    const tmp = join(dir, name);
    if (!m || inFlight.has(tmp)) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isAlive(pid)) continue;
    await rm(tmp, { force: true });
    removed.push(tmp);
  }
  return removed;
}

export interface ExportOptions extends FormatOptions {
  formats: readonly ExportFormat[];
  outDir: string;
  /** File name without extension; each format adds its own (.srt, .vtt, .txt, .json, .csv, .lrc). */
  baseName: string;
}

export interface ExportedFile {
  format: ExportFormat;
  path: string;
  bytes: number;
}

function checkBaseName(name: string): void {
  if (!name || /[/\\\0]/.test(name) || name === '.' || name === '..')
    throw new SlimError('INVALID_ARGUMENT', `export base name must be a plain file name, got "${name}"`);
}

/**
 * Writes the transcript in each format to `outDir/baseName.<format>`. Everything is rendered
 * before the first write, so a formatting error writes nothing; each file is replaced atomically.
 */
export async function exportTranscript(t: Transcript, options: ExportOptions): Promise<ExportedFile[]> {
  checkBaseName(options.baseName);
  const rendered = renderFormats(t, options.formats, options);
  try {
    await mkdir(options.outDir, { recursive: true });
  } catch (err) {
    throw ioError(options.outDir, err);
  }
  const out: ExportedFile[] = [];
  for (const { format, text } of rendered) {
    const path = join(options.outDir, `${options.baseName}.${format}`);
    const bytes = Buffer.from(text, 'utf8');
    await removeStaleTemps(path);
    await writeFileAtomic(path, bytes);
    out.push({ format, path, bytes: bytes.length });
  }
  return out;
}
