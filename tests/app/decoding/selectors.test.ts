import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GreedySelector } from '../../../app/decoding/greedy.ts';
import { logSoftmax, topK, roundHalfEven, pyTail } from '../../../app/decoding/math.ts';
import { rankCandidates } from '../../../app/decoding/ranker.ts';
import { SeededRandom, sampleCategorical } from '../../../app/decoding/rng.ts';

const EOT = 9;

test('greedy (T = 0): argmax, first index on ties; a finished sequence keeps EOT at no cost', () => {
  const g = new GreedySelector(0, EOT, new SeededRandom(1));
  const a = Float32Array.from([0, 3, 3, 1, 0, 0, 0, 0, 0, 2]);
  const b = Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
  const u = g.update([[1], [1, EOT]], [-1, -2], [a, b]);
  assert.deepEqual(u.seqs, [
    [1, 1],
    [1, EOT, EOT],
  ]);
  assert.ok(Math.abs(u.sumLogProbs[0]! - (-1 + logSoftmax(a)[1]!)) < 1e-12);
  assert.equal(u.sumLogProbs[1], -2);
  assert.equal(u.completed, false);
  assert.equal(u.source, null);
  const v = g.update(u.seqs, u.sumLogProbs, [b, b]);
  assert.equal(v.completed, true);
  const f = g.finalize(v.seqs, v.sumLogProbs);
  assert.deepEqual(f.seqs[0], [1, 1, EOT, EOT]);
});

test('sampling (T > 0): reproducible from the seed, distributed as softmax(logits / T)', () => {
  const logits = Float32Array.from([0, 1, 2, -Infinity]);
  const draw = (seed: number, n: number): number[] => {
    const rng = new SeededRandom(seed);
    return Array.from({ length: n }, () => sampleCategorical(logits, 0.5, rng));
  };
  assert.deepEqual(draw(7, 50), draw(7, 50));
  assert.notDeepEqual(draw(7, 50), draw(8, 50));
  const n = 40000;
  const counts = [0, 0, 0, 0];
  for (const t of draw(3, n)) counts[t]!++;
  const z = 1 + Math.exp(2) + Math.exp(4);
  [1 / z, Math.exp(2) / z, Math.exp(4) / z, 0].forEach((p, i) =>
    assert.ok(Math.abs(counts[i]! / n - p) < 0.01, `${i}`),
  );
});

test('ranker: sum log-prob / length, or / ((5 + n) / 6)^α (MaximumLikelihoodRanker)', () => {
  assert.equal(rankCandidates([2, 4], [-2, -3], null), 1); // -1 vs -0.75
  assert.equal(rankCandidates([2, 4], [-2, -3], 1), 0); // -1.714 vs -2
  assert.equal(rankCandidates([3, 3], [-1, -1], null), 0); // ties: the first
});

test('math helpers: topK order and ties, Python round and list tails', () => {
  assert.deepEqual(topK([1, 5, 5, 3, -Infinity], 3), [1, 2, 3]);
  assert.deepEqual(topK([2, 1], 3), [0, 1]);
  assert.deepEqual([0.5, 1.5, 2.5, 2.6, -0.5].map(roundHalfEven), [0, 2, 2, 3, -0]);
  assert.deepEqual(pyTail([1, 2, 3], 2), [2, 3]);
  assert.deepEqual(pyTail([1, 2, 3], 0), [1, 2, 3]);
  assert.deepEqual(pyTail([1, 2, 3], 5), [1, 2, 3]);
});
