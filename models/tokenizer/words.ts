/**
 * Grouping of tokens into words for word-level timestamps, with the behaviour of openai/whisper's
 * split_to_word_tokens: at spaces for most languages, at complete characters for languages
 * written without spaces.
 */

export interface WordSplit {
  words: string[];
  wordTokens: number[][];
}

/** Languages whose words are not separated by spaces. */
export const LANGUAGES_WITHOUT_SPACES: ReadonlySet<string> = new Set(['zh', 'ja', 'th', 'lo', 'my', 'yue']);

/** Python's string.punctuation: a subword that is a substring of it stands alone. */
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

type DecodeAll = (ids: number[]) => string;

/**
 * Cuts wherever the tokens so far decode to complete characters: a U+FFFD in a partial decode
 * means a character is still split, unless the full text has U+FFFD at that place too.
 */
export function splitOnUnicode(ids: readonly number[], decode: DecodeAll): WordSplit {
  const full = decode([...ids]);
  const out: WordSplit = { words: [], wordTokens: [] };
  let current: number[] = [];
  let offset = 0;
  for (const id of ids) {
    current.push(id);
    const text = decode(current);
    const bad = text.indexOf('\ufffd');
    if (bad < 0 || full[offset + bad] === '\ufffd') {
      out.words.push(text);
      out.wordTokens.push(current);
      current = [];
      offset += text.length;
    }
  }
  return out;
}

/** Joins unicode subwords into words that start at a space, a special token or punctuation. */
export function splitOnSpaces(ids: readonly number[], decode: DecodeAll, eot: number): WordSplit {
  const sub = splitOnUnicode(ids, decode);
  const out: WordSplit = { words: [], wordTokens: [] };
  sub.words.forEach((word, i) => {
    const tokens = sub.wordTokens[i]!;
    const startsWord =
      tokens[0]! >= eot ||
      word.startsWith(' ') ||
      PUNCTUATION.includes(word.trim()) ||
      out.words.length === 0;
    if (startsWord) {
      out.words.push(word);
      out.wordTokens.push([...tokens]);
    } else {
      out.words[out.words.length - 1] += word;
      out.wordTokens[out.wordTokens.length - 1]!.push(...tokens);
    }
  });
  return out;
}
