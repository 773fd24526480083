/**
 * Spoken-language detection (decoding.py detect_language): the logits after a lone
 * <|startoftranscript|>, restricted to the language tokens, softmaxed.
 */
import type { DecoderSession } from '../../kernels/decoder/types.ts';
import type { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { logSumExp } from './math.ts';

export interface LanguageProbability {
  language: string;
  probability: number;
}

/** Every language of the vocabulary with its probability, most probable first. */
export function languageProbabilities(
  logits: Float32Array,
  tokenizer: WhisperTokenizer,
): LanguageProbability[] {
  const ids = tokenizer.allLanguageTokens;
  const values = ids.map((id) => logits[id]!);
  const z = logSumExp(values);
  return ids
    .map((_, i) => ({ language: tokenizer.allLanguageCodes[i]!, probability: Math.exp(values[i]! - z) }))
    .sort((a, b) => b.probability - a.probability);
}

/** Detects the language of audio group `group`, using sequence `seq` of the session as scratch. */
export async function detectLanguage(
  session: DecoderSession,
  tokenizer: WhisperTokenizer,
  group = 0,
  seq = 0,
): Promise<LanguageProbability[]> {
  const logits = await session.prefill(seq, group, [tokenizer.sot]);
  return languageProbabilities(logits, tokenizer);
}
