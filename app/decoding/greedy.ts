/**
 * Greedy decoding at temperature 0 and sampling at T > 0 (decoding.py GreedyDecoder): a finished
 * sequence keeps receiving <|endoftext|>, which adds nothing to its log-probability.
 */
import { argmax, logSoftmax } from './math.ts';
import { sampleCategorical, type SeededRandom } from './rng.ts';
import type { Candidates, SelectorUpdate, TokenSelector } from './selector.ts';

export class GreedySelector implements TokenSelector {
  constructor(
    private readonly temperature: number,
    private readonly eot: number,
    private readonly rng: SeededRandom,
  ) {}

  update(
    seqs: readonly number[][],
    sumLogProbs: readonly number[],
    logits: readonly Float32Array[],
  ): SelectorUpdate {
    const nextSeqs: number[][] = [];
    const sums: number[] = [];
    seqs.forEach((seq, i) => {
      const row = logits[i]!;
      const finished = seq[seq.length - 1] === this.eot;
      const token = this.pick(row);
      // decoding.py adds the chosen token's log-prob unless the sequence had already ended.
      sums.push(sumLogProbs[i]! + (finished ? 0 : logSoftmax(row)[token]!));
      nextSeqs.push([...seq, finished ? this.eot : token]);
    });
    const completed = nextSeqs.every((s) => s[s.length - 1] === this.eot);
    return { seqs: nextSeqs, sumLogProbs: sums, source: null, completed };
  }

  finalize(seqs: readonly number[][], sumLogProbs: readonly number[]): Candidates {
    return { seqs: seqs.map((s) => [...s, this.eot]), sumLogProbs: [...sumLogProbs] };
  }

  private pick(row: Float32Array): number {
    return this.temperature === 0 ? argmax(row) : sampleCategorical(row, this.temperature, this.rng);
  }
}
