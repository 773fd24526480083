/**
 * WAV header → where the samples are and how they are coded. wavefile parses the container and
 * the fmt chunk (RIFF, RIFX, RF64; EXTENSIBLE fields); the coding is decided here because
 * wavefile reads WAVE_FORMAT_EXTENSIBLE float as integers and mis-orders the RF64 ds64 fields.
 * Works on a prefix of the file, so a long file streams without being read whole. No Node APIs
 * (the renderer uses it).
 */
import * as wavefileModule from 'wavefile';
import { SlimError } from '../../models/errors.ts';
import { codingBytes, type FrameLayout, type SampleCoding } from './pcm.ts';

export interface WavHeader {
  container: 'RIFF' | 'RIFX' | 'RF64';
  /** The fmt chunk's format tag, resolved through the EXTENSIBLE sub-format GUID. */
  formatTag: number;
  /** null: a codec this code does not decode (ADPCM, MP3-in-WAV, …): hand the file to ffmpeg. */
  layout: FrameLayout | null;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** The data chunk's declared size; null where the writer left it unknown (0 or 0xFFFFFFFF). */
  declaredBytes: number | null;
}

/** The header is not complete in the bytes given: read a longer prefix and try again. */
export const NEED_MORE = Symbol('need more header bytes');

interface FmtChunk {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  subformat: number[];
}
/** The parts of wavefile's parser state read here (its .d.ts types them as `object`). */
interface ParsedWave {
  container: string;
  fmt: FmtChunk;
}

/** Where the samples are: wavefile keeps chunk offsets in minified private state, so walk here. */
interface DataChunk {
  start: number;
  size: number;
  /** RF64's 64-bit data size from the ds64 chunk. */
  ds64Size: number | null;
}

const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const TAG_NAMES: Record<number, string> = {
  0x0002: 'MS ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3',
};

export function isWavMagic(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 12) return false;
  const tag = (o: number): string => String.fromCharCode(...bytes.subarray(o, o + 4));
  return ['RIFF', 'RIFX', 'RF64'].includes(tag(0)) && tag(8) === 'WAVE';
}

export function formatTagName(tag: number): string {
  const hex = `0x${tag.toString(16).padStart(4, '0')}`;
  return TAG_NAMES[tag] ? `${TAG_NAMES[tag]} (${hex})` : hex;
}

function codingOf(tag: number, bits: number): SampleCoding | null {
  const bytes = Math.ceil(bits / 8);
  if (tag === 1) return (['uint8', 'int16', 'int24', 'int32'] as const)[bytes - 1] ?? null;
  if (tag === 3) return bits === 32 ? 'float32' : bits === 64 ? 'float64' : null;
  if (tag === 6 && bits === 8) return 'alaw';
  if (tag === 7 && bits === 8) return 'mulaw';
  return null;
}

type WavefileModule = typeof wavefileModule;
// Node loads wavefile's CommonJS build (the class under `default`); bundlers its ES module (a
// named export, no default: the computed key keeps them from warning about it).
const DEFAULT = 'default';
const { WaveFile } =
  (wavefileModule as WavefileModule & { [DEFAULT]?: WavefileModule })[DEFAULT] ?? wavefileModule;

function parseWithWavefile(bytes: Uint8Array): ParsedWave {
  const wav = new WaveFile();
  wav.fromBuffer(bytes, false); // false: index the chunks, copy no samples
  return wav as unknown as ParsedWave;
}

/** Walks the chunk headers after 'WAVE'; null where `bytes` ends before the data chunk. */
function findData(bytes: Uint8Array, littleEndian: boolean): DataChunk | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let ds64Size: number | null = null;
  for (let pos = 12; pos + 8 <= bytes.byteLength;) {
    const id = String.fromCharCode(...bytes.subarray(pos, pos + 4));
    const size = view.getUint32(pos + 4, littleEndian);
    if (id === 'data') return { start: pos + 8, size, ds64Size };
    // ds64 holds (low, high) pairs: riff size, then data size.
    if (id === 'ds64' && pos + 24 <= bytes.byteLength)
      ds64Size = view.getUint32(pos + 16, true) + view.getUint32(pos + 20, true) * 2 ** 32;
    pos += 8 + size + (size & 1); // chunks are padded to even sizes
  }
  return null;
}

function declaredSize(data: DataChunk, container: string): number | null {
  if (container === 'RF64' && data.size === 0xffffffff) return data.ds64Size;
  return data.size === 0 || data.size === 0xffffffff ? null : data.size;
}

function layoutOf(fmt: FmtChunk, tag: number, container: string): FrameLayout | null {
  const coding = codingOf(tag, fmt.bitsPerSample);
  if (!coding) return null;
  const packed = fmt.numChannels * codingBytes(coding);
  // Some writers leave blockAlign 0 or wrong; a larger one means padding after each frame.
  const frameBytes = fmt.blockAlign >= packed ? fmt.blockAlign : packed;
  return { coding, channels: fmt.numChannels, frameBytes, littleEndian: container !== 'RIFX' };
}

function validate(fmt: FmtChunk, where: string): void {
  if (fmt.numChannels === 0)
    throw new SlimError('AUDIO_FORMAT', `${where}: the WAV header declares 0 channels`);
  if (!(fmt.sampleRate > 0))
    throw new SlimError(
      'AUDIO_FORMAT',
      `${where}: the WAV header declares a sample rate of ${fmt.sampleRate} Hz`,
    );
  if (fmt.bitsPerSample === 0)
    throw new SlimError('AUDIO_FORMAT', `${where}: the WAV header declares 0 bits per sample`);
}

/**
 * Parses the header in `bytes` (a prefix of the file). Returns NEED_MORE where the prefix ends
 * before the data chunk starts and the file is longer than the prefix.
 */
export function parseWavHeader(
  bytes: Uint8Array,
  where: string,
  fileBytes: number,
): WavHeader | typeof NEED_MORE {
  let wav: ParsedWave;
  try {
    wav = parseWithWavefile(bytes);
  } catch (err) {
    if (bytes.byteLength < fileBytes) return NEED_MORE;
    const why = err instanceof Error ? err.message : String(err);
    throw new SlimError('AUDIO_CORRUPT', `${where}: not a readable WAV file (${why})`, { cause: err });
  }
  const data = findData(bytes, wav.container !== 'RIFX');
  if (!data) throw new SlimError('AUDIO_CORRUPT', `${where}: WAV file without a data chunk`);
  const { fmt } = wav;
  validate(fmt, where);
  const ext = fmt.audioFormat === WAVE_FORMAT_EXTENSIBLE;
  if (ext && fmt.subformat.length === 0)
    throw new SlimError('AUDIO_CORRUPT', `${where}: WAVE_FORMAT_EXTENSIBLE header without its sub-format`);
  const tag = ext ? fmt.subformat[0]! & 0xffff : fmt.audioFormat;
  return {
    container: wav.container as WavHeader['container'],
    formatTag: tag,
    layout: layoutOf(fmt, tag, wav.container),
    sampleRate: fmt.sampleRate,
    channels: fmt.numChannels,
    bitsPerSample: fmt.bitsPerSample,
    dataOffset: data.start,
    declaredBytes: declaredSize(data, wav.container),
  };
}
