import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Tensor, WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { SlimError, type ErrorCode } from '../../../models/errors.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { writeHfFolder } from '../../../models/fixtures/write-hf.ts';
import { loadHfCheckpoint } from '../../../models/import/hf.ts';
import { readSafetensors, writeSafetensors } from '../../../models/import/safetensors.ts';
import {
  bfloat16sToFloats,
  floatToHalf,
  floatsToBfloat16s,
  halfToFloat,
} from '../../../models/numerics/half.ts';

const tmp = mkdtempSync(join(tmpdir(), 'slim-hf-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let dirNo = 0;

const HEADS: Array<[number, number]> = [
  [1, 0],
  [1, 3],
];

function fixture(multilingual = true): WhisperCheckpoint {
  return { ...makeFixtureCheckpoint({ seed: 21, multilingual }), alignmentHeads: HEADS };
}

/** A fresh HF folder written from the fixture. */
function hfFolder(dtype: 'f32' | 'f16' | 'bf16' = 'f32', ckpt = fixture()): string {
  const dir = join(tmp, `m${dirNo++}`);
  writeHfFolder(ckpt, dir, dtype);
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

/** Rewrites a folder's model.safetensors after `edit` changes its tensors. */
async function editWeights(
  dir: string,
  edit: (t: Map<string, Tensor>) => void,
  dtype: 'f32' = 'f32',
): Promise<void> {
  const path = join(dir, 'model.safetensors');
  const tensors = await readSafetensors(path);
  edit(tensors);
  writeFileSync(path, writeSafetensors(tensors, dtype));
}

/** What a stored value reads back as: f32 exact, f16 / bf16 the nearest representable value. */
const ROUND: Record<'f32' | 'f16' | 'bf16', (x: Float32Array) => Float32Array> = {
  f32: (x) => x,
  f16: (x) => x.map((v) => halfToFloat(floatToHalf(v))),
  bf16: (x) => bfloat16sToFloats(floatsToBfloat16s(x)),
};

describe('HF folder write → load', () => {
  for (const multilingual of [true, false]) {
    for (const dtype of ['f32', 'f16', 'bf16'] as const) {
      test(`${multilingual ? 'multilingual' : 'English-only'} ${dtype}`, async () => {
        const ckpt = fixture(multilingual);
        const dir = hfFolder(dtype, ckpt);
        const got = await loadHfCheckpoint(dir);
        assert.deepEqual(got.dims, ckpt.dims);
        assert.deepEqual(got.source, { format: 'hf-safetensors', path: dir, dtype });
        assert.equal(got.multilingual, multilingual);
        assert.deepEqual(got.alignmentHeads, HEADS);
        assert.deepEqual(got.vocab!.tokens, ckpt.vocab!.tokens);
        assert.deepEqual([...got.vocab!.specials].sort(), [...ckpt.vocab!.specials].sort());
        assert.deepEqual([...got.tensors.keys()].sort(), [...ckpt.tensors.keys()].sort());
        // Tolerance: f32 exact; f16 within 2^-11·|x| (+2^-25 for subnormals); bf16 within 2^-8·|x|.
        const [rel, abs] = dtype === 'f32' ? [0, 0] : dtype === 'f16' ? [2 ** -11, 2 ** -25] : [2 ** -8, 0];
        for (const [name, t] of ckpt.tensors) {
          const g = got.tensors.get(name)!;
          assert.deepEqual(g.shape, t.shape, name);
          assert.deepEqual(g.data, ROUND[dtype](t.data), name);
          for (let i = 0; i < t.data.length; i++) {
            assert.ok(Math.abs(g.data[i]! - t.data[i]!) <= Math.abs(t.data[i]!) * rel + abs, `${name}[${i}]`);
          }
        }
      });
    }
  }

  test('config.json carries the real HF Whisper keys', () => {
    const cfg = JSON.parse(readFileSync(join(hfFolder(), 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(cfg.model_type, 'whisper');
    assert.deepEqual(cfg.architectures, ['WhisperForConditionalGeneration']);
    assert.equal(cfg.d_model, 64);
    assert.equal(cfg.encoder_ffn_dim, 256);
    assert.equal(cfg.max_source_positions, 24);
    const v = fixture().vocab!;
    assert.equal(cfg.decoder_start_token_id, v.specials.get('<|startoftranscript|>'));
    assert.equal(cfg.eos_token_id, v.specials.get('<|endoftext|>'));
  });

  test('proj_out.weight (tied to the token embedding) is ignored', async () => {
    const dir = hfFolder();
    await editWeights(dir, (t) => t.set('proj_out.weight', t.get('model.decoder.embed_tokens.weight')!));
    assert.equal((await loadHfCheckpoint(dir)).tensors.has('proj_out.weight'), false);
  });

  test('names without the "model." prefix load too', async () => {
    const dir = hfFolder();
    await editWeights(dir, (t) => {
      for (const [k, v] of [...t]) {
        t.delete(k);
        t.set(k.replace(/^model\./, ''), v);
      }
    });
    assert.equal((await loadHfCheckpoint(dir)).tensors.size, fixture().tensors.size);
  });

  test('sharded weights (model.safetensors.index.json)', async () => {
    const dir = hfFolder('f16');
    const all = await readSafetensors(join(dir, 'model.safetensors'));
    unlinkSync(join(dir, 'model.safetensors'));
    const shards = [new Map<string, Tensor>(), new Map<string, Tensor>()];
    const weightMap: Record<string, string> = {};
    for (const [name, t] of all) {
      const k = name.includes('decoder') ? 1 : 0;
      shards[k]!.set(name, t);
      weightMap[name] = `model-0000${k + 1}-of-00002.safetensors`;
    }
    shards.forEach((s, k) =>
      writeFileSync(join(dir, `model-0000${k + 1}-of-00002.safetensors`), writeSafetensors(s, 'f16')),
    );
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: {}, weight_map: weightMap }),
    );
    const got = await loadHfCheckpoint(dir);
    assert.equal(got.source.dtype, 'f16');
    const ref = fixture().tensors.get('decoder.blocks.1.cross_attn.value.weight')!.data;
    assert.deepEqual(got.tensors.get('decoder.blocks.1.cross_attn.value.weight')!.data, ROUND.f16(ref));
  });

  test('mixed dtypes are reported as mixed', async () => {
    const dir = hfFolder('f16');
    const path = join(dir, 'model.safetensors');
    const f16 = await readSafetensors(path);
    const ln = new Map([...f16].filter(([k]) => k.includes('layer_norm')));
    const rest = new Map([...f16].filter(([k]) => !k.includes('layer_norm')));
    unlinkSync(path);
    writeFileSync(join(dir, 'a.safetensors'), writeSafetensors(ln, 'f32'));
    writeFileSync(join(dir, 'b.safetensors'), writeSafetensors(rest, 'f16'));
    const weightMap = Object.fromEntries(
      [...f16.keys()].map((k) => [k, ln.has(k) ? 'a.safetensors' : 'b.safetensors']),
    );
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
    assert.equal((await loadHfCheckpoint(dir)).source.dtype, 'mixed');
  });

  test('a folder without tokenizer files loads without a vocabulary', async () => {
    const dir = hfFolder();
    unlinkSync(join(dir, 'tokenizer.json'));
    assert.equal((await loadHfCheckpoint(dir)).vocab, undefined);
  });
});

describe('HF folder bad input', () => {
  test('a missing path → MODEL_NOT_FOUND', async () => {
    const dir = join(tmp, 'does-not-exist');
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_NOT_FOUND', dir);
  });

  test('a file instead of a folder → MODEL_FORMAT', async () => {
    const file = join(hfFolder(), 'model.safetensors');
    await rejectsWith(loadHfCheckpoint(file), 'MODEL_FORMAT', file, 'folder');
  });

  test('a folder without config.json → MODEL_FORMAT', async () => {
    const dir = join(tmp, 'not-a-model');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_FORMAT', dir, 'config.json');
  });

  test('a folder with config.json but no weights → MODEL_NOT_FOUND', async () => {
    const dir = hfFolder();
    unlinkSync(join(dir, 'model.safetensors'));
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_NOT_FOUND', dir, 'model.safetensors');
  });

  test('a folder with only pytorch_model.bin → MODEL_FORMAT', async () => {
    const dir = hfFolder();
    unlinkSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'pytorch_model.bin'), 'PK');
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_FORMAT', dir, 'pytorch_model.bin');
  });

  test('corrupt config.json → MODEL_CONFIG', async () => {
    const dir = hfFolder();
    writeFileSync(join(dir, 'config.json'), '{"d_model": ');
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_CONFIG', join(dir, 'config.json'));
  });

  test('config.json of another model → MODEL_CONFIG', async () => {
    const dir = hfFolder();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_CONFIG', join(dir, 'config.json'), 'bert');
  });

  const weightFile = (dir: string): string => join(dir, 'model.safetensors');

  test('an empty model.safetensors → MODEL_CORRUPT', async () => {
    const dir = hfFolder();
    writeFileSync(weightFile(dir), '');
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_CORRUPT', weightFile(dir), 'empty');
  });

  test('model.safetensors cut in the header → MODEL_CORRUPT', async () => {
    const dir = hfFolder();
    writeFileSync(weightFile(dir), readFileSync(weightFile(dir)).subarray(0, 100));
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_CORRUPT', weightFile(dir), 'truncated');
  });

  test('model.safetensors cut in the data → MODEL_CORRUPT', async () => {
    const dir = hfFolder('bf16');
    const b = readFileSync(weightFile(dir));
    writeFileSync(weightFile(dir), b.subarray(0, b.length - 1000));
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_CORRUPT', weightFile(dir), 'outside');
  });

  test('a corrupt header → MODEL_CORRUPT', async () => {
    const dir = hfFolder();
    const b = readFileSync(weightFile(dir));
    b[9] = 0x5b; // '{"…' → '{[…': no longer JSON
    writeFileSync(weightFile(dir), b);
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_CORRUPT', weightFile(dir), 'JSON');
  });

  test('a missing tensor → MODEL_SHAPE naming it', async () => {
    const dir = hfFolder();
    await editWeights(dir, (t) => t.delete('model.decoder.layers.1.encoder_attn.k_proj.weight'));
    await rejectsWith(
      loadHfCheckpoint(dir),
      'MODEL_SHAPE',
      weightFile(dir),
      'decoder.blocks.1.cross_attn.key.weight',
    );
  });

  test('a tensor of the wrong shape → MODEL_SHAPE', async () => {
    const dir = hfFolder();
    await editWeights(dir, (t) =>
      t.set('model.encoder.conv1.bias', { shape: [63], data: new Float32Array(63) }),
    );
    await rejectsWith(
      loadHfCheckpoint(dir),
      'MODEL_SHAPE',
      weightFile(dir),
      'model.encoder.conv1.bias',
      '[63]',
    );
  });

  test('config.json disagreeing with the weights → MODEL_SHAPE', async () => {
    const dir = hfFolder();
    const cfgPath = join(dir, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, num_mel_bins: 128 }));
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_SHAPE', weightFile(dir), 'model.encoder.conv1.weight');
  });

  test('an unknown tensor → MODEL_FORMAT', async () => {
    const dir = hfFolder();
    await editWeights(dir, (t) =>
      t.set('model.classifier.weight', { shape: [2], data: new Float32Array(2) }),
    );
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_FORMAT', weightFile(dir), 'model.classifier.weight');
  });

  test('a layer beyond config.json → MODEL_FORMAT', async () => {
    const dir = hfFolder();
    await editWeights(dir, (t) =>
      t.set('model.encoder.layers.5.fc1.bias', { shape: [256], data: new Float32Array(256) }),
    );
    await rejectsWith(
      loadHfCheckpoint(dir),
      'MODEL_FORMAT',
      weightFile(dir),
      'model.encoder.layers.5.fc1.bias',
    );
  });

  test('an unsupported dtype → MODEL_DTYPE', async () => {
    const dir = hfFolder();
    const b = readFileSync(weightFile(dir));
    const n = Number(b.readBigUInt64LE(0));
    const header = b.subarray(8, 8 + n).toString('utf8');
    // Same byte width, so the header stays valid apart from the dtype.
    const patched = header.replace('"dtype":"F32","shape":[64]', '"dtype":"I32","shape":[64]');
    assert.notEqual(patched, header);
    b.write(patched, 8, 'utf8');
    writeFileSync(weightFile(dir), b);
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_DTYPE', weightFile(dir), 'I32');
  });

  test('a non-finite weight → MODEL_CORRUPT', async () => {
    const dir = hfFolder();
    await editWeights(dir, (t) => t.get('model.decoder.layer_norm.bias')!.data.fill(Infinity, 3, 4));
    await rejectsWith(loadHfCheckpoint(dir), 'MODEL_CORRUPT', dir, 'decoder.ln.bias');
  });

  test('a broken tokenizer.json is reported by the tokenizer loader', async () => {
    const dir = hfFolder();
    writeFileSync(join(dir, 'tokenizer.json'), '{');
    await rejectsWith(loadHfCheckpoint(dir), 'TOKENIZER', join(dir, 'tokenizer.json'));
  });
});
