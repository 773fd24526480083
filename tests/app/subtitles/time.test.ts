import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanMs, formatClock, formatLrcTime } from '../../../app/subtitles/time.ts';

test('SRT and VTT clocks: separators, padding, rounding on the total', () => {
  assert.equal(formatClock(0, ','), '00:00:00,000');
  assert.equal(formatClock(1234, ','), '00:00:01,234');
  assert.equal(formatClock(1234, '.'), '00:00:01.234');
  assert.equal(formatClock(3_723_004, '.'), '01:02:03.004');
  assert.equal(formatClock(59_999.6, ','), '00:01:00,000'); // not 00:00:59,1000 or :60
  assert.equal(formatClock(3_599_999.5, '.'), '01:00:00.000');
  assert.equal(formatClock(1234.4999, ','), '00:00:01,234');
});

test('hours beyond two digits keep growing', () => {
  assert.equal(formatClock(99 * 3_600_000, ','), '99:00:00,000');
  assert.equal(formatClock(100 * 3_600_000 + 1, ','), '100:00:00,001');
  assert.equal(formatClock(1234 * 3_600_000 + 61_001, '.'), '1234:01:01.001');
});

test('NaN, infinities and negative times never reach a file', () => {
  for (const bad of [NaN, -1, -0.4, -Infinity, Infinity]) {
    assert.equal(cleanMs(bad), 0);
    assert.equal(formatClock(bad, ','), '00:00:00,000');
    assert.equal(formatLrcTime(bad), '[00:00.00]');
  }
});

test('LRC times: centiseconds, rounding, unbounded minutes', () => {
  assert.equal(formatLrcTime(0), '[00:00.00]');
  assert.equal(formatLrcTime(1234), '[00:01.23]');
  assert.equal(formatLrcTime(1235), '[00:01.24]');
  assert.equal(formatLrcTime(59_996), '[01:00.00]');
  assert.equal(formatLrcTime(61_500), '[01:01.50]');
  assert.equal(formatLrcTime(125 * 60_000 + 7_080), '[125:07.08]');
});
