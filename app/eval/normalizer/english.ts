/**
 * openai/whisper normalizers/english.py EnglishTextNormalizer: the normalization Whisper's WER
 * numbers are measured after. Lower case; no bracketed or parenthesised annotations; no fillers
 * (hmm, uh, um …); contractions and titles spelled out ("won't" → "will not", "mr" → "mister");
 * no symbols or diacritics; numbers as digits (numbers.ts); American spellings (spelling.ts);
 * currency and percent signs attached to their numbers; single spaces.
 */
import { BRACKETED, PARENTHESISED, removeSymbolsAndDiacritics } from './basic.ts';
import { EnglishNumberNormalizer } from './numbers.ts';
import { B, D, S, collapseSpaces, pyRe } from './python-re.ts';
import { EnglishSpellingNormalizer, type SpellingMap } from './spelling.ts';

const FILLERS = pyRe(`${B}(hmm|mm|mhm|mmm|uh|um)${B}`);
const SPACE_BEFORE_APOSTROPHE = pyRe(`${S}+'`);

/** In this order (english.py's dict order matters: "'s been" before "'s"). */
const REPLACERS: ReadonlyArray<readonly [RegExp, string]> = (
  [
    // common contractions
    [`${B}won't${B}`, 'will not'],
    [`${B}can't${B}`, 'can not'],
    [`${B}let's${B}`, 'let us'],
    [`${B}ain't${B}`, 'aint'],
    [`${B}y'all${B}`, 'you all'],
    [`${B}wanna${B}`, 'want to'],
    [`${B}gotta${B}`, 'got to'],
    [`${B}gonna${B}`, 'going to'],
    [`${B}i'ma${B}`, 'i am going to'],
    [`${B}imma${B}`, 'i am going to'],
    [`${B}woulda${B}`, 'would have'],
    [`${B}coulda${B}`, 'could have'],
    [`${B}shoulda${B}`, 'should have'],
    [`${B}ma'am${B}`, 'madam'],
    // titles and other abbreviations before names
    [`${B}mr${B}`, 'mister '],
    [`${B}mrs${B}`, 'missus '],
    [`${B}st${B}`, 'saint '],
    [`${B}dr${B}`, 'doctor '],
    [`${B}prof${B}`, 'professor '],
    [`${B}capt${B}`, 'captain '],
    [`${B}gov${B}`, 'governor '],
    [`${B}ald${B}`, 'alderman '],
    [`${B}gen${B}`, 'general '],
    [`${B}sen${B}`, 'senator '],
    [`${B}rep${B}`, 'representative '],
    [`${B}pres${B}`, 'president '],
    [`${B}rev${B}`, 'reverend '],
    [`${B}hon${B}`, 'honorable '],
    [`${B}asst${B}`, 'assistant '],
    [`${B}assoc${B}`, 'associate '],
    [`${B}lt${B}`, 'lieutenant '],
    [`${B}col${B}`, 'colonel '],
    [`${B}jr${B}`, 'junior '],
    [`${B}sr${B}`, 'senior '],
    [`${B}esq${B}`, 'esquire '],
    // perfect tenses (english.py lists the common participles; "'s done" is ambiguous)
    [`'d been${B}`, ' had been'],
    [`'s been${B}`, ' has been'],
    [`'d gone${B}`, ' had gone'],
    [`'s gone${B}`, ' has gone'],
    [`'d done${B}`, ' had done'],
    [`'s got${B}`, ' has got'],
    // general contractions
    [`n't${B}`, ' not'],
    [`'re${B}`, ' are'],
    [`'s${B}`, ' is'],
    [`'d${B}`, ' would'],
    [`'ll${B}`, ' will'],
    [`'t${B}`, ' not'],
    [`'ve${B}`, ' have'],
    [`'m${B}`, ' am'],
  ] as const
).map(([pattern, replacement]) => [pyRe(pattern), replacement] as const);

const DIGIT_COMMA_DIGIT = pyRe(`(${D}),(${D})`);
const PERIOD_NOT_BEFORE_DIGIT = pyRe(`\\.([^0-9]|$)`);
const SIGN_SPACE_DIGIT = pyRe(`([$¢€£])${S}+([0-9])`);
const DIGIT_SPACE_PERCENT = pyRe(`([0-9])${S}+%`);
const SIGN_NOT_BEFORE_DIGIT = pyRe(`[.$¢€£]([^0-9])`);
const PERCENT_NOT_AFTER_DIGIT = pyRe(`([^0-9])%`);

export class EnglishTextNormalizer {
  private readonly numbers = new EnglishNumberNormalizer();
  private readonly spellings: EnglishSpellingNormalizer;

  /** `spellings`: the British → American list (default: Whisper's english.json, vendored). */
  constructor(spellings?: SpellingMap) {
    this.spellings = new EnglishSpellingNormalizer(spellings);
  }

  normalize(text: string): string {
    let s = text.toLowerCase();
    s = s.replace(BRACKETED, '');
    s = s.replace(PARENTHESISED, '');
    s = s.replace(FILLERS, '');
    s = s.replace(SPACE_BEFORE_APOSTROPHE, "'");
    for (const [pattern, replacement] of REPLACERS) s = s.replace(pattern, replacement);
    s = s.replace(DIGIT_COMMA_DIGIT, '$1$2');
    s = s.replace(PERIOD_NOT_BEFORE_DIGIT, ' $1');
    s = removeSymbolsAndDiacritics(s, '.%$¢€£'); // numeric symbols stay for the number rules
    s = this.numbers.normalize(s);
    s = this.spellings.normalize(s);
    s = s.replace(SIGN_SPACE_DIGIT, '$1$2');
    s = s.replace(DIGIT_SPACE_PERCENT, '$1%');
    // signs not next to a number go
    s = s.replace(SIGN_NOT_BEFORE_DIGIT, ' $1');
    s = s.replace(PERCENT_NOT_AFTER_DIGIT, '$1 ');
    return collapseSpaces(s);
  }
}

let shared: EnglishTextNormalizer | undefined;

/** Whisper's English normalization of `text` (EnglishTextNormalizer with Whisper's spellings). */
export function normalizeEnglish(text: string): string {
  shared ??= new EnglishTextNormalizer();
  return shared.normalize(text);
}
