/** Word error rate: the word alignment's counts, corpus weighting, normalization. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BasicTextNormalizer, alignWords, wordErrorRate } from '../../../app/eval/index.ts';
import { SlimError } from '../../../models/errors.ts';

const words = (s: string): string[] => s.split(' ').filter(Boolean);

test('alignment counts: substitution, deletion, insertion, hits', () => {
  assert.deepEqual(alignWords(words('a b c'), words('a x c')), {
    hits: 2,
    substitutions: 1,
    deletions: 0,
    insertions: 0,
    referenceWords: 3,
    hypothesisWords: 3,
  });
  const del = alignWords(words('a b c d'), words('a c d'));
  assert.equal(del.deletions, 1);
  assert.equal(del.substitutions + del.insertions, 0);
  const ins = alignWords(words('a b'), words('x a b y'));
  assert.equal(ins.insertions, 2);
  assert.equal(ins.substitutions + ins.deletions, 0);
  // a shift costs a deletion and an insertion (2), not three substitutions
  const shift = alignWords(words('b c d'), words('c d b'));
  assert.equal(shift.substitutions + shift.deletions + shift.insertions, 2);
  assert.deepEqual(alignWords([], words('a b')), {
    hits: 0,
    substitutions: 0,
    deletions: 0,
    insertions: 2,
    referenceWords: 0,
    hypothesisWords: 2,
  });
});

test('alignment: the counts add up and the total is the edit distance (random sequences)', () => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  // Wagner–Fischer on words, written independently, for the total
  const distance = (a: string[], b: string[]): number => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++)
        next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length]!;
  };
  for (let k = 0; k < 200; k++) {
    const ref = Array.from({ length: rand(9) }, () => 'abcd'[rand(4)]!);
    const hyp = Array.from({ length: rand(9) }, () => 'abcd'[rand(4)]!);
    const c = alignWords(ref, hyp);
    assert.equal(c.hits + c.substitutions + c.deletions, ref.length);
    assert.equal(c.hits + c.substitutions + c.insertions, hyp.length);
    assert.equal(c.substitutions + c.deletions + c.insertions, distance(ref, hyp), `${ref} | ${hyp}`);
  }
});

test('corpus WER weighs utterances by their reference words; texts are normalized first', () => {
  const r = wordErrorRate([
    { reference: 'Mr. Quilter is the apostle.', hypothesis: 'mister quilter is an apostle' },
    { reference: 'Twenty five dollars', hypothesis: '$25' },
    { reference: 'Colour', hypothesis: 'color, color' },
  ]);
  // mister quilter is the apostle | mister quilter is an apostle: 1 S of 5; $25 | $25: 0 of 1;
  // color | color color: 1 I of 1
  assert.equal(r.referenceWords, 7);
  assert.equal(r.substitutions, 1);
  assert.equal(r.insertions, 1);
  assert.equal(r.deletions, 0);
  assert.equal(r.wer, 2 / 7);
  assert.deepEqual(
    r.utterances.map((u) => u.wer),
    [1 / 5, 0, 1],
  );
  assert.deepEqual(r.utterances[1]!.reference, ['$25']);
});

test('WER with another normalizer, empty references', () => {
  const basic = new BasicTextNormalizer();
  const r = wordErrorRate([{ reference: 'Eaux et forêts.', hypothesis: 'eaux et forets' }], {
    normalize: (s) => basic.normalize(s),
  });
  assert.equal(r.wer, 1 / 3);
  const empty = wordErrorRate([
    { reference: 'red blue', hypothesis: 'red blue' },
    { reference: '', hypothesis: 'uh hello' },
  ]);
  // "uh" is a filler; "hello" is an insertion against an empty reference
  assert.equal(empty.utterances[1]!.wer, Infinity);
  assert.equal(empty.wer, 1 / 2);
  assert.throws(
    () => wordErrorRate([{ reference: '[music]', hypothesis: 'la' }]),
    (e: unknown) => e instanceof SlimError && e.code === 'INVALID_ARGUMENT',
  );
});
