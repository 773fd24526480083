import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTokenLoop } from '../../../app/decoding/repetition.ts';
import type { TranscribeEvent } from '../../../app/transcribe/types.ts';
import { A, B, C, audioOf, scriptedModel, tok, ts } from './harness.ts';

const EN = { language: 'en', beamSize: null } as const;

test('loop finder: a repeated n-gram covering enough tokens; short repeats are speech', () => {
  assert.deepEqual(findTokenLoop([9, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 7]), {
    start: 1,
    period: 2,
    repeats: 6,
  });
  assert.equal(findTokenLoop([1, 1, 1, 2, 3]), null); // "no, no, no"
  assert.equal(findTokenLoop([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]), null);
  const phrase = [5, 6, 7, 8, 9];
  assert.deepEqual(findTokenLoop([...phrase, ...phrase, ...phrase]), { start: 0, period: 5, repeats: 3 });
});

test('guard: a looping segment is flagged and the user warned; with "skip" it is dropped', async () => {
  const loop = [
    ts(0),
    ...Array<number>(7)
      .fill(0)
      .flatMap(() => [A, B]),
    ts(8),
  ];
  const events: TranscribeEvent[] = [];
  const h = scriptedModel([loop]);
  const r = await h.transcriber.transcribe(audioOf([[10, true]]), EN, { onEvent: (e) => events.push(e) });
  assert.deepEqual(r.segments[0]!.flags, ['repetition']);
  const w = events.find((e) => e.type === 'warning');
  assert.ok(
    w &&
      w.type === 'warning' &&
      w.code === 'hallucination' &&
      /repetition/.test(w.message) &&
      w.segmentId === 0,
  );
  const skip = scriptedModel([loop]);
  const r2 = await skip.transcriber.transcribe(audioOf([[10, true]]), { ...EN, guard: { action: 'skip' } });
  assert.equal(r2.segments.length, 0);
});

test('guard: the same text again and again is flagged from the third time, and the prompt is reset', async () => {
  const same = [ts(0), A, C, ts(1), ts(1), A, C, ts(2), ts(2), A, C, ts(3), ts(3), A, C, ts(4)];
  const h = scriptedModel([same, [ts(0), B, ts(1)]]);
  const r = await h.transcriber.transcribe(audioOf([[40, true]]), EN);
  assert.deepEqual(
    r.segments.map((s) => s.flags),
    [[], [], ['repeated-segment'], ['repeated-segment'], []],
  );
  assert.deepEqual(h.prefills[1], [tok.sot], 'no previous text after a suspected loop');
});

test('guard: text over silence is flagged "silence"; speech next to it is not', async () => {
  const h = scriptedModel([[ts(0), A, ts(5), ts(5), B, ts(15)]]);
  const r = await h.transcriber.transcribe(
    audioOf([
      [10, false],
      [20, true],
    ]),
    EN,
  );
  assert.deepEqual(
    r.segments.map((s) => s.flags),
    [['silence'], []],
  );
});

test('quality flags: a window that failed every temperature is kept, flagged, and reported', async () => {
  const h = scriptedModel([], { uncertain: new Set([0]) });
  const events: TranscribeEvent[] = [];
  const r = await h.transcriber.transcribe(audioOf([[5, true]]), EN, { onEvent: (e) => events.push(e) });
  assert.equal(r.segments.length, 1);
  const s = r.segments[0]!;
  assert.deepEqual(s.flags, ['fallback-failed', 'low-confidence']);
  assert.equal(s.temperature, 1);
  assert.ok(s.avgLogProb < -1);
  assert.equal(h.sessions[0]!.calls.prefill, 6, 'T = 0, 0.2, 0.4, 0.6, 0.8, 1.0');
  assert.ok(events.some((e) => e.type === 'warning' && e.code === 'fallback-failed'));
});
