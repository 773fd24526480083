/**
 * Loop detection for the hallucination guard: Whisper's best-known failure is a phrase repeated
 * until the window ends ("Thank you. Thank you. …"). The compression ratio catches long loops
 * once decoding is over; this finds the loop itself, in tokens, for a segment-level flag.
 */
export interface TokenLoop {
  /** Index of the first token of the loop. */
  start: number;
  /** Tokens per repetition. */
  period: number;
  /** Consecutive repetitions. */
  repeats: number;
}

export interface LoopOptions {
  /** Longest repeated unit considered, in tokens. */
  maxPeriod: number;
  /** Fewest consecutive repetitions that count as a loop. */
  minRepeats: number;
  /** Fewest tokens the repetitions must cover together (so "no, no, no" is not a loop). */
  minSpan: number;
}

export const DEFAULT_LOOP: LoopOptions = { maxPeriod: 16, minRepeats: 3, minSpan: 12 };

/** The longest-covering run of a repeated n-gram in `tokens`, or null when none is a loop. */
export function findTokenLoop(tokens: readonly number[], o: LoopOptions = DEFAULT_LOOP): TokenLoop | null {
  let best: TokenLoop | null = null;
  for (let p = 1; p <= o.maxPeriod; p++) {
    let run = 0; // tokens so far equal to the token one period earlier
    for (let i = p; i <= tokens.length; i++) {
      if (i < tokens.length && tokens[i] === tokens[i - p]) {
        run++;
        continue;
      }
      const repeats = Math.floor(run / p) + 1;
      const span = repeats * p;
      if (repeats >= o.minRepeats && span >= o.minSpan && (!best || span > best.period * best.repeats))
        best = { start: i - run - p, period: p, repeats };
      run = 0;
    }
  }
  return best;
}
