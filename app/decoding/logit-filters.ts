/**
 * Logit filters, as openai/whisper decoding.py's SuppressBlank, SuppressTokens and
 * ApplyTimestampRules. Each masks (sets to −Infinity) the logits of every sequence in place,
 * given the tokens so far; they run in that order before a token is chosen.
 */
import type { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { SlimError } from '../../models/errors.ts';
import { logSumExp, maxOf, roundHalfEven } from './math.ts';

/** Seconds per timestamp token (<|0.02|> steps): 2 mel frames of 10 ms. */
export const TIME_PRECISION = 0.02;

export interface LogitFilter {
  /** logits[k] is sequence k's row; tokens[k] all its tokens so far, initial tokens included. */
  apply(logits: Float32Array[], tokens: ReadonlyArray<readonly number[]>): void;
}

/** "-1" or a list holding −1 means Whisper's non-speech set; "" or null means none. */
export type SuppressTokensSpec = string | readonly number[] | null;

function mask(row: Float32Array, from: number, to: number = row.length): void {
  if (to > from) row.fill(-Infinity, from, to);
}

/** Forbids a blank start: ' ' and <|endoftext|> cannot be the first sampled token. */
export class SuppressBlank implements LogitFilter {
  private readonly ids: number[];
  constructor(
    tokenizer: WhisperTokenizer,
    private readonly sampleBegin: number,
  ) {
    this.ids = [...tokenizer.encode(' '), tokenizer.eot];
  }

  apply(logits: Float32Array[], tokens: ReadonlyArray<readonly number[]>): void {
    logits.forEach((row, k) => {
      if (tokens[k]!.length === this.sampleBegin) for (const id of this.ids) row[id] = -Infinity;
    });
  }
}

export class SuppressTokens implements LogitFilter {
  constructor(private readonly ids: readonly number[]) {}

  apply(logits: Float32Array[]): void {
    for (const row of logits) for (const id of this.ids) row[id] = -Infinity;
  }
}

/** decoding.py _get_suppress_tokens: the given ids (−1 → non-speech set) plus the task specials. */
export function suppressTokenIds(tokenizer: WhisperTokenizer, spec: SuppressTokensSpec): number[] {
  let ids: number[];
  if (typeof spec === 'string') {
    ids = spec.trim() === '' ? [] : spec.split(',').map((t) => parseTokenId(t));
  } else ids = spec ? [...spec] : [];
  if (ids.includes(-1)) ids = [...ids.filter((t) => t >= 0), ...tokenizer.nonSpeechTokens()];
  ids.push(tokenizer.transcribe, tokenizer.translate, tokenizer.sot, tokenizer.sotPrev, tokenizer.sotLm);
  ids.push(tokenizer.noSpeech); // its probability is read separately, at the <|startoftranscript|> position
  return [...new Set(ids)].sort((a, b) => a - b);
}

function parseTokenId(text: string): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < -1)
    throw new SlimError('INVALID_ARGUMENT', `suppressTokens: ${JSON.stringify(text)} is not a token id`);
  return n;
}

/**
 * Whisper's timestamp grammar (decoding.py ApplyTimestampRules): timestamps come in pairs except
 * right before <|endoftext|>, never decrease, a segment is never empty, the first token is a
 * timestamp no later than max_initial_timestamp, and a timestamp is forced whenever the
 * timestamps together are more probable than any single text token.
 */
export class ApplyTimestampRules implements LogitFilter {
  private readonly tb: number;

  /** maxInitialTimestampIndex: in timestamp steps (50 = 1 s), null for no limit. */
  constructor(
    private readonly tokenizer: WhisperTokenizer,
    private readonly sampleBegin: number,
    private readonly maxInitialTimestampIndex: number | null,
  ) {
    this.tb = tokenizer.timestampBegin;
  }

  apply(logits: Float32Array[], tokens: ReadonlyArray<readonly number[]>): void {
    logits.forEach((row, k) => {
      row[this.tokenizer.noTimestamps] = -Infinity; // without_timestamps is the other mode
      const seq = tokens[k]!.slice(this.sampleBegin);
      this.pairRule(row, seq);
      this.monotonicRule(row, seq);
      if (seq.length === 0) this.initialRule(row);
      this.probabilityRule(row);
    });
  }

  /** After a lone timestamp: text is over (only a timestamp or EOT); after a pair: text must follow. */
  private pairRule(row: Float32Array, seq: readonly number[]): void {
    const n = seq.length;
    const last = n >= 1 && seq[n - 1]! >= this.tb;
    const penultimate = n < 2 || seq[n - 2]! >= this.tb;
    if (!last) return;
    if (penultimate) mask(row, this.tb);
    else mask(row, 0, this.tokenizer.eot);
  }

  /** Timestamps never decrease, and a segment's closing timestamp is later than its opening one. */
  private monotonicRule(row: Float32Array, seq: readonly number[]): void {
    const n = seq.length;
    let lastTs = -1;
    for (let i = n - 1; i >= 0; i--) {
      if (seq[i]! >= this.tb) {
        lastTs = seq[i]!;
        break;
      }
    }
    if (lastTs < 0) return;
    const last = seq[n - 1]! >= this.tb;
    const penultimate = n < 2 || seq[n - 2]! >= this.tb;
    mask(row, this.tb, last && !penultimate ? lastTs : lastTs + 1);
  }

  /** The first sampled token is a timestamp, at most max_initial_timestamp into the window. */
  private initialRule(row: Float32Array): void {
    mask(row, 0, this.tb);
    if (this.maxInitialTimestampIndex !== null) mask(row, this.tb + this.maxInitialTimestampIndex + 1);
  }

  /** Σ p(timestamps) > max p(text token) ⇒ sample a timestamp (log-softmax's shift cancels). */
  private probabilityRule(row: Float32Array): void {
    const timestampLogit = logSumExp(row, this.tb);
    const maxText = maxOf(row, 0, this.tb);
    if (timestampLogit > maxText) mask(row, 0, this.tb);
  }
}

export interface LogitFilterOptions {
  sampleBegin: number;
  suppressBlank: boolean;
  suppressTokens: SuppressTokensSpec;
  withoutTimestamps: boolean;
  /** Seconds; 0 or null means no limit (decoding.py tests it for truthiness). */
  maxInitialTimestamp: number | null;
}

/** The filters of decoding.py DecodingTask._get_logit_filters, in its order. */
export function buildLogitFilters(tokenizer: WhisperTokenizer, o: LogitFilterOptions): LogitFilter[] {
  const filters: LogitFilter[] = [];
  if (o.suppressBlank) filters.push(new SuppressBlank(tokenizer, o.sampleBegin));
  // decoding.py adds SuppressTokens only for a truthy option: "" leaves even the specials allowed.
  const truthy = typeof o.suppressTokens === 'string' ? o.suppressTokens !== '' : !!o.suppressTokens?.length;
  if (truthy) filters.push(new SuppressTokens(suppressTokenIds(tokenizer, o.suppressTokens)));
  if (!o.withoutTimestamps) {
    const index = o.maxInitialTimestamp ? roundHalfEven(o.maxInitialTimestamp / TIME_PRECISION) : null;
    filters.push(new ApplyTimestampRules(tokenizer, o.sampleBegin, index));
  }
  return filters;
}

export function applyFilters(
  filters: readonly LogitFilter[],
  logits: Float32Array[],
  tokens: ReadonlyArray<readonly number[]>,
): void {
  for (const f of filters) f.apply(logits, tokens);
}
