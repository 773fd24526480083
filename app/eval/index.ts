/** Transcript evaluation: Whisper's text normalizers and word error rate. */
export { BasicTextNormalizer, type BasicTextNormalizerOptions } from './normalizer/basic.ts';
export { EnglishNumberNormalizer } from './normalizer/numbers.ts';
export { EnglishSpellingNormalizer, WHISPER_SPELLINGS, type SpellingMap } from './normalizer/spelling.ts';
export { EnglishTextNormalizer, normalizeEnglish } from './normalizer/english.ts';
export {
  alignWords,
  wordErrorRate,
  type EditCounts,
  type UtteranceErrors,
  type WerOptions,
  type WerPair,
  type WerResult,
} from './wer.ts';
