import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Tensor, VocabSpec, WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { SlimError, type ErrorCode } from '../../../models/errors.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { encodeGgml, slaneyMelFilters, writeGgmlFile } from '../../../models/fixtures/write-ggml.ts';
import { loadGgmlCheckpoint, readGgmlFile } from '../../../models/import/ggml.ts';
import { floatToHalf, halfToFloat } from '../../../models/numerics/half.ts';
import { specialTokenTexts } from '../../../models/tokenizer/languages.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-ggml-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;

function tmpFile(bytes: Uint8Array): string {
  const p = join(tmp, `m${fileNo++}.bin`);
  writeFileSync(p, bytes);
  return p;
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, ...parts: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SlimError, `expected SlimError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const s of parts) assert.ok(e.message.includes(s), `"${e.message}" should mention "${s}"`);
    return true;
  });
}

function assertVocabEqual(got: VocabSpec | undefined, want: VocabSpec): void {
  assert.ok(got);
  assert.deepEqual(got.tokens, want.tokens);
  assert.deepEqual([...got.specials], [...want.specials]);
}

/** convert-pt-to-ggml.py's f16 files keep 1-D tensors and positional embeddings in f32. */
function storedAsHalf(name: string, t: Tensor): boolean {
  return t.shape.length >= 2 && !name.endsWith('positional_embedding');
}

describe('ggml write → load', () => {
  for (const multilingual of [true, false]) {
    for (const ftype of ['f32', 'f16'] as const) {
      test(`${multilingual ? 'multilingual' : 'English-only'} ${ftype}`, async () => {
        const ckpt = makeFixtureCheckpoint({ seed: 11, multilingual });
        const path = join(tmp, `fixture-${multilingual}-${ftype}.bin`);
        writeGgmlFile(ckpt, path, ftype);
        const got = await loadGgmlCheckpoint(path);
        assert.deepEqual(got.dims, ckpt.dims);
        assert.deepEqual(got.source, { format: 'ggml', path, dtype: ftype });
        assert.equal(got.multilingual, multilingual);
        assertVocabEqual(got.vocab, ckpt.vocab!);
        assert.deepEqual([...got.tensors.keys()].sort(), [...ckpt.tensors.keys()].sort());
        for (const [name, t] of ckpt.tensors) {
          const g = got.tensors.get(name)!;
          assert.deepEqual(g.shape, t.shape, name);
          if (ftype === 'f16' && storedAsHalf(name, t)) {
            // Exactly the nearest half; so |error| ≤ 2^-11·|x| (normal) or ≤ 2^-25 (subnormal).
            for (let i = 0; i < t.data.length; i++) {
              const x = t.data[i]!;
              assert.equal(g.data[i], halfToFloat(floatToHalf(x)), `${name}[${i}]`);
              assert.ok(Math.abs(g.data[i]! - x) <= Math.abs(x) * 2 ** -11 + 2 ** -25);
            }
          } else {
            assert.deepEqual(g.data, t.data, name);
          }
        }
      });
    }
  }

  test('the stored mel filterbank is the Slaney filterbank of openai/whisper', async () => {
    const ckpt = makeFixtureCheckpoint({ seed: 2 });
    const { melFilters } = await readGgmlFile(tmpFile(encodeGgml(ckpt, 'f32')));
    assert.equal(melFilters.nMel, 80);
    assert.equal(melFilters.nFft, 201);
    assert.deepEqual(melFilters.data, slaneyMelFilters(80));
  });

  test('slaneyMelFilters matches values of openai/whisper mel_filters.npz', () => {
    // Read from mel_filters.npz with NumPy: [row, bin, value]; all other bins of these rows are 0.
    const m80 = slaneyMelFilters(80);
    const refs80: Array<[number, number, number]> = [
      [0, 1, 0.02486259490251541],
      [40, 42, 0.005411104764789343],
      [40, 43, 0.014735566452145576],
      [40, 44, 0.006518189795315266],
      [79, 186, 0.000366741674952209],
      [79, 187, 0.0008330700220540166],
    ];
    for (const [r, k, v] of refs80) assert.ok(Math.abs(m80[r * 201 + k]! - v) < 1e-8, `mel_80[${r}, ${k}]`);
    assert.equal(m80.subarray(0, 201).filter((x) => x !== 0).length, 1);
    assert.equal(m80.subarray(79 * 201, 80 * 201).filter((x) => x !== 0).length, 14);
    const m128 = slaneyMelFilters(128);
    assert.ok(Math.abs(m128[64 * 201 + 42]! - 0.0067496825940907) < 1e-8);
    assert.ok(Math.abs(m128[64 * 201 + 43]! - 0.018091518431901932) < 1e-8);
  });
});

/** A checkpoint with a real-size vocabulary (fake token bytes) and tiny layers. */
const FAKE_TOKENS = Array.from({ length: 50260 }, (_, i) => new TextEncoder().encode(`t${i}`));

function realSizeCheckpoint(nVocab: number, nRegularInFile: number): WhisperCheckpoint {
  const dims = { nAudioState: 8, nTextState: 8, nAudioHead: 2, nTextHead: 2, nAudioLayer: 1, nTextLayer: 1 };
  const base = makeFixtureCheckpoint({ seed: 5, dims: { ...dims, nMels: 4, nAudioCtx: 3, nTextCtx: 4 } });
  const tokens = FAKE_TOKENS.slice(0, nRegularInFile);
  const tensors = new Map(base.tensors);
  tensors.set('decoder.token_embedding.weight', { shape: [nVocab, 8], data: new Float32Array(nVocab * 8) });
  return {
    ...base,
    dims: { ...base.dims, nVocab },
    tensors,
    vocab: { tokens, specials: new Map() },
  };
}

describe('ggml vocabulary layout of real model sizes (as whisper.cpp)', () => {
  const cases: Array<[string, number, number, number, number, boolean]> = [
    // name, n_vocab, tokens in file, eot id, languages, multilingual
    ['multilingual (tiny … large-v2)', 51865, 50257, 50257, 99, true],
    ['large-v3', 51866, 50257, 50257, 100, true],
    ['English-only (.en)', 51864, 50256, 50256, 99, false],
    ['extra tokens in the file are ignored', 51865, 50260, 50257, 99, true],
  ];
  for (const [what, nVocab, nFile, eot, nLang, multilingual] of cases) {
    test(what, async () => {
      const got = await loadGgmlCheckpoint(tmpFile(encodeGgml(realSizeCheckpoint(nVocab, nFile), 'f16')));
      const v = got.vocab!;
      assert.equal(got.multilingual, multilingual);
      assert.equal(v.tokens.length, eot);
      assert.equal(v.specials.size + eot, nVocab);
      specialTokenTexts(nLang).forEach((t, i) => assert.equal(v.specials.get(t), eot + i, t));
      assert.equal(v.specials.get('<|notimestamps|>'), eot + nLang + 7);
    });
  }

  test('English-only ids match openai/whisper (transcribe 50358, notimestamps 50362)', async () => {
    const got = await loadGgmlCheckpoint(tmpFile(encodeGgml(realSizeCheckpoint(51864, 50256), 'f32')));
    assert.equal(got.vocab!.specials.get('<|transcribe|>'), 50358);
    assert.equal(got.vocab!.specials.get('<|notimestamps|>'), 50362);
  });

  test('too few regular tokens → MODEL_FORMAT', async () => {
    const path = tmpFile(encodeGgml(realSizeCheckpoint(51865, 50000), 'f32'));
    await rejectsWith(loadGgmlCheckpoint(path), 'MODEL_FORMAT', path, '50000');
  });
});

interface Record_ {
  name: string;
  start: number;
  /** Offsets of the ttype field and of ne[0]. */
  ttypeAt: number;
  neAt: number;
  end: number;
}

/** Walks a ggml file's tensor records (test-side parser, independent of the loader). */
function tensorRecords(bytes: Uint8Array): Record_[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const i32 = (at: number): number => dv.getInt32(at, true);
  let p = 48;
  p += 8 + 4 * i32(p) * i32(p + 4);
  const nTokens = i32(p);
  p += 4;
  for (let i = 0; i < nTokens; i++) p += 4 + i32(p);
  const out: Record_[] = [];
  while (p < bytes.length) {
    const [nDims, nameLen, ttype] = [i32(p), i32(p + 4), i32(p + 8)];
    let n = 1;
    for (let i = 0; i < nDims; i++) n *= i32(p + 12 + 4 * i);
    const nameAt = p + 12 + 4 * nDims;
    const name = new TextDecoder().decode(bytes.subarray(nameAt, nameAt + nameLen));
    const end = nameAt + nameLen + n * (ttype === 1 ? 2 : 4);
    out.push({ name, start: p, ttypeAt: p + 8, neAt: p + 12, end });
    p = end;
  }
  return out;
}

describe('ggml bad input', () => {
  const good = encodeGgml(makeFixtureCheckpoint({ seed: 4 }), 'f16');
  const records = tensorRecords(good);
  const rec = (name: string): Record_ => records.find((r) => r.name === name)!;
  const patched = (at: number, value: number): Uint8Array => {
    const b = good.slice();
    new DataView(b.buffer).setInt32(at, value, true);
    return b;
  };
  const without = (r: Record_): Uint8Array => {
    const b = new Uint8Array(good.length - (r.end - r.start));
    b.set(good.subarray(0, r.start));
    b.set(good.subarray(r.end), r.start);
    return b;
  };
  const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
  const withName = (r: Record_, name: string): Uint8Array => {
    const b = good.slice();
    const nameAt = r.neAt + 4 * new DataView(b.buffer).getInt32(r.start, true);
    b.set(ascii(name), nameAt);
    return b;
  };
  const lastTensor = records[records.length - 1]!;
  const firstTensor = records[0]!;

  const cases: Array<[string, () => Uint8Array, ErrorCode, string[]]> = [
    ['empty file', () => new Uint8Array(0), 'MODEL_CORRUPT', ['empty']],
    [
      'wrong magic',
      () => ascii('RIFF....WAVEfmt and more bytes'),
      'MODEL_FORMAT',
      ['not a whisper.cpp ggml'],
    ],
    ['a GGUF file', () => ascii('GGUF\x03\x00\x00\x00 and more bytes'), 'MODEL_FORMAT', ['GGUF']],
    [
      'cut inside the hyperparameters',
      () => good.subarray(0, 30),
      'MODEL_CORRUPT',
      ['truncated', 'hyperparameters'],
    ],
    ['cut inside the mel filterbank', () => good.subarray(0, 500), 'MODEL_CORRUPT', ['truncated', 'mel']],
    [
      'cut inside the vocabulary',
      () => good.subarray(0, firstTensor.start - 3),
      'MODEL_CORRUPT',
      ['truncated', 'token'],
    ],
    [
      'cut inside a tensor header',
      () => good.subarray(0, lastTensor.start + 6),
      'MODEL_CORRUPT',
      ['truncated'],
    ],
    [
      'cut inside tensor data',
      () => good.subarray(0, good.length - 5),
      'MODEL_CORRUPT',
      ['truncated', lastTensor.name],
    ],
    ['quantized model type', () => patched(44, 2008), 'MODEL_DTYPE', ['q5_0', 'f32 and f16']],
    ['unknown model type', () => patched(44, 77), 'MODEL_DTYPE', ['77']],
    [
      'a q8_0 tensor',
      () => patched(rec('encoder.conv2.weight').ttypeAt, 8),
      'MODEL_DTYPE',
      ['encoder.conv2.weight', 'q8_0'],
    ],
    ['unknown tensor type', () => patched(firstTensor.ttypeAt, 99), 'MODEL_DTYPE', ['99']],
    ['a bad head count', () => patched(16, 0), 'MODEL_CONFIG', ['nAudioHead']],
    ['an implausible filterbank', () => patched(48, -1), 'MODEL_CORRUPT', ['mel']],
    [
      'a missing tensor',
      () => without(rec('decoder.ln.bias')),
      'MODEL_SHAPE',
      ['decoder.ln.bias', 'missing'],
    ],
    [
      'a duplicated tensor',
      () => {
        const b = new Uint8Array(good.length + (lastTensor.end - lastTensor.start));
        b.set(good);
        b.set(good.subarray(lastTensor.start, lastTensor.end), good.length);
        return b;
      },
      'MODEL_CORRUPT',
      ['twice'],
    ],
    [
      'a mismatched shape',
      () => patched(rec('encoder.conv1.weight').neAt, 5),
      'MODEL_SHAPE',
      ['encoder.conv1.weight', '[64, 80, 5]'],
    ],
    [
      'an unknown tensor name',
      () => withName(rec('decoder.ln.bias'), 'decoder.xx.bias'),
      'MODEL_FORMAT',
      ['decoder.xx.bias'],
    ],
    ['a bad tensor header', () => patched(firstTensor.start, 9), 'MODEL_CORRUPT', ['9 dimensions']],
  ];
  for (const [what, bytes, code, parts] of cases) {
    test(`${what} → ${code}`, async () => {
      const path = tmpFile(bytes());
      await rejectsWith(loadGgmlCheckpoint(path), code, path, ...parts);
    });
  }

  test('a non-finite weight → MODEL_CORRUPT', async () => {
    const b = good.slice();
    const r = rec('decoder.ln.weight'); // f32 in f16 files
    new DataView(b.buffer).setFloat32(r.end - 4, NaN, true);
    const path = tmpFile(b);
    await rejectsWith(loadGgmlCheckpoint(path), 'MODEL_CORRUPT', path, 'decoder.ln.weight');
  });

  test('a missing file → MODEL_NOT_FOUND', async () => {
    const path = join(tmp, 'ggml-nope.bin');
    await rejectsWith(loadGgmlCheckpoint(path), 'MODEL_NOT_FOUND', path);
  });

  test('a folder → MODEL_FORMAT', async () => {
    await rejectsWith(loadGgmlCheckpoint(tmp), 'MODEL_FORMAT', tmp);
  });
});
