/**
 * openai/whisper normalizers/english.py EnglishNumberNormalizer: spelled-out numbers become
 * digits ("twenty five" → "25", "one hundred and one" → "101", "one oh one" → "101"), with
 * currencies ("twenty dollars" → "$20"), percentages, ordinals and plurals ("fifth" → "5th",
 * "sixties" → "60s"), decimals ("three point five" → "3.5"), "double"/"triple" digits, and signs.
 * Arabic numbers lose their commas. Values are BigInts: the multipliers reach 10^33.
 *
 * This follows the Python rule by rule, quirks included (for WER numbers comparable with
 * Whisper's): "oh" and "o" read as zero, "second" as "2nd", "ninth" is not an ordinal here
 * ("nineth" is), leading zeros go ("007" → "7"), and a lone "and a half" disappears.
 */
import { B, D, S, digitsToBigInt, pyRe, pySplit, pyStrip } from './python-re.ts';

/** A number being built: an integer, a string of digits (nominal, decimal), or none. */
type Value = bigint | string | null;

interface Fraction {
  num: bigint;
  den: bigint;
}

const ONES_NAMES = [
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS_NAMES = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const MULTIPLIER_NAMES = [
  'hundred',
  'thousand',
  'million',
  'billion',
  'trillion',
  'quadrillion',
  'quintillion',
  'sextillion',
  'septillion',
  'octillion',
  'nonillion',
  'decillion',
];

const ZEROS = new Set(['o', 'oh', 'zero']);
const ONES = new Map(ONES_NAMES.map((name, i) => [name, i + 1]));
const ONES_PLURAL = new Map(
  ONES_NAMES.map((name, i) => [name === 'six' ? 'sixes' : `${name}s`, [i + 1, 's'] as const]),
);
const ONES_ORDINAL = new Map<string, readonly [number, string]>([
  ['zeroth', [0, 'th']],
  ['first', [1, 'st']],
  ['second', [2, 'nd']],
  ['third', [3, 'rd']],
  ['fifth', [5, 'th']],
  ['twelfth', [12, 'th']],
  ...ONES_NAMES.map((name, i) => [i + 1, name] as const)
    .filter(([v]) => v > 3 && v !== 5 && v !== 12)
    .map(([v, name]) => [name + (name.endsWith('t') ? 'h' : 'th'), [v, 'th'] as const] as const),
]);
const ONES_SUFFIXED = new Map([...ONES_PLURAL, ...ONES_ORDINAL]);

const TENS = new Map(TENS_NAMES.map((name, i) => [name, (i + 2) * 10]));
const TENS_SUFFIXED = new Map<string, readonly [number, string]>([
  ...TENS_NAMES.map((name, i) => [name.replace('y', 'ies'), [(i + 2) * 10, 's'] as const] as const),
  ...TENS_NAMES.map((name, i) => [name.replace('y', 'ieth'), [(i + 2) * 10, 'th'] as const] as const),
]);

const MULTIPLIERS = new Map(MULTIPLIER_NAMES.map((name, i) => [name, i === 0 ? 100n : 1000n ** BigInt(i)]));
const MULTIPLIERS_SUFFIXED = new Map<string, readonly [bigint, string]>([
  ...[...MULTIPLIERS].map(([name, v]) => [`${name}s`, [v, 's'] as const] as const),
  ...[...MULTIPLIERS].map(([name, v]) => [`${name}th`, [v, 'th'] as const] as const),
]);

const DECIMALS = new Set([...ONES.keys(), ...TENS.keys(), ...ZEROS]);

const PRECEDING_PREFIXERS = new Map([
  ['minus', '-'],
  ['negative', '-'],
  ['plus', '+'],
  ['positive', '+'],
]);
const FOLLOWING_PREFIXERS = new Map([
  ['pound', '£'],
  ['pounds', '£'],
  ['euro', '€'],
  ['euros', '€'],
  ['dollar', '$'],
  ['dollars', '$'],
  ['cent', '¢'],
  ['cents', '¢'],
]);
const PREFIXES = new Set([...PRECEDING_PREFIXERS.values(), ...FOLLOWING_PREFIXERS.values()]);
/** "per cent" → "%" (a two-word suffix), "percent" → "%". */
const SUFFIXERS = new Map<string, string | ReadonlyMap<string, string>>([
  ['per', new Map([['cent', '%']])],
  ['percent', '%'],
]);
const SPECIALS = new Set(['and', 'double', 'triple', 'point']);

/** Every word the number parser has a rule for. */
const WORDS = new Set<string>([
  ...ZEROS,
  ...ONES.keys(),
  ...ONES_SUFFIXED.keys(),
  ...TENS.keys(),
  ...TENS_SUFFIXED.keys(),
  ...MULTIPLIERS.keys(),
  ...MULTIPLIERS_SUFFIXED.keys(),
  ...PRECEDING_PREFIXERS.keys(),
  ...FOLLOWING_PREFIXERS.keys(),
  ...SUFFIXERS.keys(),
  ...SPECIALS,
]);

const ARABIC_NUMBER = new RegExp(`^${D}+(\\.${D}+)?$`, 'u');
/** Python's Fraction(str) grammar, for the strings the parser can build (digits and one point). */
const FRACTION = new RegExp(`^${S}*([-+]?)(?=${D}|\\.${D})(${D}*)(?:\\.(${D}*))?${S}*$`, 'u');

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/** fractions.Fraction(s), or null where Python raises ValueError. */
function toFraction(s: bigint | string): Fraction | null {
  if (typeof s === 'bigint') return { num: s, den: 1n };
  const m = FRACTION.exec(s);
  if (!m) return null;
  const decimals = m[3] ?? '';
  let num = digitsToBigInt((m[2] ?? '') + decimals);
  const den = 10n ** BigInt([...decimals].length);
  if (m[1] === '-') num = -num;
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

/** Python's `str(value or "")`: an absent, zero or empty value adds nothing. */
function orEmpty(value: Value): string {
  return value === null || value === 0n || value === '' ? '' : String(value);
}

const AND_A_HALF = new RegExp(`${B}and${S}+a${S}+half${B}`, 'u');
const HALF_A_MULTIPLIER = pyRe(
  `${B}(?:a${S}+half${S}+|half${S}+(?:a${S}+)?)(${[...MULTIPLIERS.keys()]
    .sort((a, b) => b.length - a.length)
    .join('|')})${B}`,
);
const LETTER_DIGIT = /([a-z])([0-9])/g;
const DIGIT_LETTER = /([0-9])([a-z])/g;
const DIGIT_SUFFIX = pyRe(`([0-9])${S}+(st|nd|rd|th|s)${B}`);
const CURRENCY_AND_CENTS = pyRe(`([€£$])([0-9]+) (?:and )?¢([0-9]{1,2})${B}`);
const ZERO_CURRENCY = pyRe(`[€£$]0[^\\n]([0-9]{1,2})${B}`);
const LONE_ONE = pyRe(`${B}1(s?)${B}`);

export class EnglishNumberNormalizer {
  normalize(text: string): string {
    const s = this.preprocess(text);
    return this.postprocess([...this.processWords(pySplit(s))].join(' '));
  }

  /** "<number> and a half" → "<number> point five", "half a million" → "0.5 million"; digits apart from letters. */
  preprocess(text: string): string {
    const segments = text.split(AND_A_HALF);
    const results: string[] = [];
    segments.forEach((segment, i) => {
      if (pyStrip(segment).length === 0) return;
      results.push(segment);
      if (i === segments.length - 1) return;
      const words = pySplit(segment);
      const lastWord = words[words.length - 1]!;
      results.push(DECIMALS.has(lastWord) || MULTIPLIERS.has(lastWord) ? 'point five' : 'and a half');
    });
    let s = results.join(' ');
    s = s.replace(HALF_A_MULTIPLIER, '0.5 $1');
    s = s.replace(LETTER_DIGIT, '$1 $2');
    s = s.replace(DIGIT_LETTER, '$1 $2');
    // but a suffix stays on its number: "1960 s" → "1960s"
    return s.replace(DIGIT_SUFFIX, '$1$2');
  }

  /** "$2 and ¢7" → "$2.07", "$0.07" → "¢7", and "1"/"1s" written "one"/"ones" for readability. */
  postprocess(text: string): string {
    let s = text.replace(
      CURRENCY_AND_CENTS,
      (_m, currency: string, integer: string, cents: string) =>
        `${currency}${integer}.${String(Number(cents)).padStart(2, '0')}`,
    );
    s = s.replace(ZERO_CURRENCY, (_m, cents: string) => `¢${Number(cents)}`);
    return s.replace(LONE_ONE, 'one$1');
  }

  /** The word-by-word parser (english.py process_words), one output word at a time. */
  *processWords(words: readonly string[]): Generator<string> {
    let prefix: string | null = null;
    let value: Value = null;
    let skip = false;
    const output = (result: bigint | string): string => {
      let r = String(result);
      if (prefix !== null) r = prefix + r;
      value = null;
      prefix = null;
      return r;
    };

    for (let i = 0; i < words.length; i++) {
      const prev = i > 0 ? words[i - 1]! : null;
      const current = words[i]!;
      const next = i + 1 < words.length ? words[i + 1]! : null;
      if (skip) {
        skip = false;
        continue;
      }
      const nextIsNumeric = next !== null && ARABIC_NUMBER.test(next);
      const nextInWords = next !== null && WORDS.has(next);
      const hasPrefix = PREFIXES.has(current[0]!);
      const currentWithoutPrefix = hasPrefix ? current.slice(1) : current;

      if (ARABIC_NUMBER.test(currentWithoutPrefix)) {
        // arabic numbers, possibly with a currency sign and decimals
        const f = toFraction(currentWithoutPrefix)!;
        if (value !== null) {
          if (typeof value === 'string' && value.endsWith('.')) {
            value = value + current; // decimals, or the parts of an IP address
            continue;
          }
          yield output(value);
        }
        prefix = hasPrefix ? current[0]! : prefix;
        value = f.den === 1n ? f.num : currentWithoutPrefix;
      } else if (!WORDS.has(current)) {
        if (value !== null) yield output(value);
        yield output(current);
      } else if (ZEROS.has(current)) {
        value = orEmpty(value) + '0';
      } else if (ONES.has(current)) {
        const ones = ONES.get(current)!;
        if (value === null) value = BigInt(ones);
        else if (typeof value === 'string' || (prev !== null && ONES.has(prev))) {
          // "one oh one", "three point two five": digits in a row are read one by one
          if (prev !== null && TENS.has(prev) && ones < 10) value = String(value).slice(0, -1) + ones;
          else value = String(value) + ones;
        } else if (ones < 10) {
          value = value % 10n === 0n ? value + BigInt(ones) : String(value) + ones;
        } else {
          value = value % 100n === 0n ? value + BigInt(ones) : String(value) + ones;
        }
      } else if (ONES_SUFFIXED.has(current)) {
        // an ordinal or a plural ends the number
        const [ones, suffix] = ONES_SUFFIXED.get(current)!;
        if (value === null) yield output(`${ones}${suffix}`);
        else if (typeof value === 'string' || (prev !== null && ONES.has(prev))) {
          if (prev !== null && TENS.has(prev) && ones < 10)
            yield output(String(value).slice(0, -1) + ones + suffix);
          else yield output(String(value) + ones + suffix);
        } else if (ones < 10) {
          yield output(value % 10n === 0n ? `${value + BigInt(ones)}${suffix}` : `${value}${ones}${suffix}`);
        } else {
          yield output(value % 100n === 0n ? `${value + BigInt(ones)}${suffix}` : `${value}${ones}${suffix}`);
        }
        value = null;
      } else if (TENS.has(current)) {
        const tens = TENS.get(current)!;
        if (value === null) value = BigInt(tens);
        else if (typeof value === 'string') value = value + tens;
        else value = value % 100n === 0n ? value + BigInt(tens) : String(value) + tens;
      } else if (TENS_SUFFIXED.has(current)) {
        const [tens, suffix] = TENS_SUFFIXED.get(current)!;
        if (value === null) yield output(`${tens}${suffix}`);
        else if (typeof value === 'string') yield output(value + tens + suffix);
        else
          yield output(value % 100n === 0n ? `${value + BigInt(tens)}${suffix}` : `${value}${tens}${suffix}`);
      } else if (MULTIPLIERS.has(current)) {
        const multiplier = MULTIPLIERS.get(current)!;
        if (value === null) value = multiplier;
        else if (typeof value === 'string' || value === 0n) {
          const f = toFraction(value);
          if (f !== null && (f.num * multiplier) % f.den === 0n) value = (f.num * multiplier) / f.den;
          else {
            yield output(value);
            value = multiplier;
          }
        } else {
          // "one thousand two hundred": the multiplier scales what came after the last thousand
          const before: bigint = (value / 1000n) * 1000n;
          value = before + (value % 1000n) * multiplier;
        }
      } else if (MULTIPLIERS_SUFFIXED.has(current)) {
        const [multiplier, suffix] = MULTIPLIERS_SUFFIXED.get(current)!;
        if (value === null) yield output(`${multiplier}${suffix}`);
        else if (typeof value === 'string') {
          const f = toFraction(value);
          if (f !== null && (f.num * multiplier) % f.den === 0n)
            yield output(`${(f.num * multiplier) / f.den}${suffix}`);
          else {
            yield output(value);
            yield output(`${multiplier}${suffix}`);
          }
        } else {
          const before: bigint = (value / 1000n) * 1000n;
          value = before + (value % 1000n) * multiplier;
          yield output(`${value}${suffix}`);
        }
        value = null;
      } else if (PRECEDING_PREFIXERS.has(current)) {
        // a sign applies when a number follows
        if (value !== null) yield output(value);
        if (nextInWords || nextIsNumeric) prefix = PRECEDING_PREFIXERS.get(current)!;
        else yield output(current);
      } else if (FOLLOWING_PREFIXERS.has(current)) {
        // a currency applies to the number before it
        if (value !== null) {
          prefix = FOLLOWING_PREFIXERS.get(current)!;
          yield output(value);
        } else yield output(current);
      } else if (SUFFIXERS.has(current)) {
        if (value !== null) {
          const suffix = SUFFIXERS.get(current)!;
          if (typeof suffix !== 'string') {
            const symbol = next !== null ? suffix.get(next) : undefined;
            if (symbol !== undefined) {
              yield output(String(value) + symbol);
              skip = true;
            } else {
              yield output(value);
              yield output(current);
            }
          } else yield output(String(value) + suffix);
        } else yield output(current);
      } else if (SPECIALS.has(current)) {
        if (!nextInWords && !nextIsNumeric) {
          // only special when a number may follow
          if (value !== null) yield output(value);
          yield output(current);
        } else if (current === 'and') {
          // "and" after hundreds, thousands … is part of the number
          if (prev === null || !MULTIPLIERS.has(prev)) {
            if (value !== null) yield output(value);
            yield output(current);
          }
        } else if (current === 'double' || current === 'triple') {
          if (next !== null && (ONES.has(next) || ZEROS.has(next))) {
            const repeats = current === 'double' ? 2 : 3;
            value = orEmpty(value) + String(ONES.get(next) ?? 0).repeat(repeats);
            skip = true;
          } else {
            if (value !== null) yield output(value);
            yield output(current);
          }
        } else if (next !== null && (DECIMALS.has(next) || nextIsNumeric)) {
          // "point" before a digit word: a decimal point (before other number words, dropped)
          value = orEmpty(value) + '.';
        }
      }
    }
    if (value !== null) yield output(value);
  }
}
