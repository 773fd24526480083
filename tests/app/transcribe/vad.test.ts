import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VAD } from '../../../app/transcribe/options.ts';
import { planChunk, speechMask, speechRegions } from '../../../app/transcribe/vad.ts';

/** Frame levels from [frames, dB] runs. */
function levels(runs: Array<[number, number]>): Float32Array {
  const out: number[] = [];
  for (const [n, db] of runs) for (let i = 0; i < n; i++) out.push(db);
  return Float32Array.from(out);
}

test('speech mask: short pauses bridged, short bursts dropped, threshold above the noise floor', () => {
  const e = levels([
    [100, -70],
    [50, -20],
    [20, -70], // 200 ms pause: bridged
    [50, -20],
    [100, -70],
    [5, -20], // 50 ms click: dropped
    [100, -70],
  ]);
  assert.deepEqual(speechRegions(speechMask(e, DEFAULT_VAD)), [{ start: 100, end: 220 }]);
  // noise at −40 dBFS: the threshold follows the floor (−28), so −35 is not speech
  const noisy = levels([
    [200, -40],
    [100, -35],
    [100, -10],
  ]);
  assert.deepEqual(speechRegions(speechMask(noisy, DEFAULT_VAD)), [{ start: 300, end: 400 }]);
});

test('chunks: leading silence skipped first, speech gathered up to a window, cut mid-pause', () => {
  const e = levels([
    [500, -90],
    [1000, -20],
    [100, -90],
    [1000, -20],
    [100, -90],
    [1500, -20],
    [600, -90],
  ]);
  const skip = planChunk(e, 0, false, 3000, DEFAULT_VAD);
  assert.deepEqual(skip, { chunk: null, next: 480 });
  const next = planChunk(e.subarray(480), 480, false, 3000, DEFAULT_VAD);
  // regions 500–1500 and 1600–2600 fit in 30 s from 480; 2700–4200 does not: cut 20 frames after 2600
  assert.deepEqual(next.chunk, { start: 480, end: 2620 });
});

test('chunks: speech longer than a window is cut at the quietest frame of its last third', () => {
  const e = levels([
    [2500, -20],
    [1, -30],
    [1000, -20],
  ]);
  e[2800] = -25;
  const p = planChunk(e, 0, true, 3000, DEFAULT_VAD);
  assert.deepEqual(p.chunk, { start: 0, end: 2500 });
});

test('chunks: at the end of the audio the last speech is taken, trailing silence dropped', () => {
  const e = levels([
    [300, -20],
    [300, -90],
  ]);
  assert.deepEqual(planChunk(e, 1000, true, 3000, DEFAULT_VAD), {
    chunk: { start: 1000, end: 1320 },
    next: 1320,
  });
  assert.deepEqual(planChunk(e.subarray(320), 1320, true, 3000, DEFAULT_VAD), { chunk: null, next: 1600 });
});
