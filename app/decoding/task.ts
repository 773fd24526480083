/**
 * One window's decoding at one temperature (decoding.py DecodingTask without the model calls):
 * initial tokens, logit filters, a token selector for its group of sequences, and the result.
 * The runner (runner.ts) feeds it logits; it never touches a decoder itself.
 */
import type { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { BeamSearchSelector } from './beam-search.ts';
import { compressionRatio } from './compression.ts';
import { GreedySelector } from './greedy.ts';
import { initialTokens } from './initial-tokens.ts';
import { applyFilters, buildLogitFilters, type LogitFilter } from './logit-filters.ts';
import { softmax } from './math.ts';
import { groupSize, type ResolvedDecodingOptions } from './options.ts';
import { rankCandidates } from './ranker.ts';
import type { SeededRandom } from './rng.ts';
import type { TokenSelector } from './selector.ts';

export interface DecodingResult {
  /** Sampled tokens (timestamps included), without the initial tokens and <|endoftext|>. */
  tokens: number[];
  text: string;
  language: string | null;
  /** Sum of log-probs over tokens + <|endoftext|>, divided by their count. */
  avgLogProb: number;
  sumLogProb: number;
  /** P(<|nospeech|>) at the <|startoftranscript|> position. */
  noSpeechProb: number;
  temperature: number;
  compressionRatio: number;
}

export class DecodeTask {
  readonly initialTokens: readonly number[];
  readonly sampleBegin: number;
  readonly sotIndex: number;
  readonly nGroup: number;
  private readonly filters: LogitFilter[];
  private readonly selector: TokenSelector;
  private seqs: number[][];
  private sums: number[];
  private steps = 0;
  private finished = false;
  private noSpeech = Number.NaN;

  constructor(
    private readonly tokenizer: WhisperTokenizer,
    readonly options: ResolvedDecodingOptions,
    private readonly nTextCtx: number,
    rng: SeededRandom,
  ) {
    this.initialTokens = initialTokens(tokenizer, options, nTextCtx);
    this.sampleBegin = this.initialTokens.length;
    this.sotIndex = this.initialTokens.indexOf(tokenizer.sot);
    this.nGroup = groupSize(options);
    this.filters = buildLogitFilters(tokenizer, { ...options, sampleBegin: this.sampleBegin });
    this.selector =
      options.beamSize !== null
        ? new BeamSearchSelector(options.beamSize, tokenizer.eot, options.patience ?? 1)
        : new GreedySelector(options.temperature, tokenizer.eot, rng);
    this.seqs = Array.from({ length: this.nGroup }, () => [...this.initialTokens]);
    this.sums = Array<number>(this.nGroup).fill(0);
  }

  get done(): boolean {
    return this.finished;
  }

  /** The raw logits after <|startoftranscript|> give P(<|nospeech|>) (decoding.py _main_loop). */
  recordNoSpeech(sotLogits: Float32Array): void {
    this.noSpeech = softmax(sotLogits)[this.tokenizer.noSpeech]!;
  }

  /**
   * Chooses every sequence's next token from its logits (filtered here, in place). Returns the
   * tokens to feed and, for beam search, which old sequence each new one continues.
   */
  advance(logits: Float32Array[]): { next: number[]; source: number[] | null } {
    if (this.finished) throw new Error('DecodeTask.advance after the task finished');
    applyFilters(this.filters, logits, this.seqs);
    const u = this.selector.update(this.seqs, this.sums, logits);
    this.seqs = u.seqs;
    this.sums = u.sumLogProbs;
    this.steps++;
    // decoding.py stops at sample_len steps, or once the context would overflow.
    if (u.completed || this.seqs[0]!.length > this.nTextCtx || this.steps >= this.options.sampleLen)
      this.finished = true;
    return { next: this.seqs.map((s) => s[s.length - 1]!), source: u.source };
  }

  result(): DecodingResult {
    const c = this.selector.finalize(this.seqs, this.sums);
    const trimmed = c.seqs.map((s) => {
      const t = s.slice(this.sampleBegin);
      const end = t.indexOf(this.tokenizer.eot);
      return end < 0 ? t : t.slice(0, end);
    });
    const best = rankCandidates(
      trimmed.map((t) => t.length),
      c.sumLogProbs,
      this.options.lengthPenalty,
    );
    const tokens = trimmed[best]!;
    const sumLogProb = c.sumLogProbs[best]!;
    const text = this.tokenizer.decode(tokens).trim();
    return {
      tokens,
      text,
      language: this.tokenizer.multilingual ? (this.options.language ?? 'en') : 'en',
      avgLogProb: sumLogProb / (tokens.length + 1),
      sumLogProb,
      noSpeechProb: this.noSpeech,
      temperature: this.options.temperature,
      compressionRatio: compressionRatio(text),
    };
  }
}
