import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeWithFallback,
  DEFAULT_FALLBACK,
  needsFallback,
  optionsAtTemperature,
  shouldSkipAsSilence,
} from '../../../app/decoding/fallback.ts';
import { SeededRandom } from '../../../app/decoding/rng.ts';
import { resolveDecodingOptions } from '../../../app/decoding/options.ts';
import { runDecodeTasks } from '../../../app/decoding/runner.ts';
import { DecodeTask, type DecodingResult } from '../../../app/decoding/task.ts';
import { SlimError } from '../../../models/errors.ts';
import { FakeSession, type LogitsFn } from './fake-session.ts';
import { fakeDims, tok, V } from './helpers.ts';

const BEGIN = 4; // sot, en, transcribe, notimestamps
const sampled = (tokens: readonly number[]): number[] => tokens.slice(tokens.indexOf(tok.sot) + BEGIN);

/** audio[0] picks the behaviour: 0 confident, 1 uncertain, 2 looping, 3 silent-and-uncertain. */
const behaviours: LogitsFn = (_group, tokens, audio) => {
  const kind = audio[0]!;
  const row = new Float32Array(V);
  if (tokens[tokens.length - 1] === tok.sot) {
    if (kind === 3) row[tok.noSpeech] = 20; // the no-speech read-out
    return row;
  }
  const n = sampled(tokens).length;
  if (kind === 0) row[n < 3 ? 100 + n : tok.eot] = 30;
  else if (kind === 2) row[n < 80 ? 100 + (n % 2) : tok.eot] = 30;
  else if (n < 5) row.fill(5, 100, 200);
  else row[tok.eot] = 30;
  return row;
};

async function run(kinds: number[]) {
  const session = new FakeSession(fakeDims(), behaviours, 10, kinds.length);
  await session.setAudio(kinds.map((k) => Float32Array.of(k, 0, 0, 0)));
  const ctx = { session, tokenizer: tok, rng: new SeededRandom(1) };
  const requests = kinds.map((_, group) => ({ group, prompt: [] }));
  const base = { language: 'en', withoutTimestamps: true, beamSize: 5, bestOf: 5 };
  return { outcomes: await decodeWithFallback(ctx, requests, base, DEFAULT_FALLBACK), session };
}

test('fallback: a confident window is decoded once at T = 0 (with beam search)', async () => {
  const { outcomes, session } = await run([0]);
  assert.equal(outcomes[0]!.result.temperature, 0);
  assert.equal(outcomes[0]!.fallbackFailed, false);
  assert.deepEqual(outcomes[0]!.result.tokens, [100, 101, 102]);
  assert.equal(session.calls.prefill, 1);
});

test('fallback: an improbable window is retried at 0.2 … 1.0 and keeps the last result', async () => {
  const { outcomes, session } = await run([1]);
  assert.equal(outcomes[0]!.result.temperature, 1);
  assert.equal(outcomes[0]!.fallbackFailed, true);
  assert.ok(outcomes[0]!.result.avgLogProb < -1);
  assert.equal(session.calls.prefill, 6);
});

test('fallback: a looping window fails the compression ratio', async () => {
  const { outcomes } = await run([2]);
  assert.ok(outcomes[0]!.result.compressionRatio > 2.4);
  assert.equal(outcomes[0]!.fallbackFailed, true);
});

test('fallback: a silent window is not retried, and transcribe.py would skip it', async () => {
  const { outcomes, session } = await run([3]);
  const r = outcomes[0]!.result;
  assert.ok(r.noSpeechProb > 0.6 && r.avgLogProb < -1);
  assert.equal(outcomes[0]!.fallbackFailed, false);
  assert.equal(session.calls.prefill, 1);
  assert.equal(shouldSkipAsSilence(r, DEFAULT_FALLBACK), true);
});

test('fallback: windows decoded together fall back independently', async () => {
  const { outcomes, session } = await run([0, 1, 3]);
  assert.deepEqual(
    outcomes.map((o) => o.result.temperature),
    [0, 1, 0],
  );
  assert.equal(session.calls.prefill, 3 + 5);
});

test('fallback rules: thresholds as transcribe.py, beam only at T = 0 and best-of only above', () => {
  const r = (p: Partial<DecodingResult>): DecodingResult => ({
    tokens: [],
    text: '',
    language: 'en',
    avgLogProb: -0.5,
    sumLogProb: 0,
    noSpeechProb: 0.1,
    temperature: 0,
    compressionRatio: 1.5,
    ...p,
  });
  assert.equal(needsFallback(r({}), DEFAULT_FALLBACK), false);
  assert.equal(needsFallback(r({ compressionRatio: 2.5 }), DEFAULT_FALLBACK), true);
  assert.equal(needsFallback(r({ avgLogProb: -1.5 }), DEFAULT_FALLBACK), true);
  assert.equal(needsFallback(r({ avgLogProb: -1.5, noSpeechProb: 0.7 }), DEFAULT_FALLBACK), false);
  // a high no-speech probability alone does not stop a fallback on repetition
  assert.equal(needsFallback(r({ compressionRatio: 2.5, noSpeechProb: 0.7 }), DEFAULT_FALLBACK), true);
  assert.equal(shouldSkipAsSilence(r({ noSpeechProb: 0.7 }), DEFAULT_FALLBACK), false); // probable text is kept
  assert.equal(shouldSkipAsSilence(r({ noSpeechProb: 0.7, avgLogProb: -1.2 }), DEFAULT_FALLBACK), true);
  const off = { ...DEFAULT_FALLBACK, noSpeechThreshold: null };
  assert.equal(shouldSkipAsSilence(r({ noSpeechProb: 0.99, avgLogProb: -3 }), off), false);
  assert.deepEqual(optionsAtTemperature({ beamSize: 5, bestOf: 5, patience: 2 }, 0), {
    beamSize: 5,
    bestOf: null,
    patience: 2,
    temperature: 0,
  });
  assert.deepEqual(optionsAtTemperature({ beamSize: 5, bestOf: 5, patience: 2 }, 0.4), {
    beamSize: null,
    bestOf: 5,
    patience: null,
    temperature: 0.4,
  });
});

test('cancellation mid-decode rejects with CANCELLED and stops stepping', async () => {
  const session = new FakeSession(fakeDims(), behaviours, 10, 1);
  await session.setAudio([Float32Array.of(2, 0, 0, 0)]);
  const ac = new AbortController();
  session.onStep = (n) => n === 3 && ac.abort();
  const task = new DecodeTask(
    tok,
    resolveDecodingOptions({ language: 'en', withoutTimestamps: true }, 448),
    448,
    new SeededRandom(1),
  );
  await assert.rejects(
    runDecodeTasks(session, [{ task, group: 0 }], ac.signal),
    (e: unknown) => e instanceof SlimError && e.code === 'CANCELLED',
  );
  assert.equal(session.calls.step, 3);
});
