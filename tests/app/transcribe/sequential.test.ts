import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlimError } from '../../../models/errors.ts';
import type { TranscribeEvent } from '../../../app/transcribe/types.ts';
import { A, B, C, D, E, audioOf, scriptedModel, tok, ts } from './harness.ts';

const EN = { language: 'en', beamSize: null } as const;
const spans = (r: { segments: Array<{ startMs: number; endMs: number }> }): Array<[number, number]> =>
  r.segments.map((s) => [s.startMs, s.endMs]);

// 75 s of sound: window 1 ends unfinished at 20 s, window 2 ends with a single timestamp,
// window 3 holds the last 25 s.
const SCRIPTS = [
  [ts(0), A, ts(10), ts(10), B, ts(20), ts(20), C],
  [ts(0), C, ts(5), ts(6), D, ts(12)],
  [ts(0), E, ts(3)],
];

test('seek loop: timestamp-driven advance, unfinished segment re-decoded, single-timestamp ending', async () => {
  const h = scriptedModel(SCRIPTS);
  const r = await h.transcriber.transcribe(audioOf([[75, true]]), EN);
  assert.deepEqual(spans(r), [
    [0, 10000],
    [10000, 20000],
    [20000, 25000],
    [26000, 32000],
    [50000, 53000],
  ]);
  assert.deepEqual(
    r.segments.map((s) => s.text),
    [A, B, C, D, E].map((t) => tok.decode([t])),
  );
  assert.deepEqual(
    h.windowFrames,
    [3000, 3000, 2500],
    'windows at 0 s, 20 s (30 s each) and 50 s (25 s left)',
  );
  assert.deepEqual(r.segments[1]!.tokens, [ts(10), B, ts(20)]);
  assert.deepEqual(
    r.segments.map((s) => s.id),
    [0, 1, 2, 3, 4],
  );
  assert.equal(r.durationMs, 75000);
  assert.equal(r.language, 'en');
});

test('seek loop: each window is prompted with the text so far after <|startofprev|>', async () => {
  const h = scriptedModel(SCRIPTS);
  await h.transcriber.transcribe(audioOf([[75, true]]), EN);
  assert.deepEqual(h.prefills[0], [tok.sot]);
  assert.deepEqual(h.prefills[1], [tok.sotPrev, ts(0), A, ts(10), ts(10), B, ts(20), tok.sot]);
  assert.equal(h.prefills[2]![0], tok.sotPrev);
  assert.equal(h.prefills[2]!.length, 1 + 6 + 6 + 1);
  const off = scriptedModel(SCRIPTS);
  await off.transcriber.transcribe(audioOf([[75, true]]), {
    ...EN,
    conditionOnPreviousText: false,
    initialPrompt: 'the',
  });
  assert.deepEqual(off.prefills[0], [tok.sotPrev, ...tok.encode(' the'), tok.sot]);
  assert.deepEqual(
    off.prefills[1],
    [tok.sot],
    'no previous text, and the initial prompt only for the first window',
  );
});

test('seek loop: a silent window (no-speech probability high, text improbable) is skipped whole', async () => {
  const h = scriptedModel([[ts(0), A, ts(2)], [], [ts(0), B, ts(1)]], { silent: new Set([1]) });
  const r = await h.transcriber.transcribe(audioOf([[70, true]]), EN);
  assert.deepEqual(spans(r), [
    [0, 2000],
    [60000, 61000],
  ]);
});

test('seek loop: clip timestamps decode only the clips', async () => {
  const h = scriptedModel([
    [ts(0), A, ts(5)],
    [ts(0), B, ts(2)],
  ]);
  const r = await h.transcriber.transcribe(audioOf([[60, true]]), { ...EN, clipTimestamps: [10, 20, 40] });
  assert.deepEqual(spans(r), [
    [10000, 15000],
    [40000, 42000],
  ]);
  assert.deepEqual(h.windowFrames, [1000, 2000]);
});

test('language: detected from the first window, top languages reported', async () => {
  const h = scriptedModel([[ts(0), A, ts(1)]]);
  const events: TranscribeEvent[] = [];
  const r = await h.transcriber.transcribe(
    audioOf([[5, true]]),
    { beamSize: null },
    { onEvent: (e) => events.push(e) },
  );
  // the scripted model's logits after <|startoftranscript|> are flat: the first language wins ties
  assert.equal(r.language, tok.allLanguageCodes[0]);
  assert.equal(r.languageProbs.length, 5);
  assert.ok(events.some((e) => e.type === 'language'));
});

test('progress: positions grow to the end, with an ETA, fraction 1 at the end', async () => {
  const h = scriptedModel(SCRIPTS);
  const progress: Array<Extract<TranscribeEvent, { type: 'progress' }>> = [];
  await h.transcriber.transcribe(audioOf([[75, true]]), EN, {
    onEvent: (e) => e.type === 'progress' && progress.push(e),
  });
  const pos = progress.map((p) => p.positionMs);
  assert.deepEqual(pos, [20000, 50000, 75000, 75000]);
  assert.ok(progress.every((p) => p.durationMs === 75000));
  assert.ok(progress.slice(0, -1).every((p) => p.etaMs !== null && p.etaMs >= 0));
  assert.equal(progress[progress.length - 1]!.fraction, 1);
  assert.equal(progress[progress.length - 1]!.etaMs, 0);
});

test('cancellation at any point: CANCELLED, and no window after it', async () => {
  const ac = new AbortController();
  const h = scriptedModel(SCRIPTS, { onEncode: (call) => call === 1 && ac.abort() });
  await assert.rejects(
    h.transcriber.transcribe(audioOf([[75, true]]), EN, { signal: ac.signal }),
    (e: unknown) => e instanceof SlimError && e.code === 'CANCELLED',
  );
  assert.equal(h.encoder.calls, 2);
  assert.equal(h.sessions[0]!.calls.step > 0, true);
  // aborted before starting: nothing runs
  const h2 = scriptedModel(SCRIPTS);
  await assert.rejects(
    h2.transcriber.transcribe(audioOf([[75, true]]), EN, { signal: AbortSignal.abort() }),
    /cancelled/,
  );
  assert.equal(h2.encoder.calls, 0);
});

test('bounded memory: a long stream is read at most a window and a chunk ahead of the decoding', async () => {
  const minutes = 4;
  const windows = Array.from({ length: 10 }, () => [ts(0), A, ts(28), ts(28), B, ts(29)]);
  const h = scriptedModel(windows);
  let served = 0;
  const chunk = 16000 * 10;
  async function* stream(): AsyncGenerator<Float32Array> {
    const audio = audioOf([[10, true]]);
    for (let i = 0; i < minutes * 6; i++) {
      served += chunk;
      yield audio;
    }
  }
  let worst = 0;
  const r = await h.transcriber.transcribe(stream(), EN, {
    onEvent: (e) => {
      if (e.type === 'progress' && e.positionMs < minutes * 60000)
        worst = Math.max(worst, served / 16 - e.positionMs);
    },
  });
  assert.equal(r.durationMs, minutes * 60000);
  assert.equal(r.segments.length, 2 * 8);
  assert.ok(worst <= 30000 + 10000, `read ${worst} ms ahead`);
});
