/**
 * WAV decoding without ffmpeg, from any byte source (a file read piece by piece in Node, bytes
 * in memory in the renderer): header, then the data chunk in pieces → mono → 16 kHz chunks.
 * No Node APIs here.
 */
import { SlimError } from '../../models/errors.ts';
import { throwIfAborted } from './cancel.ts';
import { codingName, framesToMono } from './pcm.ts';
import { createResampler } from './resample.ts';
import { type AudioSourceInfo, type DecodedAudio, type DecodeOptions, TARGET_RATE } from './types.ts';
import { formatTagName, isWavMagic, NEED_MORE, parseWavHeader, type WavHeader } from './wav-header.ts';
import type { FrameLayout } from './pcm.ts';

export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer only at the end of the source). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A WAV whose samples this code decodes; `frames` is what the file really holds. */
export interface WavPlan {
  header: WavHeader & { layout: FrameLayout };
  frames: number;
  info: AudioSourceInfo;
}

/** Header prefixes tried in turn: big LIST/bext/JUNK chunks may sit before the data chunk. */
const PREFIXES = [64 * 1024, 1024 * 1024, 16 * 1024 * 1024];
/** Bytes read per step: ~1 MiB keeps memory flat and calls few. */
const READ_BYTES = 1024 * 1024;

export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: (offset, length) =>
      Promise.resolve(bytes.subarray(offset, Math.min(offset + length, bytes.byteLength))),
  };
}

export async function readWavHeader(source: ByteSource, where: string): Promise<WavHeader> {
  for (const limit of PREFIXES) {
    const prefix = await source.read(0, Math.min(limit, source.size));
    const h = parseWavHeader(prefix, where, source.size);
    if (h !== NEED_MORE) return h;
  }
  throw new SlimError(
    'AUDIO_CORRUPT',
    `${where}: no WAV data chunk in the first ${PREFIXES.at(-1)! >> 20} MiB`,
  );
}

/** Bytes of whole frames to decode; warns where the file is shorter than its header says. */
function dataFrames(
  h: WavHeader & { layout: FrameLayout },
  size: number,
  where: string,
  warn: (m: string) => void,
) {
  const available = Math.max(0, size - h.dataOffset);
  const declared = h.declaredBytes;
  if (declared !== null && declared > 0 && available === 0)
    throw new SlimError(
      'AUDIO_CORRUPT',
      `${where}: truncated WAV: the header declares ${declared} bytes of samples but the file ends after the header`,
    );
  const bytes = declared === null ? available : Math.min(declared, available);
  const frames = Math.floor(bytes / h.layout.frameBytes);
  if (frames === 0) throw new SlimError('AUDIO_EMPTY', `${where}: the WAV file holds no samples`);
  if (declared !== null && declared > available)
    warn(
      `${where}: truncated WAV: the header declares ${declared} bytes of samples, the file holds ${available}`,
    );
  if (bytes % h.layout.frameBytes !== 0)
    warn(`${where}: the samples end mid-frame; the last ${bytes % h.layout.frameBytes} bytes are dropped`);
  return frames;
}

/**
 * The plan for a WAV decoded here, or null for a codec (ADPCM, MP3-in-WAV, …) that needs ffmpeg.
 * Throws the header's problems (0 channels, truncated, empty, …) as SlimErrors.
 */
export async function planWav(
  source: ByteSource,
  where: string,
  warn: (m: string) => void,
): Promise<WavPlan | null> {
  const header = await readWavHeader(source, where);
  const { layout } = header;
  if (!layout) return null;
  const h = { ...header, layout };
  const frames = dataFrames(h, source.size, where, warn);
  const info = {
    format: 'wav',
    codec: codingName(layout.coding, layout.littleEndian),
    sampleRate: header.sampleRate,
    channels: header.channels,
  };
  return { header: h, frames, info };
}

/** 16 kHz mono chunks of the plan's samples, read `READ_BYTES` at a time. */
export async function* wavChunks(
  source: ByteSource,
  plan: WavPlan,
  where: string,
  opts: DecodeOptions = {},
): AsyncGenerator<Float32Array> {
  const { layout, dataOffset, sampleRate } = plan.header;
  const resampler = await createResampler(sampleRate, where);
  const stepFrames = Math.max(1, Math.floor(READ_BYTES / layout.frameBytes));
  const mono = new Float32Array(stepFrames);
  let bad = 0;
  for (let f = 0; f < plan.frames; f += stepFrames) {
    throwIfAborted(opts.signal, where);
    const n = Math.min(stepFrames, plan.frames - f);
    const bytes = await source.read(dataOffset + f * layout.frameBytes, n * layout.frameBytes);
    if (bytes.byteLength < n * layout.frameBytes)
      throw new SlimError('IO', `${where}: the file shrank while it was being read`);
    bad += framesToMono(bytes, layout, mono);
    const out = resampler.push(mono.slice(0, n));
    if (out.length) yield out;
  }
  const tail = resampler.flush();
  if (tail.length) yield tail;
  if (bad) opts.onWarning?.(`${where}: ${bad} NaN/Inf samples replaced by 0`);
}

/** Concatenates a chunk stream (for the whole-file APIs); `expected` presizes the buffer. */
export async function collectChunks(
  chunks: AsyncIterable<Float32Array>,
  expected = 0,
): Promise<Float32Array> {
  let buf = new Float32Array(expected);
  let n = 0;
  for await (const c of chunks) {
    if (n + c.length > buf.length) {
      const grown = new Float32Array(Math.max(n + c.length, buf.length * 2));
      grown.set(buf.subarray(0, n));
      buf = grown;
    }
    buf.set(c, n);
    n += c.length;
  }
  return n === buf.length ? buf : buf.slice(0, n);
}

/**
 * Decodes a whole WAV file held in memory (the renderer's path: no fs, no ffmpeg). `where`
 * names the file in error messages. Other formats: decode them in the main process.
 */
export async function decodeWavBytes(
  bytes: Uint8Array,
  where: string,
  opts: { signal?: AbortSignal } = {},
): Promise<DecodedAudio> {
  if (bytes.byteLength === 0) throw new SlimError('AUDIO_EMPTY', `${where}: the file is empty (0 bytes)`);
  if (!isWavMagic(bytes))
    throw new SlimError('AUDIO_FORMAT', `${where}: not a WAV file (other formats are decoded with ffmpeg)`);
  const warnings: string[] = [];
  const warn = (m: string): void => void warnings.push(m);
  const source = bytesSource(bytes);
  const plan = await planWav(source, where, warn);
  if (!plan) {
    const h = await readWavHeader(source, where);
    throw new SlimError(
      'AUDIO_FORMAT',
      `${where}: WAV codec ${formatTagName(h.formatTag)} is not decoded here (only PCM, float, A-law and μ-law); decode it with ffmpeg`,
    );
  }
  const chunks = wavChunks(source, plan, where, { signal: opts.signal, onWarning: warn });
  const samples = await collectChunks(chunks, Math.round((plan.frames * TARGET_RATE) / plan.info.sampleRate));
  const durationMs = (plan.frames / plan.info.sampleRate) * 1000;
  return { samples, sampleRate: TARGET_RATE, durationMs, source: plan.info, warnings };
}
