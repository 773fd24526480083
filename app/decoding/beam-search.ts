/**
 * Beam search over one audio window (decoding.py BeamSearchDecoder): each beam proposes its
 * beam+1 best continuations, the best beam-size unfinished ones continue, finished ones are
 * collected until round(beam × patience) are in. Identical candidates collapse into one, as
 * Python's dict keyed by the token tuple does (the first step starts from beam copies).
 */
import { logSoftmax, topK } from './math.ts';
import type { Candidates, SelectorUpdate, TokenSelector } from './selector.ts';

interface Candidate {
  seq: number[];
  score: number;
  source: number;
}

export class BeamSearchSelector implements TokenSelector {
  private readonly maxCandidates: number;
  /** Finished sequences in the order they were collected (insertion order matters for ranking ties). */
  private readonly finished = new Map<string, { seq: number[]; score: number }>();

  constructor(
    private readonly beamSize: number,
    private readonly eot: number,
    patience = 1,
  ) {
    this.maxCandidates = Math.round(beamSize * patience);
    if (this.maxCandidates <= 0) throw new RangeError(`beam search needs beam × patience ≥ 1`);
  }

  update(
    seqs: readonly number[][],
    sumLogProbs: readonly number[],
    logits: readonly Float32Array[],
  ): SelectorUpdate {
    const ranked = this.candidates(seqs, sumLogProbs, logits);
    const next: Candidate[] = [];
    const newlyFinished: Candidate[] = [];
    for (const c of ranked) {
      if (c.seq[c.seq.length - 1] === this.eot) newlyFinished.push(c);
      else {
        next.push(c);
        if (next.length === this.beamSize) break;
      }
    }
    for (const c of newlyFinished) {
      if (this.finished.size >= this.maxCandidates) break;
      this.finished.set(c.seq.join(','), { seq: c.seq, score: c.score });
    }
    return {
      seqs: next.map((c) => c.seq),
      sumLogProbs: next.map((c) => c.score),
      source: next.map((c) => c.source),
      completed: this.finished.size >= this.maxCandidates,
    };
  }

  /** Every beam's beam+1 best continuations, best first (stable: insertion order on ties). */
  private candidates(
    seqs: readonly number[][],
    sumLogProbs: readonly number[],
    logits: readonly Float32Array[],
  ): Candidate[] {
    const byKey = new Map<string, Candidate>();
    seqs.forEach((seq, j) => {
      const lp = logSoftmax(logits[j]!);
      for (const token of topK(lp, this.beamSize + 1)) {
        const next = [...seq, token];
        const key = next.join(',');
        const c = { seq: next, score: sumLogProbs[j]! + lp[token]!, source: j };
        const seen = byKey.get(key);
        // A Python dict keeps the first insertion's place and takes the last value.
        if (seen) Object.assign(seen, { score: c.score, source: j });
        else byKey.set(key, c);
      }
    });
    return [...byKey.values()].sort((a, b) => b.score - a.score);
  }

  /** Tops up with the live beams (plus <|endoftext|>) when fewer than beam-size finished. */
  finalize(seqs: readonly number[][], sumLogProbs: readonly number[]): Candidates {
    const out = new Map(this.finished);
    if (out.size < this.beamSize) {
      const order = [...sumLogProbs.keys()].sort((a, b) => sumLogProbs[b]! - sumLogProbs[a]!);
      for (const j of order) {
        const seq = [...seqs[j]!, this.eot];
        out.set(seq.join(','), { seq, score: sumLogProbs[j]! });
        if (out.size >= this.beamSize) break;
      }
    }
    const values = [...out.values()];
    return { seqs: values.map((v) => v.seq), sumLogProbs: values.map((v) => v.score) };
  }
}
