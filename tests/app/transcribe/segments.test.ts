import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitWindow } from '../../../app/transcribe/segments.ts';
import { A, B, C, D, TB, ts } from './harness.ts';

const times = (r: ReturnType<typeof splitWindow>): Array<[number, number]> =>
  r.segments.map((s) => [s.startMs, s.endMs]);

test('pairs close segments; a single timestamp at the end: the window is done (advance by its length)', () => {
  const r = splitWindow([ts(0), A, B, ts(2), ts(2), C, ts(5)], 0, 3000, TB);
  assert.deepEqual(times(r), [
    [0, 2000],
    [2000, 5000],
  ]);
  assert.deepEqual(r.segments[1]!.tokens, [ts(2), C, ts(5)]);
  assert.equal(r.singleTimestampEnding, true);
  assert.equal(r.nextSeek, 3000);
});

test('an unfinished last segment is dropped and the next window starts at the last closing timestamp', () => {
  const r = splitWindow([ts(0), A, ts(2), ts(2), B, ts(5), ts(5), C, D], 1000, 3000, TB);
  assert.deepEqual(times(r), [
    [10000, 12000],
    [12000, 15000],
  ]);
  assert.equal(r.singleTimestampEnding, false);
  assert.equal(r.nextSeek, 1000 + 250 * 2);
});

test('a final timestamp pair also ends at its timestamp (the seek moves there)', () => {
  const r = splitWindow([ts(0), A, ts(4), ts(4)], 0, 3000, TB);
  assert.deepEqual(times(r), [[0, 4000]]);
  assert.equal(r.nextSeek, 400);
});

test('no pair: one segment over the window, ending at its last timestamp (unless <|0.00|>)', () => {
  assert.deepEqual(times(splitWindow([ts(0), A, B, ts(3)], 200, 2500, TB)), [[2000, 5000]]);
  assert.equal(splitWindow([ts(0), A, B, ts(3)], 200, 2500, TB).nextSeek, 2700);
  assert.deepEqual(times(splitWindow([ts(0), A, B], 0, 2500, TB)), [[0, 25000]]);
  assert.deepEqual(times(splitWindow([A, B], 0, 1234, TB)), [[0, 12340]]);
  assert.deepEqual(times(splitWindow([], 0, 100, TB)), [[0, 1000]]);
});
