/**
 * openai/whisper normalizers/english.py EnglishSpellingNormalizer: British spellings become
 * American ones ("colour" → "color"), word by word, from Whisper's english.json list. The list
 * is vendored next to this file (english-normalizer.json, MIT, see LICENSE-openai-whisper) so
 * the app needs nothing outside the repository.
 */
import { pySplit } from './python-re.ts';
import whisperSpellings from './english-normalizer.json' with { type: 'json' };

/** British → American spellings of whole (lower-case) words. */
export type SpellingMap = Readonly<Record<string, string>>;

/** Whisper's own list (english.json). */
export const WHISPER_SPELLINGS: SpellingMap = whisperSpellings;

export class EnglishSpellingNormalizer {
  private readonly mapping: ReadonlyMap<string, string>;

  constructor(mapping: SpellingMap = WHISPER_SPELLINGS) {
    this.mapping = new Map(Object.entries(mapping));
  }

  normalize(text: string): string {
    return pySplit(text)
      .map((w) => this.mapping.get(w) ?? w)
      .join(' ');
  }
}
