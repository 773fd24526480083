/**
 * Word timings of one window from the cross-attention of the alignment heads
 * (openai/whisper timing.py find_alignment): a teacher-forced pass over
 * [start sequence, <|notimestamps|>, text tokens, <|endoftext|>], each head's attention over the
 * window's audio frames normalised per frame across tokens, median-filtered along time, averaged
 * over heads, then DTW from tokens to 20 ms audio positions.
 */
import type { AlignResult } from '../../../kernels/decoder/types.ts';
import type { WhisperTokenizer } from '../../../models/tokenizer/tokenizer.ts';
import { logSumExp } from '../../decoding/math.ts';
import { dtw } from './dtw.ts';
import { medianFilterRows } from './median.ts';

/** Audio positions per second of the encoder output (TOKENS_PER_SECOND). */
const POSITIONS_PER_SECOND = 50;
const MEDIAN_WIDTH = 7;

export interface WordAlignment {
  word: string;
  tokens: number[];
  /** Seconds from the start of the window. */
  start: number;
  end: number;
  probability: number;
}

/** Runs the teacher-forced pass: returns every position's logits and the heads' weights. */
export type AlignPass = (tokens: number[]) => Promise<AlignResult>;

export interface FindAlignmentInput {
  tokenizer: WhisperTokenizer;
  /** The start sequence the window was decoded with ([sot, language, task] or [sot]). */
  sotSequence: readonly number[];
  textTokens: readonly number[];
  /** Frames of audio in the window (segment_size): attention past them is ignored. */
  numFrames: number;
  nHeads: number;
  nAudioCtx: number;
  language: string;
}

export async function findAlignment(input: FindAlignmentInput, pass: AlignPass): Promise<WordAlignment[]> {
  const { tokenizer, sotSequence, textTokens } = input;
  if (textTokens.length === 0) return [];
  const tokens = [...sotSequence, tokenizer.noTimestamps, ...textTokens, tokenizer.eot];
  const r = await pass(tokens);
  const probs = textTokenProbs(
    r.logits,
    sotSequence.length,
    textTokens,
    tokenizer.eot,
    r.logits.length / tokens.length,
  );
  const matrix = alignmentMatrix(r.crossWeights, input, tokens.length);
  const rows = textTokens.length + 1; // <|notimestamps|> … last text token: each predicts the next
  const frames = Math.floor(input.numFrames / 2);
  const cost = new Float64Array(rows * frames);
  for (let i = 0; i < rows * frames; i++) cost[i] = -matrix[sotSequence.length * frames + i]!;
  const path = dtw(cost, rows, frames);
  return wordTimings(tokenizer, input.language, textTokens, probs, path);
}

/** P(token i) from the logits at the position before it, over the text vocabulary only. */
function textTokenProbs(
  logits: Float32Array,
  sotLength: number,
  textTokens: readonly number[],
  eot: number,
  nVocab: number,
): number[] {
  return textTokens.map((t, i) => {
    const row = logits.subarray((sotLength + i) * nVocab, (sotLength + i) * nVocab + eot);
    return Math.exp(row[t]! - logSumExp(row));
  });
}

/**
 * [tokens, frames]: per head, the attention renormalised over the window's frames (a softmax of
 * the scores there), standardised across tokens, median-filtered in time; then the head mean.
 */
function alignmentMatrix(weights: Float32Array, input: FindAlignmentInput, n: number): Float64Array {
  const frames = Math.floor(input.numFrames / 2);
  const A = input.nAudioCtx;
  const out = new Float64Array(n * frames);
  for (let h = 0; h < input.nHeads; h++) {
    const w = new Float64Array(n * frames);
    for (let i = 0; i < n; i++) {
      const o = (h * n + i) * A;
      let s = 0;
      for (let f = 0; f < frames; f++) s += weights[o + f]!;
      for (let f = 0; f < frames; f++) w[i * frames + f] = s > 0 ? weights[o + f]! / s : 0;
    }
    standardiseColumns(w, n, frames);
    const filtered = medianFilterRows(w, n, frames, MEDIAN_WIDTH);
    for (let k = 0; k < out.length; k++) out[k] += filtered[k]! / input.nHeads;
  }
  return out;
}

/** (x − mean) / std over the token axis, population std (torch.std_mean unbiased=False). */
function standardiseColumns(w: Float64Array, rows: number, cols: number): void {
  for (let f = 0; f < cols; f++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += w[i * cols + f]!;
    mean /= rows;
    let v = 0;
    for (let i = 0; i < rows; i++) v += (w[i * cols + f]! - mean) ** 2;
    const std = Math.sqrt(v / rows);
    for (let i = 0; i < rows; i++) w[i * cols + f] = (w[i * cols + f]! - mean) / std;
  }
}

/** Word boundaries on the DTW path: a word starts where its first token's row is first reached. */
function wordTimings(
  tokenizer: WhisperTokenizer,
  language: string,
  textTokens: readonly number[],
  probs: readonly number[],
  path: { textIndices: Int32Array; timeIndices: Int32Array },
): WordAlignment[] {
  const { words, wordTokens } = tokenizer.splitToWordTokens([...textTokens, tokenizer.eot], language);
  if (wordTokens.length <= 1) return [];
  const jumpTimes: number[] = [];
  path.textIndices.forEach((t, k) => {
    if (k === 0 || t !== path.textIndices[k - 1]) jumpTimes.push(path.timeIndices[k]! / POSITIONS_PER_SECOND);
  });
  const bounds = [0];
  for (const wt of wordTokens.slice(0, -1)) bounds.push(bounds[bounds.length - 1]! + wt.length);
  const out: WordAlignment[] = [];
  for (let w = 0; w + 1 < bounds.length; w++) {
    const [i, j] = [bounds[w]!, bounds[w + 1]!];
    const p = probs.slice(i, j);
    out.push({
      word: words[w]!,
      tokens: wordTokens[w]!,
      start: jumpTimes[i]!,
      end: jumpTimes[j]!,
      probability: p.reduce((a, b) => a + b, 0) / p.length,
    });
  }
  return out;
}
