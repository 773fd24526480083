import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dtw } from '../../../app/transcribe/alignment/dtw.ts';
import { findAlignment, type WordAlignment } from '../../../app/transcribe/alignment/find-alignment.ts';
import { medianFilterRows } from '../../../app/transcribe/alignment/median.ts';
import {
  addWordTimestamps,
  mergePunctuations,
  PREPEND_PUNCTUATIONS,
  APPEND_PUNCTUATIONS,
  type WordSegment,
} from '../../../app/transcribe/alignment/word-timestamps.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { tok } from './harness.ts';

test('median filter: reflect padding, odd width, short rows untouched (timing.py median_filter)', () => {
  const x = Float64Array.from([1, 5, 2, 8, 3]);
  assert.deepEqual([...medianFilterRows(x, 1, 5, 3)], [5, 2, 5, 3, 8]);
  assert.deepEqual(
    [...medianFilterRows(Float64Array.from([1, 2, 3, 9, 5, 6, 7]), 1, 7, 7)],
    [3, 3, 3, 5, 6, 6, 6],
  );
  assert.deepEqual([...medianFilterRows(Float64Array.from([3, 1, 2]), 1, 3, 7)], [3, 1, 2]);
});

/** The least total cost over monotonic paths from (0, 0) to (n − 1, m − 1), by recursion. */
function bestCost(x: Float64Array, n: number, m: number): number {
  const memo = new Map<number, number>();
  const go = (i: number, j: number): number => {
    if (i === 0 && j === 0) return x[0]!;
    const key = i * m + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let best = Infinity;
    if (i > 0 && j > 0) best = Math.min(best, go(i - 1, j - 1));
    if (i > 0) best = Math.min(best, go(i - 1, j));
    if (j > 0) best = Math.min(best, go(i, j - 1));
    const v = best + x[i * m + j]!;
    memo.set(key, v);
    return v;
  };
  return go(n - 1, m - 1);
}

test('dtw: a monotonic path through every row with the least cost', () => {
  const rng = new Rng(4);
  for (let trial = 0; trial < 20; trial++) {
    const [n, m] = [1 + (trial % 5), 3 + ((trial * 7) % 9)];
    const x = Float64Array.from(rng.normals(n * m));
    const p = dtw(x, n, m);
    let cost = 0;
    p.textIndices.forEach((t, k) => (cost += x[t * m + p.timeIndices[k]!]!));
    assert.ok(Math.abs(cost - bestCost(x, n, m)) < 1e-5, `trial ${trial}`);
    assert.equal(p.textIndices[0], 0);
    assert.equal(p.timeIndices[0], 0);
    assert.equal(p.textIndices[p.textIndices.length - 1], n - 1);
    assert.equal(p.timeIndices[p.timeIndices.length - 1], m - 1);
  }
});

const word = (w: string, start = 0, end = 0): WordAlignment => ({
  word: w,
  tokens: [1],
  start,
  end,
  probability: 1,
});

test('merge punctuations: opening marks join the next word, closing marks the previous one', () => {
  const a = [word(' "'), word('Hi'), word('"'), word(' there'), word(','), word(' you'), word('.')];
  mergePunctuations(a, PREPEND_PUNCTUATIONS, APPEND_PUNCTUATIONS);
  assert.deepEqual(
    a.map((w) => w.word),
    ['', ' "Hi"', '', ' there,', '', ' you.', ''],
  );
  assert.deepEqual(a[1]!.tokens, [1, 1, 1]);
});

test('add word timestamps: words go to their segments; segment bounds follow the words', () => {
  const segs: WordSegment[] = [
    { start: 10, end: 12, textTokens: [1, 2], words: [] },
    { start: 12, end: 14, textTokens: [3], words: [] },
  ];
  const al = [word(' a', 0.1, 0.5), word(' b', 0.5, 1.5), word(' c', 2.2, 3.6)];
  al[1]!.tokens = [2];
  const last = addWordTimestamps(segs, al, { timeOffset: 10, lastSpeechTimestamp: 9.9 });
  assert.deepEqual(
    segs[0]!.words.map((w) => [w.word, w.start, w.end]),
    [
      [' a', 10.1, 10.5],
      [' b', 10.5, 11.5],
    ],
  );
  assert.equal(segs[0]!.start, 10.1);
  assert.equal(segs[0]!.end, 11.5);
  assert.deepEqual(
    segs[1]!.words.map((w) => w.word),
    [' c'],
  );
  assert.equal(last, segs[1]!.end);
});

test('find alignment: attention that walks through the audio gives word starts and ends, and token probabilities', async () => {
  const text = tok.encode(' the cat sat');
  const sot = [tok.sot, tok.languageToken('en'), tok.transcribe];
  const n = sot.length + 1 + text.length + 1;
  const A = 1500;
  const V = tok.nVocab;
  const weights = new Float32Array(n * A);
  const logits = new Float32Array(n * V);
  for (let p = 0; p < n; p++) {
    const r = p - sot.length; // row r (from <|notimestamps|>) predicts text token r
    if (r >= 0 && r <= text.length) weights.fill(0.1, p * A + 10 * r, p * A + 10 * r + 10);
    else weights.fill(1 / 80, p * A, p * A + 80);
    if (r >= 0 && r < text.length) logits[p * V + text[r]!] = 10;
  }
  const words = await findAlignment(
    {
      tokenizer: tok,
      sotSequence: sot,
      textTokens: text,
      numFrames: 160,
      nHeads: 1,
      nAudioCtx: A,
      language: 'en',
    },
    async (tokens) => {
      assert.deepEqual(tokens, [...sot, tok.noTimestamps, ...text, tok.eot]);
      return { logits, crossWeights: weights };
    },
  );
  const p = Math.exp(10) / (Math.exp(10) + tok.eot - 1);
  const wordTokens = tok.splitToWordTokens([...text, tok.eot], 'en').wordTokens.slice(0, -1);
  let at = 0;
  const expected = wordTokens.map((t) => {
    const e = { start: (10 * at) / 50, end: (10 * (at + t.length)) / 50 };
    at += t.length;
    return e;
  });
  assert.deepEqual(
    words.map((w) => w.word),
    [' the', ' cat', ' sat'],
  );
  words.forEach((w, i) => {
    assert.ok(Math.abs(w.start - expected[i]!.start) < 1e-9, `${w.word} start ${w.start}`);
    assert.ok(Math.abs(w.end - expected[i]!.end) < 1e-9, `${w.word} end ${w.end}`);
    assert.ok(Math.abs(w.probability - p) < 1e-6);
  });
});
