/**
 * Word error rate as Whisper's papers report it: texts normalized (Whisper's English normalizer
 * by default), split into words, aligned by word-level edit distance; corpus WER = all edits
 * (substitutions + deletions + insertions) over all reference words, so long utterances weigh
 * more than short ones (jiwer's WER over a list of pairs).
 *
 * The alignment is a plain dynamic program over word arrays. The npm Levenshtein packages
 * measure strings character by character and return a distance only; WER needs words as the
 * units and the split into substitutions, deletions and insertions, which the backtrace gives.
 */
import { SlimError } from '../../models/errors.ts';
import { normalizeEnglish } from './normalizer/english.ts';
import { pySplit } from './normalizer/python-re.ts';

export interface WerPair {
  reference: string;
  hypothesis: string;
}

export interface EditCounts {
  /** Reference words the hypothesis has right (aligned and equal). */
  hits: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  referenceWords: number;
  hypothesisWords: number;
}

export interface UtteranceErrors extends EditCounts {
  /** The normalized words that were aligned. */
  reference: string[];
  hypothesis: string[];
  /** (S + D + I) / reference words; Infinity for insertions against an empty reference. */
  wer: number;
}

export interface WerResult extends EditCounts {
  /** Corpus WER: (S + D + I) / reference words over all pairs. */
  wer: number;
  utterances: UtteranceErrors[];
}

export interface WerOptions {
  /** Applied to reference and hypothesis before splitting into words (default: normalizeEnglish). */
  normalize?: (text: string) => string;
}

/**
 * The edit counts of the cheapest alignment of `hypothesis` to `reference`, all edits costing 1.
 * Among alignments of equal cost the backtrace prefers a match or substitution, then a deletion,
 * then an insertion (the total is the same whichever; only the split between kinds can differ).
 */
export function alignWords(reference: readonly string[], hypothesis: readonly string[]): EditCounts {
  const n = reference.length;
  const m = hypothesis.length;
  const w = m + 1;
  // cost[i·w + j]: edits turning reference[0, i) into hypothesis[0, j)
  const cost = new Uint32Array((n + 1) * w);
  for (let j = 0; j <= m; j++) cost[j] = j;
  for (let i = 1; i <= n; i++) {
    cost[i * w] = i;
    for (let j = 1; j <= m; j++) {
      const diagonal = cost[(i - 1) * w + j - 1]! + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1);
      cost[i * w + j] = Math.min(diagonal, cost[(i - 1) * w + j]! + 1, cost[i * w + j - 1]! + 1);
    }
  }
  const counts: EditCounts = {
    hits: 0,
    substitutions: 0,
    deletions: 0,
    insertions: 0,
    referenceWords: n,
    hypothesisWords: m,
  };
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const here = cost[i * w + j]!;
    if (i > 0 && j > 0) {
      const same = reference[i - 1] === hypothesis[j - 1];
      if (here === cost[(i - 1) * w + j - 1]! + (same ? 0 : 1)) {
        if (same) counts.hits++;
        else counts.substitutions++;
        i--;
        j--;
        continue;
      }
    }
    if (i > 0 && here === cost[(i - 1) * w + j]! + 1) {
      counts.deletions++;
      i--;
    } else {
      counts.insertions++;
      j--;
    }
  }
  return counts;
}

function rate(c: EditCounts): number {
  const edits = c.substitutions + c.deletions + c.insertions;
  if (c.referenceWords === 0) return edits === 0 ? 0 : Infinity;
  return edits / c.referenceWords;
}

/** Corpus word error rate over `pairs`, with per-utterance counts. */
export function wordErrorRate(pairs: readonly WerPair[], opts: WerOptions = {}): WerResult {
  const normalize = opts.normalize ?? normalizeEnglish;
  const utterances = pairs.map((p): UtteranceErrors => {
    const reference = pySplit(normalize(p.reference));
    const hypothesis = pySplit(normalize(p.hypothesis));
    const c = alignWords(reference, hypothesis);
    return { ...c, reference, hypothesis, wer: rate(c) };
  });
  const total: EditCounts = {
    hits: 0,
    substitutions: 0,
    deletions: 0,
    insertions: 0,
    referenceWords: 0,
    hypothesisWords: 0,
  };
  for (const u of utterances) for (const k of Object.keys(total) as Array<keyof EditCounts>) total[k] += u[k];
  if (total.referenceWords === 0)
    throw new SlimError('INVALID_ARGUMENT', 'word error rate needs at least one reference word');
  return { ...total, wer: rate(total), utterances };
}
