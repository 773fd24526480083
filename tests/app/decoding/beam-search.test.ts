import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSoftmax } from '../../../app/decoding/math.ts';
import { resolveDecodingOptions, type DecodingOptions } from '../../../app/decoding/options.ts';
import { SeededRandom } from '../../../app/decoding/rng.ts';
import { runDecodeTasks } from '../../../app/decoding/runner.ts';
import { DecodeTask } from '../../../app/decoding/task.ts';
import { ReferenceDecoderSession } from '../../../kernels/decoder/reference-session.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { FakeSession } from './fake-session.ts';
import { fakeDims, multiCkpt, tok, V } from './helpers.ts';

const A = 100;
const B = 101;
const EOT = tok.eot;
const SAMPLE_BEGIN = 4; // sot, language, task, notimestamps

/** A tiny language model: after the start, 1–2 of {A, B} then EOT; log-probs from a hash. */
function lm(group: number, tokens: readonly number[]): Float32Array {
  const s = tokens.slice(SAMPLE_BEGIN);
  const row = new Float32Array(V).fill(-Infinity);
  let h = 2166136261 ^ group;
  for (const t of s) h = Math.imul(h ^ t, 16777619);
  const val = (k: number): number => (((Math.imul(h ^ k, 2654435761) >>> 0) % 1000) / 1000) * 4 - 2;
  if (s.length < 2) [row[A], row[B]] = [val(1), val(2)];
  if (s.length > 0) row[EOT] = s.length >= 2 ? 0 : val(3);
  return row;
}

/** Every finished sequence of `lm` with its score, the best by sum / length. */
function exhaustiveBest(group: number): { tokens: number[]; score: number } {
  const prefix = [tok.sot, tok.languageToken('en'), tok.transcribe, tok.noTimestamps];
  let best = { tokens: [] as number[], score: -Infinity };
  const visit = (seq: number[], sum: number): void => {
    const lp = logSoftmax(lm(group, [...prefix, ...seq]));
    if (lp[EOT]! > -Infinity && seq.length > 0) {
      const total = sum + lp[EOT]!;
      if (total / seq.length > best.score) best = { tokens: [...seq], score: total / seq.length };
    }
    for (const t of [A, B]) if (lp[t]! > -Infinity) visit([...seq, t], sum + lp[t]!);
  };
  visit([], 0);
  return best;
}

const base: DecodingOptions = {
  language: 'en',
  withoutTimestamps: true,
  suppressTokens: '',
  suppressBlank: false,
  beamSize: 5,
  patience: 2,
};

test('beam search (5 beams) over the runner equals exhaustive search, two windows decoded together', async () => {
  const session = new FakeSession(fakeDims(), lm, 10, 2);
  await session.setAudio([new Float32Array(4), new Float32Array(4)]);
  const o = resolveDecodingOptions(base, 448);
  const tasks = [0, 1].map(() => new DecodeTask(tok, o, 448, new SeededRandom(1)));
  await runDecodeTasks(
    session,
    tasks.map((task, group) => ({ task, group })),
  );
  for (const group of [0, 1]) {
    const want = exhaustiveBest(group);
    const got = tasks[group]!.result();
    assert.deepEqual(got.tokens, want.tokens, `window ${group}`);
    assert.ok(Math.abs(got.sumLogProb / got.tokens.length - want.score) < 1e-6);
  }
  assert.ok(session.calls.reorder >= 2, 'beams continue from each other through reorder');
  assert.equal(session.calls.prefill, 2, 'one prefill per window: beams start as copies');
});

test('greedy over the runner picks the argmax path of the same model', async () => {
  const session = new FakeSession(fakeDims(), lm, 2, 1);
  await session.setAudio([new Float32Array(4)]);
  const task = new DecodeTask(
    tok,
    resolveDecodingOptions({ ...base, beamSize: null, patience: null }, 448),
    448,
    new SeededRandom(1),
  );
  await runDecodeTasks(session, [{ task, group: 0 }]);
  const prefix = [tok.sot, tok.languageToken('en'), tok.transcribe, tok.noTimestamps];
  const want: number[] = [];
  for (;;) {
    const row = lm(0, [...prefix, ...want]);
    let best = 0;
    for (let i = 1; i < V; i++) if (row[i]! > row[best]!) best = i;
    if (best === EOT) break;
    want.push(best);
  }
  assert.deepEqual(task.result().tokens, want);
});

test('beam search on the float64 reference session: the chosen beam rescores to its own log-prob', async () => {
  const session = new ReferenceDecoderSession(multiCkpt, 'slim', 5, 1);
  const { nAudioCtx, nAudioState, nTextCtx } = multiCkpt.dims;
  await session.setAudio([new Rng(5).normals(nAudioCtx * nAudioState)]);
  const o = resolveDecodingOptions({ ...base, patience: null, sampleLen: 8 }, nTextCtx);
  const task = new DecodeTask(tok, o, nTextCtx, new SeededRandom(1));
  await runDecodeTasks(session, [{ task, group: 0 }]);
  const r = task.result();
  assert.ok(r.tokens.length > 0);
  // Rescore the chosen tokens (+ EOT unless the length cap stopped it) from a fresh prefill.
  const check = new ReferenceDecoderSession(multiCkpt, 'baseline', 1, 1);
  await check.setAudio([new Rng(5).normals(nAudioCtx * nAudioState)]);
  let logits = await check.prefill(0, 0, task.initialTokens);
  let sum = 0;
  const scored = r.tokens.length < 8 ? [...r.tokens, EOT] : r.tokens;
  for (const t of scored) {
    sum += logSoftmax(logits)[t]!;
    logits = (await check.step(Int32Array.of(t), { logits: true })).logits!;
  }
  assert.ok(Math.abs(sum - r.sumLogProb) < 1e-4, `${sum} vs ${r.sumLogProb}`);
});
