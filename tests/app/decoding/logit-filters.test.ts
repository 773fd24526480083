import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApplyTimestampRules,
  buildLogitFilters,
  SuppressBlank,
  SuppressTokens,
  suppressTokenIds,
} from '../../../app/decoding/logit-filters.ts';
import { allowedIds, maskedIds, range, row, tok, V } from './helpers.ts';

const tb = tok.timestampBegin;
const eot = tok.eot;
const SOT = [tok.sot, tok.languageToken('en'), tok.transcribe];
const ts = (i: number): number => tb + i;

/** Text logits high enough that the probability rule stays out of the way unless asked. */
function applyRules(seq: number[], textLogit = 20, maxInitial: number | null = 50): Float32Array {
  const r = row(0);
  r.fill(textLogit, 0, tb);
  new ApplyTimestampRules(tok, SOT.length, maxInitial).apply([r], [[...SOT, ...seq]]);
  return r;
}

test('SuppressBlank: space and EOT masked only at the first sampled position', () => {
  const f = new SuppressBlank(tok, 3);
  const [a, b] = [row(), row()];
  f.apply([a, b], [SOT, [...SOT, 100]]);
  assert.deepEqual(
    maskedIds(a),
    [...tok.encode(' '), eot].sort((x, y) => x - y),
  );
  assert.deepEqual(maskedIds(b), []);
});

test("suppressTokenIds: '-1' is the non-speech set plus the task specials and <|nospeech|>", () => {
  const specials = [tok.transcribe, tok.translate, tok.sot, tok.sotPrev, tok.sotLm, tok.noSpeech];
  const ids = suppressTokenIds(tok, '-1');
  assert.deepEqual(
    ids,
    [...new Set([...tok.nonSpeechTokens(), ...specials])].sort((a, b) => a - b),
  );
  assert.deepEqual(
    suppressTokenIds(tok, '5,7'),
    [5, 7, ...specials].sort((a, b) => a - b),
  );
  assert.deepEqual(
    suppressTokenIds(tok, [-1, 9]),
    [...new Set([9, ...tok.nonSpeechTokens(), ...specials])].sort((a, b) => a - b),
  );
  assert.throws(() => suppressTokenIds(tok, 'x'), /not a token id/);
  const r = row();
  new SuppressTokens([5, 7]).apply([r]);
  assert.deepEqual(maskedIds(r), [5, 7]);
});

test("buildLogitFilters: '' suppresses nothing (not even the specials), as decoding.py's truthiness test", () => {
  const filters = buildLogitFilters(tok, {
    sampleBegin: 3,
    suppressBlank: false,
    suppressTokens: '',
    withoutTimestamps: true,
    maxInitialTimestamp: 1,
  });
  assert.equal(filters.length, 0);
  const all = buildLogitFilters(tok, {
    sampleBegin: 3,
    suppressBlank: true,
    suppressTokens: '-1',
    withoutTimestamps: false,
    maxInitialTimestamp: 1,
  });
  assert.deepEqual(
    all.map((f) => f.constructor.name),
    ['SuppressBlank', 'SuppressTokens', 'ApplyTimestampRules'],
  );
});

test('timestamps: the first token is a timestamp within max_initial_timestamp (1 s = index 50)', () => {
  assert.deepEqual(allowedIds(applyRules([])), range(tb, tb + 51));
  // 0 or null: no limit (decoding.py tests the option for truthiness)
  assert.deepEqual(allowedIds(applyRules([], 20, null)), range(tb, V));
  const f = buildLogitFilters(tok, {
    sampleBegin: 3,
    suppressBlank: false,
    suppressTokens: '',
    withoutTimestamps: false,
    maxInitialTimestamp: 0.5,
  });
  const r = row();
  f[0]!.apply([r], [SOT]);
  assert.deepEqual(allowedIds(r), range(tb, tb + 26));
});

test('timestamps: <|notimestamps|> is always masked', () => {
  assert.equal(applyRules([ts(0), 100])[tok.noTimestamps], -Infinity);
});

test('timestamps: a lone opening timestamp must be followed by text', () => {
  const r = applyRules([ts(10)]);
  // penultimate counts as a timestamp at the start, so no timestamp may follow
  assert.deepEqual(
    allowedIds(r).filter((i) => i >= tb),
    [],
  );
  assert.notEqual(r[100], -Infinity);
  assert.notEqual(r[eot], -Infinity);
});

test('timestamps: after text then a timestamp, only a timestamp ≥ it or EOT', () => {
  const r = applyRules([ts(0), 100, 101, ts(40)]);
  assert.deepEqual(allowedIds(r), [
    ...range(eot, tb).filter((i) => i !== tok.noTimestamps),
    ...range(ts(40), V),
  ]);
  assert.equal(r[100], -Infinity);
  assert.notEqual(r[ts(40)], -Infinity); // the closing timestamp may repeat as the next opening
  assert.equal(r[ts(39)], -Infinity);
});

test('timestamps: after a timestamp pair, text must follow', () => {
  const r = applyRules([ts(0), 100, ts(40), ts(40)]);
  assert.deepEqual(
    allowedIds(r).filter((i) => i >= tb),
    [],
  );
  assert.notEqual(r[100], -Infinity);
});

test('timestamps: inside text, timestamps must be strictly later than the opening one', () => {
  const r = applyRules([ts(0), 100, ts(40), ts(40), 101]);
  assert.equal(r[ts(40)], -Infinity);
  assert.notEqual(r[ts(41)], -Infinity);
  assert.notEqual(r[102], -Infinity);
});

test('timestamps: Σ p(timestamps) > max p(text) forces a timestamp', () => {
  const seq = [ts(0), 100];
  // Text token 101 logit 2; 10 timestamps at logit 0 → logsumexp = ln 10 ≈ 2.303 > 2.
  const r = row(-Infinity);
  r[101] = 2;
  for (let i = 5; i < 15; i++) r[ts(i)] = 0;
  new ApplyTimestampRules(tok, SOT.length, 50).apply([r], [[...SOT, ...seq]]);
  assert.equal(r[101], -Infinity);
  // at logit 2.4 the text token wins over the sum (ln 10 < 2.4): nothing forced
  const r2 = row(-Infinity);
  r2[101] = 2.4;
  for (let i = 5; i < 15; i++) r2[ts(i)] = 0;
  new ApplyTimestampRules(tok, SOT.length, 50).apply([r2], [[...SOT, ...seq]]);
  assert.equal(r2[101], Math.fround(2.4));
});

test('timestamps: with flat logits the timestamps outweigh any text token: text (and EOT) masked', () => {
  const r = applyRules([ts(0), 100, 101, ts(40)], 0);
  assert.deepEqual(allowedIds(r), range(ts(40), V));
});

test('timestamps: every sequence of a batch gets its own rules', () => {
  const a = row().fill(20, 0, tb);
  const b = row().fill(20, 0, tb);
  new ApplyTimestampRules(tok, 3, 50).apply([a, b], [SOT, [...SOT, ts(3), 100, ts(9)]]);
  assert.deepEqual(allowedIds(a), range(tb, tb + 51));
  assert.equal(b[100], -Infinity);
  assert.notEqual(b[ts(9)], -Infinity);
});
