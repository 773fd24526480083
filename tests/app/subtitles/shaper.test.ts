import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shapeCues, MIN_VISIBLE_MS } from '../../../app/subtitles/shaper.ts';
import { DEFAULT_RULES, resolveRules } from '../../../app/subtitles/rules.ts';
import { charCount, endsClause, endsSentence, usesSpaces } from '../../../app/subtitles/text.ts';
import type { Transcript, Word } from '../../../app/subtitles/types.ts';
import { SlimError } from '../../../models/errors.ts';
import { checkRules, graphemes, segment, transcriptOf, wordsOf } from './helpers.ts';

function w(startMs: number, endMs: number, text: string): Word {
  return { startMs, endMs, text, probability: 0.9 };
}

test('defaults are the broadcast ones; out-of-range options are refused', () => {
  assert.deepEqual(
    { ...DEFAULT_RULES },
    {
      maxCharsPerLine: 42,
      maxLines: 2,
      maxCharsPerSecond: 17,
      minDurationMs: 830,
      maxDurationMs: 7000,
      minGapMs: 83,
      pauseMs: 500,
      closeGapMs: 500,
    },
  );
  assert.equal(resolveRules({ maxCharsPerSecond: 20 }).maxCharsPerSecond, 20);
  for (const bad of [
    { maxCharsPerSecond: 21 },
    { maxCharsPerSecond: 0 },
    { maxCharsPerLine: 0 },
    { maxLines: 1.5 },
    { minDurationMs: -1 },
    { maxDurationMs: 500, minDurationMs: 800 },
    { minGapMs: NaN },
  ])
    assert.throws(() => resolveRules(bad), SlimError, JSON.stringify(bad));
});

test('text rules: graphemes, sentence and clause ends, abbreviations, spaceless languages', () => {
  assert.equal(charCount('café'), 4);
  assert.equal(charCount('cafe\u0301'), 4); // decomposed é is one character on screen
  assert.equal(charCount('👍🏽 ok'), 4);
  assert.equal(charCount('ที่'), 1);
  assert.ok(
    endsSentence('dog.') && endsSentence('really?!') && endsSentence('said."') && endsSentence('ある。'),
  );
  assert.ok(!endsSentence('Mr.') && !endsSentence('Dr.') && !endsSentence('3.5'));
  assert.ok(endsClause('Americans,') && endsClause('は、') && endsClause('wait;') && !endsClause('word'));
  assert.ok(
    !usesSpaces('ja') && !usesSpaces('zh') && !usesSpaces('th') && !usesSpaces('yue') && !usesSpaces('zh-TW'),
  );
  assert.ok(usesSpaces('en') && usesSpaces('ko') && usesSpaces('de') && usesSpaces(''));
});

test('one line when the text fits; balanced two lines, never top-heavy, otherwise', () => {
  const short = shapeCues(transcriptOf(wordsOf(['The child almost hurt the small dog.'])));
  assert.deepEqual(short[0]!.lines, ['The child almost hurt the small dog.']);
  const long = shapeCues(
    transcriptOf(wordsOf(['Mr. Quilter is the apostle of the middle classes and we are glad.'])),
  );
  assert.equal(long.length, 1);
  const [a, b] = long[0]!.lines;
  assert.ok(a && b, 'two lines');
  assert.ok(graphemes(a) <= graphemes(b), `bottom-heavy: "${a}" / "${b}"`);
  assert.ok(graphemes(b) - graphemes(a) <= 12, 'balanced');
});

test('line break prefers punctuation, and never leaves "the" or "of" at a line end', () => {
  const c = shapeCues(
    transcriptOf(
      wordsOf(['ask not what your country can do for you, ask what you can do for your country.']),
    ),
  );
  assert.deepEqual(c[0]!.lines, [
    'ask not what your country can do for you,',
    'ask what you can do for your country.',
  ]);
  // The most balanced break would leave "the" at the end of the top line.
  const d = shapeCues(
    transcriptOf(wordsOf(['Yesterday my brother found the keys behind the old sofa cushion'])),
  );
  assert.deepEqual(d[0]!.lines, ['Yesterday my brother found', 'the keys behind the old sofa cushion']);
});

test('cue breaks prefer sentence ends over filling lines', () => {
  // Two sentences of 36 and 38 characters spoken without a pause: 74 characters would fit one
  // cue, but the sentence end is the better break.
  const words = wordsOf(['At that high level the air is pure. A thin stripe runs down the middle.']);
  const cues = shapeCues(transcriptOf(words));
  assert.deepEqual(
    cues.map((c) => c.text),
    ['At that high level the air is pure.', 'A thin stripe runs down the middle.'],
  );
});

test('reading speed outranks sentence breaks: fast sentences share a cue rather than flash by', () => {
  // Spoken at ~21 characters per second without a pause: as two cues each would read too fast
  // (neither can stay longer, the next one follows at once); as one cue the last can linger.
  const words = wordsOf(['At that high level the air is pure. A thin stripe runs down the middle.'], {
    msPerChar: 30,
  });
  const cues = shapeCues(transcriptOf(words));
  assert.equal(cues.length, 1);
  const c = cues[0]!;
  const chars = c.lines.reduce((n, l) => n + graphemes(l), 0);
  assert.ok(chars / ((c.endMs - c.startMs) / 1000) <= 17);
  assert.deepEqual(c.lines, ['At that high level the air is pure.', 'A thin stripe runs down the middle.']);
});

test('"Mr." does not end a sentence', () => {
  const words = wordsOf(['Mr. Quilter is the apostle of the middle classes.'], { msPerChar: 40 });
  assert.equal(shapeCues(transcriptOf(words))[0]!.text, 'Mr. Quilter is the apostle of the middle classes.');
});

test('a word longer than a line gets a line of its own, unsplit', () => {
  const long = 'Pneumonoultramicroscopicsilicovolcanoconiosis-inducing';
  const words = [w(0, 300, ' It'), w(300, 600, ' is'), w(600, 2500, ' ' + long), w(2600, 3000, ' here.')];
  const cues = shapeCues(transcriptOf(words));
  const lines = cues.flatMap((c) => c.lines);
  assert.ok(lines.includes(long), JSON.stringify(lines));
  checkRules({ words, cues, rules: resolveRules(), mediaEndMs: 5000, spaced: true });
});

test('minimum duration, reading time and closing small gaps', () => {
  // "Yes." spoken in 200 ms, then silence: shown for 0.83 s.
  const yes = shapeCues(transcriptOf([w(1000, 1200, ' Yes.'), w(5000, 5400, ' No.')]));
  assert.deepEqual([yes[0]!.startMs, yes[0]!.endMs], [1000, 1830]);
  // 38 characters in 1.2 s: shown for 38 / 17 s = 2236 ms.
  const fast = shapeCues(
    transcriptOf(wordsOf(['Drop the two when you add the figures.'], { msPerChar: 10, gapMs: 0 })),
  );
  assert.equal(fast[0]!.endMs - fast[0]!.startMs, Math.ceil((38 * 1000) / 17));
  // A 300 ms gap to the next cue is closed down to the 83 ms minimum.
  const chained = shapeCues(
    transcriptOf([
      w(0, 1000, ' One'),
      w(1000, 1400, ' sentence.'),
      w(1700, 2500, ' Another'),
      w(2500, 3300, ' one.'),
    ]),
  );
  assert.equal(chained.length, 2);
  assert.equal(chained[1]!.startMs - chained[0]!.endMs, 83);
});

test('speech faster than the reading limit keeps its sync: cues reach the next one', () => {
  const words = wordsOf(
    ['This sentence is spoken very fast indeed.', 'And so is this other one right after it.'],
    {
      msPerChar: 12,
      gapMs: 0,
      pauseMs: 0,
    },
  );
  const cues = shapeCues(transcriptOf(words));
  checkRules({
    words,
    cues,
    rules: resolveRules(),
    mediaEndMs: transcriptOf(words).durationMs,
    spaced: true,
  });
  assert.equal(cues[0]!.startMs, 0);
});

test('colliding word times: each cue still gets time on screen, gaps kept', () => {
  const text =
    'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore';
  const words = text.split(' ').map((t) => w(1000, 1000, ' ' + t)); // all at the same instant
  const cues = shapeCues(transcriptOf(words), { maxLines: 1, maxCharsPerLine: 20 });
  assert.ok(cues.length > 1);
  cues.forEach((c, k) => {
    assert.ok(c.endMs - c.startMs >= Math.min(DEFAULT_RULES.minDurationMs, MIN_VISIBLE_MS));
    if (k > 0) assert.equal(c.startMs, cues[k - 1]!.endMs + 83);
  });
});

test('word texts without leading spaces are still spaced in a spaced language', () => {
  const words = ['Hello', 'there,', 'friend.'].map((t, k) => w(k * 400, k * 400 + 350, t));
  assert.equal(shapeCues(transcriptOf(words))[0]!.text, 'Hello there, friend.');
});

test('separate punctuation tokens are glued to their word, never starting a line', () => {
  const words = [
    w(0, 300, ' Hello'),
    w(300, 310, ','),
    w(400, 700, ' "world'),
    w(700, 710, '"'),
    w(710, 720, '!'),
  ];
  assert.equal(shapeCues(transcriptOf(words))[0]!.text, 'Hello, "world"!');
  const opening = [
    w(0, 300, ' He'),
    w(300, 400, ' said'),
    w(400, 410, ' ('),
    w(410, 800, 'quietly'),
    w(800, 810, ')'),
  ];
  const lines = shapeCues(transcriptOf(opening), { maxCharsPerLine: 10 }).flatMap((c) => c.lines);
  for (const l of lines) assert.ok(!/^[),]/.test(l) && !/[(]$/.test(l), JSON.stringify(lines));
});

test('segments without words: shaped on their own, times interpolated inside the segment', () => {
  const long =
    " LINNELL'S PICTURES ARE A SORT OF UP GUARDS AND AT EM PAINTINGS AND MASON'S EXQUISITE IDYLLS ARE AS" +
    " NATIONAL AS A JINGO POEM MISTER BIRKET FOSTER'S LANDSCAPES SMILE AT ONE MUCH IN THE SAME WAY";
  const t: Transcript = {
    language: 'en',
    durationMs: 30000,
    segments: [
      segment(0, 0, 11000, long),
      segment(1, 11000, 13000, ' Short one.'),
      segment(2, 14000, 15000, ''),
    ],
  };
  const cues = shapeCues(t);
  assert.ok(cues.length >= 3);
  assert.equal(cues[0]!.startMs, 0);
  const firstSeg = cues.filter((c) => c.startMs < 11000);
  assert.equal(firstSeg.map((c) => c.text).join(' '), long.trim());
  assert.ok(
    firstSeg.every((c) => c.endMs <= 11000 - 83 || c.endMs <= 11000),
    'no cue crosses the segment edge',
  );
  assert.equal(cues[cues.length - 1]!.text, 'Short one.');
  assert.equal(cues[cues.length - 1]!.startMs, 11000);
  for (const c of cues) for (const l of c.lines) assert.ok(graphemes(l) <= 42, l);
});

test('mixed: word timings where there are words, segment timing elsewhere', () => {
  const t: Transcript = {
    language: 'en',
    durationMs: 10000,
    segments: [
      segment(0, 0, 2000, ' No words here.'),
      segment(1, 3000, 4000, ' Worded one.', [w(3000, 3400, ' Worded'), w(3400, 4000, ' one.')]),
    ],
  };
  assert.deepEqual(
    shapeCues(t).map((c) => [c.startMs, c.text]),
    [
      [0, 'No words here.'],
      [3000, 'Worded one.'],
    ],
  );
});

test('Japanese: joined without spaces, counted and broken by characters, no line starting with 。', () => {
  const text =
    '客観的実在の判断的知識が成立するのである。それは、私たちが日々の生活の中で経験する事柄と深く結びついている。';
  const words = [...text].map((ch, k) => w(k * 180, k * 180 + 170, ch));
  const t: Transcript = { language: 'ja', durationMs: 30000, segments: [segment(0, 0, 0, text, words)] };
  const cues = shapeCues(t, { maxCharsPerLine: 20 });
  assert.equal(cues.map((c) => c.text).join(''), text);
  for (const c of cues) {
    assert.equal(c.lines.join(''), c.text);
    for (const l of c.lines) {
      assert.ok(charCount(l) <= 20, l);
      assert.ok(!/^[。、]/.test(l), `line starts with punctuation: ${l}`);
    }
  }
  assert.deepEqual(
    cues.map((c) => c.text),
    [
      '客観的実在の判断的知識が成立するのである。',
      'それは、私たちが日々の生活の中で経験する事柄と深く結びついている。',
    ],
  );
  checkRules({ words, cues, rules: resolveRules({ maxCharsPerLine: 20 }), mediaEndMs: 30000, spaced: false });
});

test('Chinese and Thai segments without words are split by characters, not at random spaces', () => {
  const zh = '我们的研究表明这种方法在各种条件下都非常有效而且计算成本也很低所以值得推广使用';
  const cues = shapeCues(
    { language: 'zh', durationMs: 9000, segments: [segment(0, 0, 8000, zh)] },
    { maxCharsPerLine: 14 },
  );
  assert.equal(cues.map((c) => c.text).join(''), zh);
  for (const c of cues) for (const l of c.lines) assert.ok(charCount(l) <= 14, l);
  const th = 'ภาษาไทยเป็นภาษาที่ไม่มีการเว้นวรรคระหว่างคำแต่มีการเว้นวรรคระหว่างประโยค';
  const thCues = shapeCues(
    { language: 'th', durationMs: 9000, segments: [segment(0, 0, 8000, th)] },
    { maxCharsPerLine: 20 },
  );
  assert.equal(thCues.map((c) => c.text).join(''), th);
  for (const c of thCues) for (const l of c.lines) assert.ok(charCount(l) <= 20, l);
});

test('empty input gives no cues', () => {
  assert.deepEqual(shapeCues({ language: 'en', durationMs: 0, segments: [] }), []);
  assert.deepEqual(
    shapeCues({ language: 'en', durationMs: 0, segments: [segment(0, 0, 1, '  ', [w(0, 1, ' ')])] }),
    [],
  );
});
