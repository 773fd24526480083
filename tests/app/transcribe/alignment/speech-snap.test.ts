import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  snapWordsToSpeech,
  speechSpans,
  splitAtPauses,
  type SplittableSegment,
} from '../../../../app/transcribe/alignment/speech-snap.ts';
import type { TimedWord } from '../../../../app/transcribe/alignment/word-timestamps.ts';
import { DEFAULT_VAD } from '../../../../app/transcribe/options.ts';
import { Rng } from '../../../../models/fixtures/random.ts';
import { tok } from '../harness.ts';

/** Frame levels: silence at −80 dBFS with speech at −20 dBFS over the given [start, end) frames. */
function levels(n: number, speech: Array<[number, number]>): Float32Array {
  const e = new Float32Array(n).fill(-80);
  for (const [s, t] of speech) e.fill(-20, s, t);
  return e;
}

const word = (w: string, start: number, end: number, tokens?: number[]): TimedWord => ({
  word: w,
  start,
  end,
  probability: 0.9,
  ...(tokens ? { tokens } : {}),
});

test('speech spans: absolute seconds from the window start, padded by padMs', () => {
  const spans = speechSpans(
    {
      seek: 500,
      energyDb: levels(1000, [
        [100, 300],
        [600, 700],
      ]),
    },
    DEFAULT_VAD,
  );
  assert.deepEqual(
    spans.map(([s, e]) => [+s.toFixed(3), +e.toFixed(3)]),
    [
      [5.8, 8.2],
      [10.8, 12.2],
    ],
  );
  // a pause shorter than minSilenceMs (400 ms) is bridged: one span
  assert.equal(
    speechSpans(
      {
        seek: 0,
        energyDb: levels(600, [
          [100, 300],
          [330, 500],
        ]),
      },
      DEFAULT_VAD,
    ).length,
    1,
  );
});

test('snap: a word stretched over a pause is cut to the speech it belongs to; others stay', () => {
  const spans: Array<[number, number]> = [
    [0.8, 3.2],
    [6.8, 9.2],
  ];
  const words = [
    word(' ask', 1.0, 1.6),
    word(' country.', 2.6, 6.0), // DTW carried it 2.8 s into the pause
    word(' And', 6.2, 7.3), // pulled 0.6 s into the silence before its speech
    word(' so', 7.3, 7.6),
    word(' hm', 10.0, 10.4), // over no speech at all: kept
  ];
  snapWordsToSpeech(words, spans);
  assert.deepEqual(
    words.map((w) => [w.start, w.end]),
    [
      [1.0, 1.6],
      [2.6, 3.2],
      [6.8, 7.3],
      [7.3, 7.6],
      [10.0, 10.4],
    ],
  );
});

test('snap on random words: never outside the DTW span, never inverted, order kept', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 200; trial++) {
    const spans: Array<[number, number]> = [];
    let t = rng.uniform() * 2;
    while (t < 30) {
      const len = 0.3 + rng.uniform() * 4;
      spans.push([t, t + len]);
      t += len + 0.4 + rng.uniform() * 3;
    }
    const words: TimedWord[] = [];
    let at = rng.uniform();
    while (at < 29) {
      const d = rng.uniform() * 2.5;
      words.push(word(' w', +at.toFixed(2), +(at + d).toFixed(2)));
      at += d + (rng.uniform() < 0.3 ? rng.uniform() : 0);
    }
    const before = words.map((w) => ({ ...w }));
    snapWordsToSpeech(words, spans);
    words.forEach((w, i) => {
      assert.ok(w.start >= before[i]!.start - 1e-9 && w.end <= before[i]!.end + 1e-9, 'inside its span');
      assert.ok(w.end >= w.start, 'not inverted');
      if (i > 0) assert.ok(w.start >= words[i - 1]!.start - 1e-9, 'order');
    });
  }
});

function segment(words: TimedWord[]): SplittableSegment {
  const textTokens = words.flatMap((w) => w.tokens!);
  const lead = tok.timestampBegin + 50;
  const trail = tok.timestampBegin + 400;
  return {
    start: 1,
    end: 8,
    tokens: [lead, ...textTokens, trail],
    textTokens,
    text: tok.decode(textTokens),
    words,
  };
}

test('split at pauses: parts carry their words and tokens; tokens in order are the segment’s', () => {
  const ids = (s: string): number[] => tok.encode(s);
  const words = [
    word(' And', 1.0, 1.3, ids(' And')),
    word(' so', 1.3, 1.6, ids(' so')),
    word(' ask', 3.0, 3.4, ids(' ask')), // 1.4 s pause before
    word(' not.', 3.4, 3.9, ids(' not.')),
    word(' What', 5.5, 5.9, ids(' What')), // 1.6 s pause before
  ];
  const seg = segment(words);
  const parts = splitAtPauses(seg, 1.0, tok.eot, (t) => tok.decode(t));
  assert.deepEqual(
    parts.map((p) => [p.text, p.start, p.end, p.words.length]),
    [
      [' And so', 1, 1.6, 2],
      [' ask not.', 3.0, 3.9, 2],
      [' What', 5.5, 8, 1],
    ],
  );
  assert.deepEqual(
    parts.flatMap((p) => p.tokens),
    seg.tokens,
  );
  assert.deepEqual(
    parts.flatMap((p) => p.textTokens),
    seg.textTokens,
  );
  // nothing to cut at a larger threshold; a segment whose word tokens do not add up stays whole
  assert.equal(splitAtPauses(seg, 2.0, tok.eot, (t) => tok.decode(t)).length, 1);
  const broken = { ...seg, words: words.map((w, i) => (i === 2 ? { ...w, tokens: [] } : w)) };
  assert.equal(splitAtPauses(broken, 1.0, tok.eot, (t) => tok.decode(t)).length, 1);
});
