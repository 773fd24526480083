/**
 * Token selectors: how one window's group of sequences grows by a token per step
 * (openai/whisper decoding.py's TokenDecoder). All of a group's sequences attend to one audio
 * window; beam search may continue a sequence from another one's cache (`source`).
 */
export interface SelectorUpdate {
  /** The sequences after this step, each one token longer. */
  seqs: number[][];
  sumLogProbs: number[];
  /** New sequence i continues the cache of old sequence source[i]; null when the order is kept. */
  source: number[] | null;
  /** Every sequence of the group is finished. */
  completed: boolean;
}

/** Finished candidates of a group, each ending with <|endoftext|>, and their summed log-probs. */
export interface Candidates {
  seqs: number[][];
  sumLogProbs: number[];
}

export interface TokenSelector {
  /** logits[i]: the filtered logits of sequence i. */
  update(
    seqs: readonly number[][],
    sumLogProbs: readonly number[],
    logits: readonly Float32Array[],
  ): SelectorUpdate;
  finalize(seqs: readonly number[][], sumLogProbs: readonly number[]): Candidates;
}
