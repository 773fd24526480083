import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalAgreement, restatedLength, wordKey } from '../../../app/live/agreement.ts';
import type { LiveWord } from '../../../app/live/types.ts';

/** " a b c" → words 300 ms apart from `startMs` (times do not matter to the policy, only order). */
function hyp(text: string, startMs = 0): LiveWord[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w, i) => ({ text: ' ' + w, startMs: startMs + 300 * i, endMs: startMs + 300 * i + 250 }));
}

const words = (ws: readonly LiveWord[]): string => ws.map((w) => w.text.trim()).join(' ');

test('a word is confirmed once two passes in a row agree on it and everything before it', () => {
  const a = new LocalAgreement();
  assert.deepEqual(a.insert(hyp('and so')).confirmed, []);
  let s = a.insert(hyp('and so my fellow'));
  assert.equal(words(s.confirmed), 'and so');
  assert.equal(words(s.tentative), 'my fellow');
  s = a.insert(hyp('and so my fellow Americans ask'));
  assert.equal(words(s.confirmed), 'my fellow');
  assert.equal(words(s.tentative), 'Americans ask');
  assert.equal(words(a.confirmed), 'and so my fellow');
});

test('a flickering tail is held back until it settles', () => {
  const a = new LocalAgreement();
  a.insert(hyp('ask not what you are'));
  let s = a.insert(hyp('ask not what your country'));
  assert.equal(words(s.confirmed), 'ask not what');
  assert.equal(words(s.tentative), 'your country');
  s = a.insert(hyp('ask not what your count we'));
  assert.equal(words(s.confirmed), 'your');
  s = a.insert(hyp('ask not what your country can do'));
  assert.deepEqual(s.confirmed, []); // "count" vs "country": no agreement yet
  s = a.insert(hyp('ask not what your country can do for you'));
  assert.equal(words(s.confirmed), 'country can do');
  assert.equal(words(a.confirmed), 'ask not what your country can do');
});

test('confirmed words are never rewritten, whatever later passes make of their audio', () => {
  const a = new LocalAgreement();
  a.insert(hyp('And so my fellow Americans,'));
  a.insert(hyp('And so my fellow Americans, ask'));
  const before = a.confirmed.map((w) => ({ ...w }));
  assert.equal(words(before), 'And so my fellow Americans,');
  // The buffer still holds that audio: the next pass restates it, worded differently.
  const s = a.insert(hyp('and so my fellow American ask not'));
  assert.equal(words(s.confirmed), 'ask');
  assert.deepEqual(a.confirmed.slice(0, before.length), before);
  assert.equal(words(a.confirmed), 'And so my fellow Americans, ask');
});

test('case and punctuation do not block agreement; the newer wording is the one kept', () => {
  assert.equal(wordKey(' Americans,'), wordKey('americans'));
  assert.notEqual(wordKey(' country'), wordKey(' count'));
  const a = new LocalAgreement();
  a.insert(hyp('ask what you can do for your country'));
  const s = a.insert(hyp('Ask what you can do for your country.'));
  assert.equal(words(s.confirmed), 'Ask what you can do for your country.');
});

test('a restated prefix that drops or adds a word is still lined up, so nothing repeats', () => {
  const committed = hyp('and so my fellow');
  assert.equal(restatedLength(committed, hyp('and so my fellow Americans')), 4);
  assert.equal(restatedLength(committed, hyp('so my fellow Americans')), 3); // first word dropped
  assert.equal(restatedLength(committed, hyp('and so uh my fellow Americans')), 5); // a word added
  assert.equal(restatedLength(committed, hyp('and so my')), 3); // the pass ended early
  assert.equal(restatedLength([], hyp('and so')), 0);
  const a = new LocalAgreement();
  a.insert(hyp('and so my fellow'));
  a.insert(hyp('and so my fellow Americans'));
  a.insert(hyp('so my fellow Americans ask'));
  const s = a.insert(hyp('so my fellow Americans ask not'));
  assert.equal(words(a.confirmed), 'and so my fellow Americans ask');
  assert.equal(words(s.tentative), 'not');
});

test('after the buffer is cut, words that left it are no longer expected in hypotheses', () => {
  const a = new LocalAgreement();
  a.insert(hyp('one two three four'));
  a.insert(hyp('one two three four five'));
  assert.equal(words(a.committedInBuffer), 'one two three four');
  a.scrolled(2); // cut at the end of the hypothesis' segment "one two"
  assert.equal(words(a.scrolledAway), 'one two');
  assert.equal(words(a.committedInBuffer), 'three four');
  // The next hypothesis covers the buffer from the cut on: it restates "three four" only.
  let s = a.insert(hyp('three four five six', 600));
  assert.equal(words(s.confirmed), 'five');
  assert.equal(words(a.confirmed), 'one two three four five');
  // A cut after "three four five": the two restated words and the one confirmed leave.
  a.scrolled(3);
  assert.equal(words(a.committedInBuffer), '');
  s = a.insert(hyp('six seven', 2000));
  assert.equal(words(s.confirmed), 'six');
});

test('the cut counts words, not their estimated times', () => {
  const a = new LocalAgreement();
  // Times as a segment-wide estimate may place them: all four squeezed into the first 400 ms.
  const squeezed = (t: string): LiveWord[] =>
    hyp(t).map((w, i) => ({ ...w, startMs: 100 * i, endMs: 100 * i + 90 }));
  a.insert(squeezed('ask what you can'));
  a.insert(squeezed('ask what you can do for'));
  a.scrolled(2); // the segment "ask what" ended
  assert.equal(words(a.committedInBuffer), 'you can');
  const s = a.insert(hyp('you can do for your country', 5000));
  assert.equal(words(s.confirmed), 'do for');
  assert.equal(words(a.confirmed), 'ask what you can do for');
});

test('a silent stretch cut by time drops the confirmed words centred before it', () => {
  const a = new LocalAgreement();
  a.insert(hyp('one two three'));
  a.insert(hyp('one two three four'));
  a.trimmed(600); // words end at 250, 550, 850: "one two" are centred before 600
  assert.equal(words(a.scrolledAway), 'one two');
});

test('a full buffer confirms the tail it must let go, once', () => {
  const a = new LocalAgreement();
  a.insert(hyp('and so my'));
  a.insert(hyp('and so I fellow Americans'));
  assert.equal(words(a.confirmed), 'and so');
  assert.equal(words(a.tentative), 'I fellow Americans');
  assert.equal(words(a.confirmTentative(2)), 'I fellow');
  assert.equal(words(a.tentative), 'Americans');
  // The next pass restates them like any confirmed words: nothing is shown twice.
  const s = a.insert(hyp('and so I fellow Americans ask'));
  assert.deepEqual(
    s.confirmed.map((w) => w.text.trim()),
    ['Americans'],
  );
  assert.equal(words(a.confirmed), 'and so I fellow Americans');
});

test('flush confirms the last tail as it stands', () => {
  const a = new LocalAgreement();
  a.insert(hyp('the child almost'));
  a.insert(hyp('the child almost hurt the'));
  const s = a.flush();
  assert.equal(words(s.confirmed), 'hurt the');
  assert.deepEqual(s.tentative, []);
  assert.equal(words(a.confirmed), 'the child almost hurt the');
});

test('on random hypothesis sequences, confirmed text only grows and ends equal to the truth', () => {
  const vocab = ['a', 'b', 'c', 'd'];
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let trial = 0; trial < 200; trial++) {
    const a = new LocalAgreement();
    const truth = Array.from({ length: 12 }, () => vocab[rand(4)]!);
    let seen: LiveWord[] = [];
    for (let len = 1; len <= truth.length; len++) {
      // The true prefix with a noisy last word or two, as Whisper's tail flickers (a misheard word
      // differs from pass to pass, so two passes never agree on one).
      const h = truth.slice(0, len).map((w, i) => (i >= len - 2 && rand(3) === 0 ? `x${len}${i}` : w));
      const s = a.insert(hyp(h.join(' ')));
      assert.deepEqual(a.confirmed.slice(0, seen.length), seen);
      assert.equal(a.confirmed.length, seen.length + s.confirmed.length);
      seen = [...a.confirmed];
    }
    a.insert(hyp(truth.join(' ')));
    a.insert(hyp(truth.join(' ')));
    a.flush();
    // Every word once, none of the noise: the confirmed text is the truth.
    assert.equal(words(a.confirmed), truth.join(' '), `trial ${trial}`);
  }
});
