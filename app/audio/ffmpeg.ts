/**
 * Every non-WAV file goes through ffmpeg as a child process (Node only: main process and CLI):
 * it writes f32le mono 16 kHz to a pipe, read chunk by chunk with the pipe's back-pressure, so
 * memory stays bounded whatever the file's length. ffmpeg's own resampler (swr) is the one
 * openai/whisper's load_audio uses (`ffmpeg -ac 1 -ar 16000`).
 *
 * Which ffmpeg: an explicit path, else $SLIM_WHISPER_FFMPEG, else the binary shipped inside
 * @ffmpeg-installer/ffmpeg, else `ffmpeg` on the PATH.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { SlimError } from '../../models/errors.ts';
import { cancelledError, throwIfAborted } from './cancel.ts';
import { decodeComplaints, ffmpegFailure, type FfmpegInput, noAudioError, parseInput } from './ffmpeg-log.ts';
import { TARGET_RATE } from './types.ts';

export const FFMPEG_ENV = 'SLIM_WHISPER_FFMPEG';

export interface FfmpegLocation {
  path: string;
  source: 'option' | 'env' | 'packaged' | 'path';
}

export interface FfmpegOptions {
  signal?: AbortSignal;
  ffmpegPath?: string;
}

/** What a finished decoding learnt; filled in when the generator completes. */
export interface FfmpegReport {
  input?: FfmpegInput;
  /** ffmpeg's complaints (skipped packets) and NaN/Inf repairs. */
  warnings: string[];
}

function packagedFfmpeg(): string | null {
  try {
    // CommonJS, and it throws (a string) on platforms it has no binary for: load it lazily.
    const mod = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    if (typeof mod.path !== 'string') return null;
    // In a packaged Electron app the binary is unpacked beside the asar archive.
    return mod.path.replace(/\bapp\.asar\b(?!\.unpacked)/, 'app.asar.unpacked');
  } catch {
    return null;
  }
}

function onPath(): string | null {
  const name = process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg';
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

/** The ffmpeg to run, or null where there is none. */
export function locateFfmpeg(explicit?: string): FfmpegLocation | null {
  if (explicit) return { path: explicit, source: 'option' };
  const env = process.env[FFMPEG_ENV];
  if (env) return { path: env, source: 'env' };
  const packaged = packagedFfmpeg();
  if (packaged) return { path: packaged, source: 'packaged' };
  const found = onPath();
  return found ? { path: found, source: 'path' } : null;
}

const WHERE_TO_GET =
  `set ${FFMPEG_ENV} to an ffmpeg executable, put ffmpeg on the PATH (https://ffmpeg.org/download.html), ` +
  'or reinstall the dependencies (npm ci) to restore the bundled @ffmpeg-installer/ffmpeg';

function requireFfmpeg(explicit: string | undefined, where: string): FfmpegLocation {
  const loc = locateFfmpeg(explicit);
  if (!loc)
    throw new SlimError(
      'IO',
      `${where}: decoding this format needs ffmpeg, and none was found: ${WHERE_TO_GET}`,
    );
  return loc;
}

function spawnError(err: Error, loc: FfmpegLocation, where: string): SlimError {
  const code = (err as NodeJS.ErrnoException).code;
  const what = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not executable' : err.message;
  const from = {
    option: 'the ffmpegPath setting',
    env: FFMPEG_ENV,
    packaged: '@ffmpeg-installer/ffmpeg',
    path: 'PATH',
  };
  return new SlimError(
    'IO',
    `${where}: ffmpeg ${loc.path} (from ${from[loc.source]}) ${what}: ${WHERE_TO_GET}`,
    {
      cause: err,
    },
  );
}

/** Keeps the head (the input description) and the tail (the failure) of a long stderr. */
class StderrLog {
  private head = '';
  private tail = '';
  private dropped = false;
  constructor(
    private readonly headMax = 64 * 1024,
    private readonly tailMax = 16 * 1024,
  ) {}
  add(s: string): void {
    if (this.head.length < this.headMax) {
      const room = this.headMax - this.head.length;
      this.head += s.slice(0, room);
      s = s.slice(room);
    }
    if (!s) return;
    this.tail += s;
    if (this.tail.length > this.tailMax) {
      this.tail = this.tail.slice(-this.tailMax);
      this.dropped = true;
    }
  }
  text(): string {
    return this.head + (this.dropped ? '\n…\n' : '') + this.tail;
  }
}

/** Reassembles float32 samples from pipe chunks that may end mid-sample. */
export class F32Reader {
  private carry = new Uint8Array(4);
  private carried = 0;
  /** NaN/Inf samples replaced by 0 so far. */
  bad = 0;

  push(chunk: Uint8Array): Float32Array {
    const total = this.carried + chunk.byteLength;
    const out = new Float32Array(Math.floor(total / 4));
    const bytes = new Uint8Array(out.buffer); // fresh buffer: aligned; every supported CPU is little-endian
    const fromChunk = out.byteLength - this.carried;
    if (fromChunk < 0) {
      this.carry.set(chunk, this.carried);
      this.carried += chunk.byteLength;
      return out;
    }
    bytes.set(this.carry.subarray(0, this.carried));
    bytes.set(chunk.subarray(0, fromChunk), this.carried);
    this.carried = chunk.byteLength - fromChunk;
    this.carry.set(chunk.subarray(fromChunk));
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i]!)) {
        out[i] = 0;
        this.bad++;
      }
    }
    return out;
  }
}

type Exit = { code: number | null; error?: Error };

function exited(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
}

function killIfRunning(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

const DECODE_ARGS = ['-map', '0:a:0', '-vn', '-sn', '-dn', '-ac', '1', '-ar', String(TARGET_RATE)];
const OUTPUT_ARGS = ['-f', 'f32le', '-acodec', 'pcm_f32le', 'pipe:1'];

function finish(log: StderrLog, f32: F32Reader, where: string, report: FfmpegReport): void {
  const text = log.text();
  const input = parseInput(text);
  if (input) report.input = input;
  // Only what came once decoding started: the demuxer's probing notes before it are routine.
  const decoding = text.search(/^Stream mapping:/m);
  const complaints = decodeComplaints(decoding < 0 ? text : text.slice(decoding));
  if (complaints.length)
    report.warnings.push(
      `${where}: ffmpeg skipped damaged data (${complaints.length} messages): ${complaints.slice(0, 3).join(' | ')}`,
    );
  if (f32.bad) report.warnings.push(`${where}: ${f32.bad} NaN/Inf samples replaced by 0`);
}

/**
 * 16 kHz mono chunks decoded by ffmpeg from `inputArgs` (normally `['-i', path]`; tests pass a
 * lavfi source). Aborting `signal`, or leaving the loop early, kills ffmpeg.
 */
export async function* ffmpegChunks(
  inputArgs: string[],
  where: string,
  opts: FfmpegOptions,
  report: FfmpegReport,
): AsyncGenerator<Float32Array> {
  throwIfAborted(opts.signal, where);
  const loc = requireFfmpeg(opts.ffmpegPath, where);
  const args = ['-nostdin', '-hide_banner', '-nostats', ...inputArgs, ...DECODE_ARGS, ...OUTPUT_ARGS];
  const child = spawn(loc.path, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const done = exited(child);
  const log = new StderrLog();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => log.add(s));
  const onAbort = (): void => killIfRunning(child);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const f32 = new F32Reader();
  try {
    for await (const chunk of child.stdout! as AsyncIterable<Uint8Array>) {
      if (opts.signal?.aborted) break;
      const samples = f32.push(chunk);
      if (samples.length) yield samples;
    }
    const exit = await done;
    if (opts.signal?.aborted) throw cancelledError(where);
    if (exit.error) throw spawnError(exit.error, loc, where);
    if (exit.code !== 0) throw ffmpegFailure(log.text(), exit.code, where);
    finish(log, f32, where, report);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    killIfRunning(child);
  }
}

/** Container, duration and first audio stream, from `ffmpeg -i` (ffprobe is not shipped). */
export async function ffmpegProbe(
  path: string,
  where: string,
  opts: FfmpegOptions = {},
): Promise<FfmpegInput> {
  throwIfAborted(opts.signal, where);
  const loc = requireFfmpeg(opts.ffmpegPath, where);
  const child = spawn(loc.path, ['-nostdin', '-hide_banner', '-i', path], {
    stdio: ['ignore', 'ignore', 'pipe'],
    windowsHide: true,
  });
  const done = exited(child);
  const log = new StderrLog();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => log.add(s));
  const onAbort = (): void => killIfRunning(child);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await done;
    if (opts.signal?.aborted) throw cancelledError(where);
    if (exit.error) throw spawnError(exit.error, loc, where);
    const input = parseInput(log.text());
    // Without an output ffmpeg always exits 1; only a missing input description is a failure.
    if (!input) throw ffmpegFailure(log.text(), exit.code, where);
    if (!input.audio) throw noAudioError(input, where);
    return input;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    killIfRunning(child);
  }
}
