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
  a.trimmed(600); // the cut after "two" (its words end at 250 and 550)
  assert.equal(words(a.scrolledAway), 'one two');
  assert.equal(words(a.committedInBuffer), 'three four');
  // The next hypothesis covers the buffer from the cut on: it restates "three four" only.
  const s = a.insert(hyp('three four five six', 600));
  assert.equal(words(s.confirmed), 'five');
  assert.equal(words(a.confirmed), 'one two three four five');
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
