import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A, B, C, D, audioOf, scriptedModel, tok, ts } from './harness.ts';

test('batched: chunks split at the pause, decoded together (two audio groups), an unfinished tail goes round again', async () => {
  // 20 s of sound, 3 s of silence, 20 s of sound: two chunks of one window each
  const h = scriptedModel([
    [ts(0), A, ts(10), ts(10), B, ts(15)],
    [ts(0), C, ts(8), ts(8), D],
    [ts(0), D, ts(5)],
  ]);
  const r = await h.transcriber.transcribe(
    audioOf([
      [20, true],
      [3, false],
      [20, true],
    ]),
    { language: 'en', beamSize: null, mode: 'batched' },
  );
  // speech ends at frame 2002 (the 25 ms frames around 20 s still hear it) and restarts at 2299;
  // 200 ms of padding around each; the tail starts at the last timestamp, 8 s into chunk 2
  assert.deepEqual(
    h.windowFrames,
    [2022, 2021, 1221],
    'chunks [0, 20.22 s), [22.79, 43 s), tail from 30.79 s',
  );
  assert.deepEqual(
    r.segments.map((s) => [s.startMs, s.endMs, s.text]),
    [
      [0, 10000, tok.decode([A])],
      [10000, 15000, tok.decode([B])],
      [22790, 30790, tok.decode([C])],
      [30790, 35790, tok.decode([D])],
    ],
  );
  const s = h.sessions[0]!;
  assert.equal(s.calls.setAudio, 2, 'one round for both chunks, one for the tail');
  assert.equal(s.maxGroups, 8);
  assert.equal(r.mode, 'batched');
});

test('batched: silence is skipped, never decoded; windows are prompted only with the initial prompt', async () => {
  const h = scriptedModel([
    [ts(0), A, ts(2)],
    [ts(0), B, ts(2)],
  ]);
  const r = await h.transcriber.transcribe(
    audioOf([
      [40, false],
      [2, true],
      [40, false],
      [2, true],
      [5, false],
    ]),
    { language: 'en', beamSize: null, mode: 'batched', initialPrompt: 'the' },
  );
  assert.equal(h.encoder.calls, 2);
  assert.deepEqual(
    r.segments.map((s) => s.startMs),
    [39790, 81790],
  );
  assert.deepEqual(h.prefills[0], [tok.sotPrev, ...tok.encode(' the'), tok.sot]);
  assert.deepEqual(h.prefills[1], [tok.sot]);
});
