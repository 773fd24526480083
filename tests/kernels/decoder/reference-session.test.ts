import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { ReferenceDecoderSession } from '../../../kernels/decoder/reference-session.ts';
import { topKLogProbs } from '../../../kernels/decoder/topk.ts';
import { relativeError } from '../../../models/slim/precision.ts';

const ckpt = makeFixtureCheckpoint({ seed: 21 });
const rng = new Rng(21);
const n = ckpt.dims.nAudioCtx * ckpt.dims.nAudioState;
const audio = [rng.normals(n), rng.normals(n)];

test('topKLogProbs: sorted, exact log-softmax, mask respected', () => {
  const row = Float32Array.from(rng.normals(50, 3));
  const mask = new Float32Array(50);
  mask[7] = -Infinity;
  row[7] = 100; // suppressed: must not appear
  const { ids, logProbs } = topKLogProbs(row, 5, mask);
  assert.ok(!ids.includes(7));
  let z = 0;
  for (let i = 0; i < 50; i++) if (i !== 7) z += Math.exp(row[i]!);
  const order = [...Array(50).keys()].filter((i) => i !== 7).sort((a, b) => row[b]! - row[a]!);
  assert.deepEqual([...ids], order.slice(0, 5));
  ids.forEach((id, j) => assert.ok(Math.abs(logProbs[j]! - (row[id]! - Math.log(z))) < 1e-5));
});

test('reference sessions: Slim equals baseline over a batch with two audio groups and a reorder', async () => {
  const slim = new ReferenceDecoderSession(ckpt, 'slim', 3, 2, ['k-cache', 'x-cache']);
  const base = new ReferenceDecoderSession(ckpt, 'baseline', 3, 2);
  const sot = ckpt.vocab!.specials.get('<|startoftranscript|>')!;
  for (const s of [slim, base]) await s.setAudio(audio);
  const prompts = [[sot, 300], [sot], [sot, 5, 6]];
  for (let b = 0; b < 3; b++) {
    const a = await slim.prefill(b, b === 1 ? 1 : 0, prompts[b]!);
    const c = await base.prefill(b, b === 1 ? 1 : 0, prompts[b]!);
    assert.ok(relativeError(Float64Array.from(a), Float64Array.from(c)) < 1e-6);
  }
  for (let step = 0; step < 4; step++) {
    const tokens = Int32Array.from([rng.int(0, 271), rng.int(0, 271), rng.int(0, 271)]);
    const r1 = await slim.step(tokens, { logits: true, topK: 3 });
    const r2 = await base.step(tokens, { logits: true, topK: 3 });
    assert.ok(relativeError(Float64Array.from(r1.logits!), Float64Array.from(r2.logits!)) < 1e-6);
    assert.deepEqual([...r1.topIds!], [...r2.topIds!]);
    if (step === 1) for (const s of [slim, base]) await s.reorder([2, 2, 0]);
  }
  assert.equal(slim.length(0), prompts[2]!.length + 4);
  assert.equal(slim.length(2), prompts[0]!.length + 4);
  assert.ok(slim.memory().cacheBytesTotal < base.memory().cacheBytesTotal);
});
