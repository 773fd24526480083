/**
 * Pieces of Python's `re` semantics for str patterns, which Whisper's normalizers rely on and
 * JavaScript's regexes lack even with the `u` flag: `\w`, `\b`, `\s` and `\d` are Unicode-aware
 * in Python (`\b` next to "é" or "ß" is not a boundary there; in JavaScript it is).
 */

/** Python's `\w`: letters, numbers and the underscore (str.isalnum() or '_'). */
export const WORD_CHAR = String.raw`[\p{L}\p{N}_]`;

/** Python's `\b`: a boundary between a `\w` and a non-`\w` character (or an end). */
export const B = String.raw`(?:(?<=${WORD_CHAR})(?!${WORD_CHAR})|(?<!${WORD_CHAR})(?=${WORD_CHAR}))`;

/** The characters of Python's str.isspace() and `\s` (JavaScript's `\s` differs at \x1c–\x1f and \ufeff). */
const SPACE_CHARS = String.raw`\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;

/** Python's `\s`. */
export const S = `[${SPACE_CHARS}]`;

/** Python's `\d`: any decimal digit (Unicode category Nd). */
export const D = String.raw`\p{Nd}`;

/** A global Unicode regex from a pattern written with the pieces above. */
export function pyRe(pattern: string): RegExp {
  return new RegExp(pattern, 'gu');
}

const SPACE_RUN = new RegExp(`${S}+`, 'u');
const SPACE_RUNS = new RegExp(`${S}+`, 'gu');

/** Python's str.split() with no argument: runs of whitespace separate, no empty words. */
export function pySplit(s: string): string[] {
  return s.split(SPACE_RUN).filter((w) => w.length > 0);
}

/** Python's str.strip() with no argument. */
export function pyStrip(s: string): string {
  return s.replace(new RegExp(`^${S}+|${S}+$`, 'gu'), '');
}

/** re.sub(r"\s+", " ", s). */
export function collapseSpaces(s: string): string {
  return s.replace(SPACE_RUNS, ' ');
}

const ND = /^\p{Nd}$/u;

/**
 * The value 0…9 of a decimal digit of any script, as Python's int() reads it. Unicode encodes
 * every Nd digit in runs of ten, 0 to 9, so the value is the position within its run.
 */
export function digitValue(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  let start = cp;
  while (ND.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** A string of decimal digits (any script) as a BigInt, as Python's int() reads it. */
export function digitsToBigInt(digits: string): bigint {
  let v = 0n;
  for (const ch of digits) v = v * 10n + BigInt(digitValue(ch));
  return v;
}
