/**
 * The audio input of the engine in Node (CLI, Electron main): any file a user has → mono
 * float32 at 16 kHz, whole or as a stream of 30 s windows. WAV (PCM, float, A-law, μ-law, any
 * layout and rate up to 192 kHz) is read here piece by piece; everything else goes through
 * ffmpeg. The renderer, without fs or ffmpeg, uses decodeWavBytes from ./wav-decode.ts.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { SlimError } from '../../models/errors.ts';
import { N_SAMPLES } from '../../models/features/log-mel.ts';
import { throwIfAborted } from './cancel.ts';
import { ffmpegChunks, ffmpegProbe, type FfmpegReport } from './ffmpeg.ts';
import { MAX_INPUT_RATE } from './resample.ts';
import {
  type AudioProbe,
  type AudioSourceInfo,
  type AudioWindow,
  type DecodedAudio,
  type DecodeOptions,
  type StreamOptions,
  TARGET_RATE,
} from './types.ts';
import { type ByteSource, collectChunks, planWav, wavChunks, type WavPlan } from './wav-decode.ts';
import { isWavMagic } from './wav-header.ts';
import { checkWindowSamples, windowed } from './windows.ts';

export { decodeWavBytes } from './wav-decode.ts';

function fileSource(fh: FileHandle, size: number): ByteSource {
  return {
    size,
    async read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(buf, got, n - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === n ? buf : buf.subarray(0, got);
    },
  };
}

function ioError(err: unknown, where: string): SlimError {
  const code = (err as NodeJS.ErrnoException).code;
  const what =
    code === 'ENOENT'
      ? 'file not found'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot be read (${(err as Error).message})`;
  return new SlimError('IO', `${where}: ${what}`, { cause: err });
}

/** An opened input: a WAV decoded here (plan), or a file for ffmpeg (plan null). */
interface Opened {
  fh: FileHandle;
  source: ByteSource;
  plan: WavPlan | null;
}

async function openInput(path: string, warn: (m: string) => void): Promise<Opened> {
  let fh: FileHandle;
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    fh = await open(path, 'r');
  } catch (err) {
    throw ioError(err, path);
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) throw new SlimError('AUDIO_EMPTY', `${path}: the file is empty (0 bytes)`);
    const source = fileSource(fh, size);
    if (!isWavMagic(await source.read(0, 12))) return { fh, source, plan: null };
    const plan = await planWav(source, path, warn);
    // Codecs this code does not decode, and rates past the resampler's range, go to ffmpeg.
    return { fh, source, plan: plan && plan.info.sampleRate <= MAX_INPUT_RATE ? plan : null };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Where the decoding of one file reports what it learnt about the source. */
interface Sink {
  info?: AudioSourceInfo;
  durationMs?: number;
  warnings: string[];
}

/** 16 kHz mono chunks of the whole file, WAV here or anything through ffmpeg. */
async function* decodeFile(path: string, opts: DecodeOptions, sink: Sink): AsyncGenerator<Float32Array> {
  throwIfAborted(opts.signal, path);
  const warn = (m: string): void => {
    sink.warnings.push(m);
    opts.onWarning?.(m);
  };
  const { fh, source, plan } = await openInput(path, warn);
  let produced = 0;
  try {
    if (plan) {
      sink.info = plan.info;
      sink.durationMs = (plan.frames / plan.info.sampleRate) * 1000;
      for await (const c of wavChunks(source, plan, path, { signal: opts.signal, onWarning: warn })) {
        produced += c.length;
        yield c;
      }
    } else {
      await fh.close(); // ffmpeg opens the file itself
      const report: FfmpegReport = { warnings: [] };
      for await (const c of ffmpegChunks(['-i', path], path, opts, report)) {
        produced += c.length;
        yield c;
      }
      report.warnings.forEach(warn);
      const audio = report.input?.audio;
      const format = report.input?.format ?? 'unknown';
      sink.info = {
        format,
        codec: audio?.codec ?? 'unknown',
        sampleRate: audio?.sampleRate ?? 0,
        channels: audio?.channels ?? 0,
      };
      sink.durationMs = (produced / TARGET_RATE) * 1000;
    }
    if (produced === 0) throw new SlimError('AUDIO_EMPTY', `${path}: no audio samples in the file`);
  } finally {
    await fh.close().catch(() => undefined); // closing twice is harmless; a close error is not the news
  }
}

/**
 * The file as consecutive windows of `windowSamples` (default 30 s) at 16 kHz, decoded as it is
 * read: memory holds about one window whatever the file's length. Rejects with a SlimError
 * (AUDIO_FORMAT, AUDIO_EMPTY, AUDIO_CORRUPT, IO, CANCELLED) that names the file.
 */
export function streamAudioFile(path: string, opts: StreamOptions = {}): AsyncGenerator<AudioWindow> {
  checkWindowSamples(opts.windowSamples ?? N_SAMPLES); // reject a bad size now, not at the first next()
  return windowed(decodeFile(path, opts, { warnings: [] }), opts.windowSamples);
}

/** The whole file at 16 kHz mono, for short files and tests (a stream is kinder to long ones). */
export async function readAudioFile(path: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const sink: Sink = { warnings: [] };
  const samples = await collectChunks(decodeFile(path, opts, sink));
  const durationMs = sink.durationMs ?? (samples.length / TARGET_RATE) * 1000;
  return { samples, sampleRate: TARGET_RATE, durationMs, source: sink.info!, warnings: sink.warnings };
}

/**
 * Duration (for progress and ETA), rate, channels and format without decoding: from the WAV
 * header, or from ffmpeg's description of the input.
 */
export async function probeAudioFile(
  path: string,
  opts: { signal?: AbortSignal; ffmpegPath?: string } = {},
): Promise<AudioProbe> {
  throwIfAborted(opts.signal, path);
  const { fh, plan } = await openInput(path, () => undefined);
  await fh.close();
  if (plan) return { ...plan.info, durationMs: (plan.frames / plan.info.sampleRate) * 1000 };
  const input = await ffmpegProbe(path, path, opts);
  const audio = input.audio!;
  return {
    format: input.format,
    codec: audio.codec,
    sampleRate: audio.sampleRate,
    channels: audio.channels,
    durationMs: input.durationMs,
  };
}
