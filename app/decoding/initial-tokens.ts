/**
 * The tokens a window's decoding starts from (decoding.py DecodingTask._get_initial_tokens):
 * [<|startofprev|>, previous text…] + start-of-transcript sequence + forced prefix.
 */
import type { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { pyTail } from './math.ts';
import type { ResolvedDecodingOptions } from './options.ts';

function textTokens(tokenizer: WhisperTokenizer, value: string | readonly number[]): number[] {
  return typeof value === 'string' ? tokenizer.encode(' ' + value.trim()) : [...value];
}

/** [sot, language, task] (multilingual) or [sot] (.en), plus <|notimestamps|> when asked. */
export function sotSequence(
  tokenizer: WhisperTokenizer,
  o: Pick<ResolvedDecodingOptions, 'language' | 'task' | 'withoutTimestamps'>,
): number[] {
  const seq = tokenizer.multilingual
    ? tokenizer.sotSequence({ language: o.language ?? 'en', task: o.task })
    : tokenizer.sotSequence();
  return o.withoutTimestamps ? [...seq, tokenizer.noTimestamps] : seq;
}

export function initialTokens(
  tokenizer: WhisperTokenizer,
  o: ResolvedDecodingOptions,
  nTextCtx: number,
): number[] {
  let tokens = sotSequence(tokenizer, o);
  const half = Math.floor(nTextCtx / 2);
  const prefix = o.prefix === null ? [] : textTokens(tokenizer, o.prefix);
  if (prefix.length) tokens = [...tokens, ...pyTail(prefix, half - o.sampleLen)];
  const prompt = o.prompt === null ? [] : textTokens(tokenizer, o.prompt);
  // An empty prompt is no prompt (decoding.py tests it for truthiness): no <|startofprev|>.
  if (prompt.length) tokens = [tokenizer.sotPrev, ...pyTail(prompt, half - 1), ...tokens];
  return tokens;
}
