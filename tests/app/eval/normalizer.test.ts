/**
 * Whisper's text normalizers (openai/whisper normalizers/english.py and basic.py). Each expected
 * output was derived by walking the Python rules by hand: the comments say which rule decides,
 * quirks included (they are what Whisper's WER numbers are measured with).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  BasicTextNormalizer,
  EnglishNumberNormalizer,
  EnglishSpellingNormalizer,
  EnglishTextNormalizer,
  WHISPER_SPELLINGS,
  normalizeEnglish,
} from '../../../app/eval/index.ts';
import { SlimError } from '../../../models/errors.ts';
import { sharedPath } from '../../helpers/shared.ts';

const sharedSpellings = JSON.parse(
  readFileSync(sharedPath('whisper-assets', 'english-normalizer.json'), 'utf8'),
) as Record<string, string>;
const english = new EnglishTextNormalizer(sharedSpellings);

function check(cases: ReadonlyArray<readonly [string, string]>): void {
  for (const [input, expected] of cases)
    assert.equal(english.normalize(input), expected, `normalize(${JSON.stringify(input)})`);
}

test('the vendored spelling list is Whisper english.json, as in ../shared', () => {
  assert.deepEqual(WHISPER_SPELLINGS, sharedSpellings);
  assert.equal(Object.keys(sharedSpellings).length, 1739);
  assert.equal(normalizeEnglish('The colour of the aeroplane'), 'the color of the airplane');
});

test('English: case, punctuation, titles, fillers, annotations, diacritics', () => {
  check([
    // "mr" → "mister ", the period before a space goes, the final one too
    [
      'Mr. Quilter is the apostle of the middle classes and we are glad to welcome his gospel.',
      'mister quilter is the apostle of the middle classes and we are glad to welcome his gospel',
    ],
    ['Mrs. Smith', 'missus smith'],
    ['St. Louis', 'saint louis'],
    ['Hello, World!', 'hello world'],
    ['hmm i think uh yes', 'i think yes'],
    ['mm-hmm', ''], // both halves are fillers; the hyphen becomes a space
    ['[MUSIC] hello (laughs) world', 'hello world'],
    ['Café naïve résumé', 'cafe naive resume'],
    ['Ærøskøbing straße', 'aeroskobing strasse'], // letters NFKD does not split
    // Python's \b is Unicode-aware: "mm" inside "ümm" is no filler, then ü loses its diaeresis
    ['ümm', 'umm'],
    ['Twenty-five', '25'],
    ['', ''],
    ['   ', ''],
  ]);
});

test('English: contractions', () => {
  check([
    ["it's", 'it is'],
    ["He's been there", 'he has been there'],
    ["It's got", 'it has got'],
    ["I'd been", 'i had been'],
    ["she'd", 'she would'],
    [
      "I won't go, can't, they'd, you'll, we've, I'm, don't",
      'i will not go can not they would you will we have i am do not',
    ],
    ["Let's go", 'let us go'],
    ["y'all gonna wanna", 'you all going to want to'],
    ["I'm gonna win a million dollars", 'i am going to win a $1000000'],
    // "'s" is always "is", even for a possessive
    ["Dr. Smith's car", 'doctor smith is car'],
    // a space before the apostrophe is closed first
    ["it 's", 'it is'],
  ]);
});

test('English: spelled-out numbers become digits', () => {
  check([
    ['one hundred and one', '101'], // "and" after a multiplier is part of the number
    ['two thousand and twenty', '2020'],
    ['one hundred twenty three thousand four hundred fifty six', '123456'],
    ['eleven hundred', '1100'],
    ['I was born in nineteen eighty four', 'i was born in 1984'],
    ['twenty twenty', '2020'], // 20 % 100 ≠ 0: digits are appended
    ['one oh one', '101'], // "oh" is a zero; digits after a digit word are nominal
    ['room one oh five', 'room 105'],
    ['double five', '55'],
    ['triple oh', '000'],
    ['minus five', '-5'],
    ['a thousand', 'a 1000'], // "a" is not a number word
    ['half a million', '500000'], // → "0.5 million" → 1/2 · 10^6
    ['two and a half', '2.5'], // → "two point five"
    ['three point five percent', '3.5%'],
    ['point five', '.5'],
    ['one point five point three', 'one.5.3'], // an IP-like string; its leading "1" reads "one"
    ['ninety nine percent', '99%'],
    ['ten per cent', '10%'],
    ['5 per cent', '5%'],
  ]);
});

test('English: ordinals, plurals and the quirks of the rules', () => {
  check([
    ['the twenty first century', 'the 21st century'],
    ['first of all', '1st of all'],
    ['nineteen sixties', '1960s'],
    ['sixes and sevens', '6s and 7s'],
    ['Twos', '2s'],
    ['1st', '1st'],
    ['3rd', '3rd'],
    ['The 1990s', 'the 1990s'],
    ['a second chance', 'a 2nd chance'], // "second" is always an ordinal
    ['oh no', '0 no'], // and "oh" always a zero
    ["It's 5 o'clock", 'it is 50 clock'], // "o" too, appended to the 5
    ['the ninth', 'the ninth'], // the rules build "nineth", not "ninth"
    ['the nineth', 'the 9th'],
    ['007', '7'], // arabic numbers pass through Fraction: leading zeros go
    ['one', 'one'], // "1" and "1s" are written out again
    ['ones', 'ones'],
    ['1 2 3', 'one 2 3'],
    ['192.168.0.1', '192.168.0 one'], // the last "1" stands alone, then its period goes
    ['and a half', ''], // a lone "and a half" splits into nothing
    ["It's 10:30", 'it is 10 30'],
  ]);
});

test('English: arabic numbers, currencies and percentages', () => {
  check([
    ['twenty five dollars', '$25'],
    ['It costs 3 dollars', 'it costs $3'],
    ['$20 million', '$20000000'],
    ['two dollars and seven cents', '$2.07'], // "$2 and ¢7" → "$2.07"
    ['fifty cents', '¢50'],
    ['$0.07', '¢7'],
    ['He paid £5.50', 'he paid £5.50'], // a period before a digit stays
    ['one dollar', ' one'], // "$1" → "$one" → the sign leaves a space behind
    ['3.5%', '3.5%'],
    ['1,000,000', '1000000'],
    ['%5', '%5'], // a sign at either end has no neighbour to test, so it stays
    ['$', '$'],
    ['１２３', '123'], // NFKD makes full-width digits ASCII
    ['٣', '3'], // Python's \d and int() read any script's digits
  ]);
});

test('English: British spellings become American', () => {
  check([
    ['The colour of the aeroplane', 'the color of the airplane'],
    ['favourite neighbours', 'favorite neighbors'],
    ['Travelling to the theatre centre', 'traveling to the theater center'],
  ]);
  const custom = new EnglishSpellingNormalizer({ grey: 'gray' });
  assert.equal(custom.normalize('  grey  colour '), 'gray colour');
});

test('number normalizer on its own: word by word, BigInt values', () => {
  const numbers = new EnglishNumberNormalizer();
  assert.equal(numbers.normalize('one decillion'), '1' + '0'.repeat(33));
  assert.equal(numbers.normalize('two point five million'), '2500000');
  assert.equal(numbers.normalize('five hundredth'), '500th');
  assert.equal(numbers.normalize('the nineties'), 'the 90s');
  assert.equal(numbers.normalize('twentieth'), '20th');
  assert.equal(numbers.normalize('minus sign'), 'minus sign'); // a sign needs a number word after it
  // "and" is a number word, so "plus" becomes a sign and lands on the word after it
  assert.equal(numbers.normalize('plus and minus'), '+and minus');
  assert.equal(numbers.normalize('millions of dollars'), '1000000s of dollars');
  assert.equal(numbers.preprocess('a1b2'), 'a 1 b 2');
  assert.equal(numbers.preprocess('1960 s'), '1960s');
});

test('basic normalizer (non-English): symbols to spaces, diacritics kept unless asked', () => {
  const basic = new BasicTextNormalizer();
  // the sentence's final period leaves a space: basic.py does not strip
  assert.equal(
    basic.normalize('Der hinter diesem Portal liegenden Raum wurde als Leichenhalle genutzt.'),
    'der hinter diesem portal liegenden raum wurde als leichenhalle genutzt ',
  );
  assert.equal(basic.normalize('Hello, World! [noise] (um)'), 'hello world ');
  assert.equal(basic.normalize('eaux et forêts'), 'eaux et forêts');
  assert.equal(
    new BasicTextNormalizer({ removeDiacritics: true }).normalize('eaux et forêts'),
    'eaux et forets',
  );
  assert.equal(basic.normalize('그는 이리저리 피하면서'), '그는 이리저리 피하면서');
  // marks split Devanagari words unless kept
  assert.equal(basic.normalize('नमस्ते'), 'नमस त ');
  assert.equal(new BasicTextNormalizer({ preserveMarks: true }).normalize('नमस्ते'), 'नमस्ते');
  assert.equal(new BasicTextNormalizer({ splitLetters: true }).normalize('客観的実在。'), '客 観 的 実 在 ');
  assert.throws(
    () => new BasicTextNormalizer({ removeDiacritics: true, preserveMarks: true }),
    (e: unknown) => e instanceof SlimError && e.code === 'INVALID_ARGUMENT',
  );
});
