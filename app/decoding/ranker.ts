/**
 * decoding.py MaximumLikelihoodRanker: the candidate with the best sum of log-probabilities
 * divided by a length penalty — its length (null), or Google NMT's ((5 + n) / 6)^α.
 */
export function rankCandidates(
  lengths: readonly number[],
  sumLogProbs: readonly number[],
  lengthPenalty: number | null,
): number {
  let best = 0;
  let bestScore = -Infinity;
  lengths.forEach((n, i) => {
    const penalty = lengthPenalty === null ? n : ((5 + n) / 6) ** lengthPenalty;
    const score = sumLogProbs[i]! / penalty;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}
