/**
 * The previous-text prompt of each window (transcribe.py): every kept token so far, from the
 * last reset on, optionally behind the initial prompt; the decoder keeps its last n_ctx/2 − 1.
 */
import type { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { pyTail } from '../decoding/math.ts';

export class PromptState {
  private readonly all: number[];
  private readonly initial: number[];
  private resetSince = 0;
  private readonly remaining: number;

  constructor(
    tokenizer: WhisperTokenizer,
    initialPrompt: string | null,
    private readonly carryInitial: boolean,
    nTextCtx: number,
  ) {
    this.initial = initialPrompt === null ? [] : tokenizer.encode(' ' + initialPrompt.trim());
    this.all = [...this.initial];
    this.remaining = Math.floor(nTextCtx / 2) - 1 - this.initial.length;
  }

  current(): number[] {
    if (!this.carryInitial) return this.all.slice(this.resetSince);
    const ignored = Math.max(this.initial.length, this.resetSince);
    return [...this.initial, ...pyTail(this.all.slice(ignored), this.remaining)];
  }

  add(tokens: readonly number[]): void {
    this.all.push(...tokens);
  }

  /** Later windows see nothing before this point (high temperature, or a suspected loop). */
  reset(): void {
    this.resetSince = this.all.length;
  }

  /** The initial prompt's tokens (batched mode gives them to its first window). */
  get initialTokens(): number[] {
    return [...this.initial];
  }
}
