/**
 * Text rules shared by the shaper and the formatters: which languages write without spaces,
 * how long a text is on screen (grapheme clusters, so accents and combining marks count once),
 * and which punctuation ends a sentence or a clause.
 */

/**
 * Languages written without spaces between words (Whisper's own list for word splitting, plus
 * Khmer and Tibetan): they are counted, joined and broken by characters.
 */
const NO_SPACE_LANGUAGES = new Set([
  'zh',
  'ja',
  'th',
  'lo',
  'my',
  'yue',
  'km',
  'bo',
  'chinese',
  'japanese',
  'thai',
  'lao',
  'burmese',
  'myanmar',
  'cantonese',
  'khmer',
  'tibetan',
]);

export function usesSpaces(language: string): boolean {
  const code = language.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return !NO_SPACE_LANGUAGES.has(code);
}

let graphemes: Intl.Segmenter | undefined;

function isAscii(text: string): boolean {
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) > 0x7e) return false;
  return true;
}

/** Characters as a reader sees them: grapheme clusters (é, 👍🏽, Thai vowel marks count once). */
export function charCount(text: string): number {
  if (isAscii(text)) return text.length; // fast path
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let n = 0;
  for (const _ of graphemes.segment(text)) n++;
  return n;
}

/** Whitespace of any kind (incl. newlines from odd model output) collapsed to one space. */
export function squashSpaces(text: string): string {
  return text.replace(/\s+/gu, ' ');
}

/** Joins display pieces the way the language does: with spaces, or directly. */
export function joinPieces(pieces: readonly string[], spaced: boolean): string {
  return pieces
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .join(spaced ? ' ' : '');
}

const CLOSERS = `"'”’»›)\\]}」』）】〕〉》〙〛`;
const CLOSER_SET = new Set([...'"\'”’»›)]}」』）】〕〉》〙〛']);
const SENTENCE_MARKS = new Set([...'.?!…。！？‼⁇⁈⁉؟।።']);
const CLAUSE_MARKS = new Set([...',;:-–—、，；：،']);
/** Short titles that end in a period but never end a sentence ("Mr. Quilter"). */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'vs', 'mt', 'sgt', 'capt']);

/** The last character that is not a closing quote or bracket ("dog.»" → "."); a char-level scan, it runs per word. */
function lastMark(text: string): { mark: string; at: number } {
  let k = text.length - 1;
  while (k >= 0 && (CLOSER_SET.has(text[k]!) || text[k] === ' ')) k--;
  return { mark: k >= 0 ? text[k]! : '', at: k };
}

export function endsSentence(text: string): boolean {
  const { mark, at } = lastMark(text);
  if (!SENTENCE_MARKS.has(mark)) return false;
  if (mark !== '.') return true;
  const m = /(\p{L}+)$/u.exec(text.slice(Math.max(0, at - 8), at));
  return !(m && ABBREVIATIONS.has(m[1]!.toLowerCase()));
}

export function endsClause(text: string): boolean {
  return CLAUSE_MARKS.has(lastMark(text).mark);
}

const CLOSING_ONLY = new RegExp(`^[.,;:!?…。、，．！？；：%${CLOSERS}]+$`, 'u');

/** Only closing punctuation: it must stay on the line of the word before it. */
export function isClosingOnly(text: string): boolean {
  return CLOSING_ONLY.test(text.trim());
}

/** Only opening punctuation: it must stay on the line of the word after it. */
export function isOpeningOnly(text: string): boolean {
  return /^["'“‘«‹([{「『（【〔〈《¿¡]+$/u.test(text.trim());
}

let wordSplitters: Map<string, Intl.Segmenter> | undefined;

export interface TextPiece {
  text: string;
  /** Offset of the piece in the text it was cut from. */
  index: number;
  spaceBefore: boolean;
}

function wordSplitter(language: string): Intl.Segmenter {
  wordSplitters ??= new Map();
  let seg = wordSplitters.get(language);
  if (!seg) {
    seg = new Intl.Segmenter(safeLocale(language), { granularity: 'word' });
    wordSplitters.set(language, seg);
  }
  return seg;
}

/**
 * Splits single-spaced text into break-safe pieces: words in spaced languages; in the others,
 * the words the platform's dictionary segmenter finds (never inside a grapheme), each with
 * whether a space preceded it.
 */
export function splitPieces(text: string, spaced: boolean, language: string): TextPiece[] {
  const out: TextPiece[] = [];
  if (spaced) {
    for (const m of text.matchAll(/\S+/gu)) out.push({ text: m[0], index: m.index, spaceBefore: true });
    return out;
  }
  let space = false;
  for (const s of wordSplitter(language).segment(text)) {
    if (/^\s+$/u.test(s.segment)) {
      space = true;
      continue;
    }
    out.push({ text: s.segment, index: s.index, spaceBefore: space });
    space = false;
  }
  return out;
}

function safeLocale(language: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(language)[0];
  } catch {
    return undefined; // not a BCP 47 tag (e.g. "japanese"): the root locale still segments
  }
}

/** English function words that should not end a line or a cue ("the | dog"), after the BBC guide. */
const WEAK_ENDINGS_EN = new Set(
  'a an the of to in on at for with from by and or but nor my your his her its our their this that'.split(
    ' ',
  ),
);

export function weakEnding(text: string, language: string): boolean {
  return language.toLowerCase().startsWith('en') && WEAK_ENDINGS_EN.has(text.trim().toLowerCase());
}
