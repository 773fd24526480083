/**
 * whisper.cpp's ggml model files (ggml-base.bin, …), as its convert-pt-to-ggml.py writes them
 * and whisper.cpp's loader reads them; all integers are little-endian int32:
 *
 *   magic 0x67676d6c ('ggml')
 *   hparams: n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer,
 *            n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype
 *   mel filterbank: n_mel, n_fft, then n_mel·n_fft float32
 *   vocabulary: count, then count × (length, bytes) — the regular tokens only
 *   tensors until end of file: n_dims, name length, ttype, ne[n_dims] (ggml order, the reverse
 *            of PyTorch's), name, data (f32 or f16)
 *
 * Tensor names are openai/whisper's already. Conv biases are stored as [n, 1].
 * No node:fs here (ByteSource): ggml.ts opens files, the engine worker hands over bytes.
 */
import { expectedTensors } from '../checkpoint/names.ts';
import type {
  ModelDimensions,
  SourceDtype,
  Tensor,
  VocabSpec,
  WhisperCheckpoint,
} from '../checkpoint/types.ts';
import { validateCheckpoint, validateDims } from '../checkpoint/validate.ts';
import { SlimError } from '../errors.ts';
import { LANGUAGES, specialTokenTexts } from '../tokenizer/languages.ts';
import { halfsToFloats } from '../numerics/half.ts';
import type { ByteSource } from './byte-source.ts';

export const GGML_MAGIC = 0x67676d6c;

/** whisper.cpp stores the quantization version in ftype's thousands (GGML_QNT_VERSION_FACTOR). */
const QNT_VERSION_FACTOR = 1000;

/** ggml_ftype values of model files, for messages. */
const FTYPE_NAMES: Record<number, string> = {
  0: 'f32',
  1: 'f16',
  2: 'q4_0',
  3: 'q4_1',
  4: 'q4_1 with some f16',
  7: 'q8_0',
  8: 'q5_0',
  9: 'q5_1',
  10: 'q2_K',
  11: 'q3_K',
  12: 'q4_K',
  13: 'q5_K',
  14: 'q6_K',
};

/** ggml_type values of tensors, for messages. */
const TTYPE_NAMES: Record<number, string> = {
  0: 'f32',
  1: 'f16',
  2: 'q4_0',
  3: 'q4_1',
  6: 'q5_0',
  7: 'q5_1',
  8: 'q8_0',
  9: 'q8_1',
  10: 'q2_K',
  11: 'q3_K',
  12: 'q4_K',
  13: 'q5_K',
  14: 'q6_K',
  15: 'q8_K',
  30: 'bf16',
};

/** Specials after the languages: translate … notimestamps (6) + 1501 timestamps, + eot + sot. */
const SPECIALS_WITHOUT_LANGUAGES = 1509;

/** Whisper's real vocabularies: English-only has 50256 regular tokens, multilingual 50257. */
const REAL_ENGLISH_VOCAB = 51864;

export interface GgmlMelFilters {
  nMel: number;
  nFft: number;
  /** nMel × nFft, row-major. */
  data: Float32Array;
}

export interface GgmlModel {
  checkpoint: WhisperCheckpoint;
  /** The filterbank stored in the file (openai/whisper's mel_filters.npz in real files). */
  melFilters: GgmlMelFilters;
}

/** Reads a ggml model (f32 or f16) from `src`: the checkpoint and the stored mel filterbank; closes `src`. */
export async function readGgml(src: ByteSource): Promise<GgmlModel> {
  const cur = new Cursor(src);
  try {
    await readMagic(cur);
    const { dims, dtype } = await readHparams(cur);
    const melFilters = await readMelFilters(cur);
    const { vocab, multilingual } = await readVocab(cur, dims.nVocab);
    const tensors = await readTensors(cur, dims);
    const checkpoint: WhisperCheckpoint = {
      dims,
      tensors,
      vocab,
      multilingual,
      source: { format: 'ggml', path: src.label, dtype },
    };
    validateCheckpoint(checkpoint);
    return { checkpoint, melFilters };
  } finally {
    await src.close();
  }
}

async function readMagic(cur: Cursor): Promise<void> {
  if (cur.size === 0) cur.corrupt('file is empty');
  if (cur.size < 4) cur.corrupt(`file is ${cur.size} bytes, too short for a ggml header`);
  const magic = await cur.i32('the magic number');
  if (magic === GGML_MAGIC) return;
  const text = String.fromCharCode(...new Uint8Array(new Int32Array([magic]).buffer));
  const hint =
    text === 'GGUF'
      ? 'GGUF files are not supported; use a whisper.cpp ggml .bin file'
      : 'not a whisper.cpp ggml model file';
  throw new SlimError('MODEL_FORMAT', `${cur.path}: ${hint} (magic 0x${(magic >>> 0).toString(16)})`);
}

async function readHparams(cur: Cursor): Promise<{ dims: ModelDimensions; dtype: SourceDtype }> {
  const v: number[] = [];
  for (let i = 0; i < 11; i++) v.push(await cur.i32('the hyperparameters'));
  const [
    nVocab,
    nAudioCtx,
    nAudioState,
    nAudioHead,
    nAudioLayer,
    nTextCtx,
    nTextState,
    nTextHead,
    nTextLayer,
  ] = v;
  const dims: ModelDimensions = {
    nVocab: nVocab!,
    nAudioCtx: nAudioCtx!,
    nAudioState: nAudioState!,
    nAudioHead: nAudioHead!,
    nAudioLayer: nAudioLayer!,
    nTextCtx: nTextCtx!,
    nTextState: nTextState!,
    nTextHead: nTextHead!,
    nTextLayer: nTextLayer!,
    nMels: v[9]!,
  };
  validateDims(dims, cur.path);
  const ftype = v[10]! % QNT_VERSION_FACTOR;
  if (ftype !== 0 && ftype !== 1) {
    const name = FTYPE_NAMES[ftype] ?? `unknown type ${ftype}`;
    throw new SlimError(
      'MODEL_DTYPE',
      `${cur.path}: the model is ${name} (ftype ${v[10]}); only f32 and f16 ggml files are supported`,
    );
  }
  return { dims, dtype: ftype === 0 ? 'f32' : 'f16' };
}

async function readMelFilters(cur: Cursor): Promise<GgmlMelFilters> {
  const nMel = await cur.i32('the mel filterbank size');
  const nFft = await cur.i32('the mel filterbank size');
  // Real files hold 80 or 128 × 201; the bounds only catch garbage before a huge allocation.
  if (nMel <= 0 || nFft <= 0 || nMel > 1024 || nFft > 65536) {
    cur.corrupt(`implausible mel filterbank size ${nMel} × ${nFft}`);
  }
  const data = new Float32Array(nMel * nFft);
  await cur.readInto(new Uint8Array(data.buffer), 'the mel filterbank');
  return { nMel, nFft, data };
}

/**
 * Regular tokens come from the file; the specials are implied by n_vocab as in whisper.cpp:
 * eot follows the regular tokens, then sot, the languages, the task tokens and the timestamps.
 */
async function readVocab(cur: Cursor, nVocab: number): Promise<{ vocab: VocabSpec; multilingual: boolean }> {
  const count = await cur.i32('the vocabulary size');
  if (count < 0 || count > nVocab) cur.corrupt(`vocabulary of ${count} tokens, but n_vocab is ${nVocab}`);
  const tokens: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const len = await cur.i32(`the length of token ${i}`);
    if (len < 0 || len > 4096) cur.corrupt(`token ${i} has implausible length ${len}`);
    const bytes = new Uint8Array(len);
    await cur.readInto(bytes, `token ${i}`);
    tokens.push(bytes);
  }
  // Real vocabularies: whisper.cpp fixes eot at 50256 (English) / 50257 (multilingual) and ignores
  // extra tokens in the file. Other sizes (test fixtures): eot follows the tokens in the file.
  const real = nVocab >= REAL_ENGLISH_VOCAB;
  const nRegular = real ? (nVocab > REAL_ENGLISH_VOCAB ? 50257 : 50256) : count;
  const nLanguages = nVocab - nRegular - SPECIALS_WITHOUT_LANGUAGES;
  if (count < nRegular || nLanguages < 0 || nLanguages > LANGUAGES.length) {
    throw new SlimError(
      'MODEL_FORMAT',
      `${cur.path}: ${count} regular tokens and n_vocab ${nVocab} do not fit Whisper's vocabulary layout`,
    );
  }
  const specials = new Map<string, number>();
  specialTokenTexts(nLanguages).forEach((t, i) => specials.set(t, nRegular + i));
  const multilingual = real ? nVocab > REAL_ENGLISH_VOCAB : nLanguages > 0;
  return { vocab: { tokens: tokens.slice(0, nRegular), specials }, multilingual };
}

async function readTensors(cur: Cursor, dims: ModelDimensions): Promise<Map<string, Tensor>> {
  const expected = expectedTensors(dims);
  const tensors = new Map<string, Tensor>();
  while (cur.pos < cur.size) {
    const { name, shape, ttype } = await readTensorHeader(cur);
    const want = expected.get(name);
    if (!want) cur.fail('MODEL_FORMAT', `unknown tensor ${name} for a model with these hyperparameters`);
    if (tensors.has(name)) cur.corrupt(`tensor ${name} is stored twice`);
    if (ttype !== 0 && ttype !== 1) {
      const tname = TTYPE_NAMES[ttype] ?? `unknown ggml type ${ttype}`;
      cur.fail('MODEL_DTYPE', `tensor ${name} is ${tname}; only f32 and f16 ggml files are supported`);
    }
    // Check the shape before reading: a wrong shape also means a wrong data size.
    const canonical = canonicalShape(cur, name, shape, want);
    tensors.set(name, { shape: canonical, data: await readData(cur, name, canonical, ttype) });
  }
  return tensors;
}

async function readTensorHeader(cur: Cursor): Promise<{ name: string; shape: number[]; ttype: number }> {
  const nDims = await cur.i32('a tensor header');
  const nameLen = await cur.i32('a tensor header');
  const ttype = await cur.i32('a tensor header');
  if (nDims < 1 || nDims > 4) cur.corrupt(`tensor header at offset ${cur.pos - 12} has ${nDims} dimensions`);
  if (nameLen < 1 || nameLen > 256)
    cur.corrupt(`tensor header at offset ${cur.pos - 12} has name length ${nameLen}`);
  const ne: number[] = [];
  for (let i = 0; i < nDims; i++) ne.push(await cur.i32('a tensor shape'));
  const nameBytes = new Uint8Array(nameLen);
  await cur.readInto(nameBytes, 'a tensor name');
  const name = new TextDecoder().decode(nameBytes);
  if (ne.some((d) => d <= 0)) cur.corrupt(`tensor ${name} has shape ne = [${ne.join(', ')}]`);
  return { name, shape: ne.reverse(), ttype };
}

/** PyTorch shape from the stored one; convert-pt-to-ggml.py stores conv biases as [n, 1]. */
function canonicalShape(cur: Cursor, name: string, shape: number[], want: number[]): number[] {
  const same = (s: number[]): boolean => s.length === want.length && s.every((d, i) => d === want[i]);
  if (same(shape)) return want;
  if (shape.length === 2 && shape[1] === 1 && same([shape[0]!])) return want;
  return cur.fail(
    'MODEL_SHAPE',
    `tensor ${name} has shape [${shape.join(', ')}], expected [${want.join(', ')}]`,
  );
}

async function readData(cur: Cursor, name: string, shape: number[], ttype: number): Promise<Float32Array> {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  if (ttype === 0) {
    await cur.readInto(new Uint8Array(data.buffer), `the data of ${name}`);
  } else {
    const h = new Uint16Array(n);
    await cur.readInto(new Uint8Array(h.buffer), `the data of ${name}`);
    halfsToFloats(h, data);
  }
  return data;
}

/**
 * Sequential reads through a window buffer, so the many small header and vocabulary reads
 * cost no system call each, while tensor data goes straight into its own array.
 */
class Cursor {
  pos = 0;
  readonly path: string;
  readonly size: number;
  private window = new Uint8Array(1 << 16);
  private view = new DataView(this.window.buffer);
  private winStart = 0;
  private winEnd = 0;

  constructor(private readonly src: ByteSource) {
    this.path = src.label;
    this.size = src.size;
  }

  fail(code: 'MODEL_FORMAT' | 'MODEL_CORRUPT' | 'MODEL_SHAPE' | 'MODEL_DTYPE', what: string): never {
    throw new SlimError(code, `${this.path}: ${what}`);
  }

  corrupt(what: string): never {
    return this.fail('MODEL_CORRUPT', what);
  }

  async i32(what: string): Promise<number> {
    // Fast path without allocation: whisper.cpp files hold ~100 K of these (vocabulary lengths).
    if (this.pos < this.winStart || this.pos + 4 > this.winEnd) {
      this.checkRemaining(4, what);
      await this.fill();
    }
    const v = this.view.getInt32(this.pos - this.winStart, true);
    this.pos += 4;
    return v;
  }

  private checkRemaining(n: number, what: string): void {
    if (this.pos + n > this.size) {
      this.corrupt(`truncated: file ends inside ${what} (needs ${n} bytes at offset ${this.pos})`);
    }
  }

  /** Fills `dst` from the current position and advances; running out of file is MODEL_CORRUPT. */
  async readInto(dst: Uint8Array, what: string): Promise<void> {
    this.checkRemaining(dst.length, what);
    let done = this.copyFromWindow(dst, 0);
    if (done < dst.length && dst.length - done < this.window.length) {
      await this.fill();
      done += this.copyFromWindow(dst, done);
    }
    while (done < dst.length) {
      const len = Math.min(dst.length - done, 1 << 30);
      const bytesRead = await this.src.read(dst, done, len, this.pos);
      if (bytesRead === 0) this.corrupt(`file ends inside ${what} (offset ${this.pos})`);
      done += bytesRead;
      this.pos += bytesRead;
    }
  }

  private copyFromWindow(dst: Uint8Array, at: number): number {
    if (this.pos < this.winStart || this.pos >= this.winEnd) return 0;
    const n = Math.min(dst.length - at, this.winEnd - this.pos);
    const off = this.pos - this.winStart;
    dst.set(this.window.subarray(off, off + n), at);
    this.pos += n;
    return n;
  }

  private async fill(): Promise<void> {
    const bytesRead = await this.src.read(this.window, 0, this.window.length, this.pos);
    this.winStart = this.pos;
    this.winEnd = this.pos + bytesRead;
  }
}
