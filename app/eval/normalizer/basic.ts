/**
 * openai/whisper normalizers/basic.py: symbol and diacritic removal, and BasicTextNormalizer,
 * the language-independent normalizer Whisper's papers use for non-English WER.
 */
import { SlimError } from '../../../models/errors.ts';
import { collapseSpaces, pyRe } from './python-re.ts';

/** Non-ASCII letters that NFKD does not split into a base letter and a mark. */
const ADDITIONAL_DIACRITICS: Readonly<Record<string, string>> = {
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  æ: 'ae',
  Æ: 'AE',
  ß: 'ss',
  ẞ: 'SS',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'th',
  ł: 'l',
  Ł: 'L',
};

const MN = /^\p{Mn}$/u;
const SYMBOL_OR_DIACRITIC = /[\p{M}\p{S}\p{P}œŒøØæÆßẞđĐðÐþÞłŁ]/gu;

/**
 * Marks, symbols and punctuation become a space, except the characters in `keep`; nonspacing
 * marks (the accents NFKD splits off) and the letters above lose their diacritics.
 */
export function removeSymbolsAndDiacritics(s: string, keep = ''): string {
  return s.normalize('NFKD').replace(SYMBOL_OR_DIACRITIC, (c) => {
    if (keep.includes(c)) return c;
    const plain = ADDITIONAL_DIACRITICS[c];
    if (plain !== undefined) return plain;
    return MN.test(c) ? '' : ' ';
  });
}

const SYMBOLS_AND_MARKS = /[\p{M}\p{S}\p{P}]/gu;
const SYMBOLS = /[\p{S}\p{P}]/gu;

/**
 * Symbols and punctuation (and marks, unless `preserveMarks`) become a space, after NFKC; letters
 * keep their diacritics. Marks are part of the spelling in Brahmic scripts, Thai, or pointed
 * Arabic and Hebrew, where a space for each would split every word.
 */
export function removeSymbols(s: string, preserveMarks = false): string {
  return s.normalize('NFKC').replace(preserveMarks ? SYMBOLS : SYMBOLS_AND_MARKS, ' ');
}

/** Text between <…> or […], and between (…): annotations such as [MUSIC] or (laughs). */
export const BRACKETED = pyRe(String.raw`[<\[][^>\]]*[>\]]`);
export const PARENTHESISED = pyRe(String.raw`\(([^)]+?)\)`);

export interface BasicTextNormalizerOptions {
  /** Strip diacritics too (é → e). */
  removeDiacritics?: boolean;
  /** Space-separate every grapheme (for scripts written without spaces; character error rates). */
  splitLetters?: boolean;
  /** Keep combining marks (cannot be combined with removeDiacritics). */
  preserveMarks?: boolean;
}

export class BasicTextNormalizer {
  private readonly clean: (s: string) => string;
  private readonly segmenter: Intl.Segmenter | null;

  constructor(opts: BasicTextNormalizerOptions = {}) {
    if (opts.removeDiacritics && opts.preserveMarks)
      throw new SlimError('INVALID_ARGUMENT', 'preserveMarks cannot be combined with removeDiacritics');
    if (opts.removeDiacritics) this.clean = (s) => removeSymbolsAndDiacritics(s);
    else if (opts.preserveMarks) this.clean = (s) => removeSymbols(s, true);
    else this.clean = (s) => removeSymbols(s);
    this.segmenter = opts.splitLetters ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  }

  normalize(text: string): string {
    let s = text.toLowerCase();
    s = s.replace(BRACKETED, '');
    s = s.replace(PARENTHESISED, '');
    s = this.clean(s).toLowerCase();
    if (this.segmenter) s = Array.from(this.segmenter.segment(s), (g) => g.segment).join(' ');
    return collapseSpaces(s);
  }
}
