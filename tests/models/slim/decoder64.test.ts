import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { encodeReference } from '../../../models/reference/encoder.ts';
import { ReferenceDecoder } from '../../../models/reference/decoder.ts';
import { convertDecoder, foldValueBias } from '../../../models/slim/convert.ts';
import { SlimReferenceDecoder, type SelfForm } from '../../../models/slim/decoder64.ts';
import { relativeError } from '../../../models/slim/precision.ts';
import { calibrate } from '../../../models/slim/calibrate.ts';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';

function fixtureAudio(ckpt: WhisperCheckpoint, seed: number): Float64Array {
  const rng = new Rng(seed);
  const mel = Float64Array.from(rng.normals(ckpt.dims.nMels * 2 * ckpt.dims.nAudioCtx, 0.5));
  return encodeReference(new Weights64(ckpt), ckpt.dims, mel);
}

/** Feeds a prompt then single tokens; returns every step's logits. */
function run(
  dec: { newState(xa: Float64Array): unknown; forward(s: never, t: readonly number[]): Float64Array },
  xa: Float64Array,
  prompt: number[],
  steps: number[],
): Float64Array[] {
  const state = dec.newState(xa) as never;
  const out = [dec.forward(state, prompt)];
  for (const t of steps) out.push(dec.forward(state, [t]));
  return out;
}

for (const seed of [1, 2, 3]) {
  test(`both Slim forms equal the standard decoder in float64 to 1e-9 (fixture seed ${seed})`, () => {
    const ckpt = makeFixtureCheckpoint({ seed, dims: { nTextLayer: 3 } });
    const w = new Weights64(ckpt);
    const xa = fixtureAudio(ckpt, 100 + seed);
    const rng = new Rng(seed);
    const prompt = [rng.int(0, ckpt.dims.nVocab - 1), rng.int(0, ckpt.dims.nVocab - 1), rng.int(0, 200)];
    const steps = Array.from({ length: 12 }, () => rng.int(0, ckpt.dims.nVocab - 1));
    const want = run(new ReferenceDecoder(w, ckpt.dims), xa, prompt, steps);
    const layers = convertDecoder(w, ckpt);
    const mixes: SelfForm[][] = [
      ['k-cache', 'k-cache', 'k-cache'],
      ['x-cache', 'x-cache', 'x-cache'],
      ['k-cache', 'x-cache', 'k-cache'],
    ];
    for (const forms of mixes) {
      const got = run(new SlimReferenceDecoder(w, ckpt.dims, layers, forms), xa, prompt, steps);
      got.forEach((g, i) => {
        const err = relativeError(g, want[i]!);
        assert.ok(err <= 1e-9, `${forms.join('/')} step ${i}: relative error ${err}`);
      });
    }
  });
}

test('value bias folds into the output bias exactly', () => {
  const rng = new Rng(5);
  const d = 8;
  const wO = Float64Array.from(rng.normals(d * d));
  const bO = Float64Array.from(rng.normals(d));
  const bV = Float64Array.from(rng.normals(d));
  const folded = foldValueBias(wO, bO, bV, d);
  for (let o = 0; o < d; o++) {
    let want = bO[o]!;
    for (let j = 0; j < d; j++) want += wO[o * d + j]! * bV[j]!;
    assert.ok(Math.abs(folded[o]! - want) < 1e-14);
  }
});

test('a rank-deficient W_K is found by the conversion; calibration puts that layer on the X-cache form', () => {
  const ckpt = makeFixtureCheckpoint({ seed: 9, dims: { nTextLayer: 3 }, rankDeficientKeyRows: { 1: 6 } });
  const w = new Weights64(ckpt);
  const layers = convertDecoder(w, ckpt);
  const d = ckpt.dims.nTextState;
  assert.equal(layers[0]!.selfKV.rank, d);
  assert.equal(layers[1]!.selfKV.rank, d - 6);
  assert.ok(layers[1]!.selfKV.cond > 1e12, `cond ${layers[1]!.selfKV.cond}`);
  const v = ckpt.vocab!;
  const ids = {
    sot: v.specials.get('<|startoftranscript|>')!,
    eot: v.specials.get('<|endoftext|>')!,
    transcribe: v.specials.get('<|transcribe|>')!,
    noTimestamps: v.specials.get('<|notimestamps|>')!,
    languages: [v.specials.get('<|en|>')!, v.specials.get('<|de|>')!],
  };
  const clips = [1, 2].map((s) => ({ name: `random-${s}`, xa: fixtureAudio(ckpt, s) }));
  const cal = calibrate(w, ckpt.dims, layers, clips, ids, { maxTokens: 10 });
  assert.deepEqual(
    cal.layers.map((l) => l.form),
    ['k-cache', 'x-cache', 'k-cache'],
  );
  assert.ok(cal.layers[1]!.kCache.fp32 > 1e-2, `deficient layer K-cache error ${cal.layers[1]!.kCache.fp32}`);
  for (const l of cal.layers) {
    assert.ok(l.relErrFp32 <= 1e-4, `layer ${l.layer} fp32 error ${l.relErrFp32}`);
    // The X-cache form in fp16 costs about what the standard fp16 caches cost.
    assert.ok(
      l.xCache.fp16 < 4 * l.baseline.fp16 + 1e-6,
      `layer ${l.layer}: ${l.xCache.fp16} vs ${l.baseline.fp16}`,
    );
  }
  // With the chosen forms the Slim decoder still equals the standard one.
  const forms = cal.layers.map((l) => l.form);
  const xa = clips[0]!.xa;
  const tokens = cal.clips[0]!.tokens;
  const want = new ReferenceDecoder(w, ckpt.dims);
  const got = new SlimReferenceDecoder(w, ckpt.dims, layers, forms);
  const err = relativeError(got.forward(got.newState(xa), tokens), want.forward(want.newState(xa), tokens));
  assert.ok(err <= 1e-9, `relative error ${err}`);
});
