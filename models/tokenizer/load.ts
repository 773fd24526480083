/**
 * Vocabulary loaders: Hugging Face tokenizer files and openai/whisper .tiktoken files, both
 * into the canonical VocabSpec (ggml importers build one directly from the bytes they read).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VocabSpec } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { bad, hfVocabFromTexts, type NamedText } from './hf-vocab.ts';
import { LANGUAGES, specialTokenTexts } from './languages.ts';

export { writeHfTokenizerJson } from './hf-json.ts';

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw bad(file, `cannot read the tokenizer file (${(err as Error).message})`, err);
  }
}

const named = (file: string): NamedText => ({ label: file, text: readText(file) });

/**
 * The vocabulary of a Hugging Face model folder: tokenizer.json, or else vocab.json + merges.txt
 * (+ added_tokens.json). Merge ranks are kept in `ranks`.
 */
export function loadHfVocab(dir: string): VocabSpec {
  if (!existsSync(dir)) throw bad(dir, 'model folder not found');
  const tokenizerJson = join(dir, 'tokenizer.json');
  const hasVocabJson = existsSync(join(dir, 'vocab.json')) && existsSync(join(dir, 'merges.txt'));
  if (!existsSync(tokenizerJson) && !hasVocabJson) {
    throw bad(dir, 'no tokenizer files (expected tokenizer.json, or vocab.json and merges.txt)');
  }
  if (existsSync(tokenizerJson)) return hfVocabFromTexts({ tokenizerJson: named(tokenizerJson) }, dir);
  const added = join(dir, 'added_tokens.json');
  return hfVocabFromTexts(
    {
      vocabJson: named(join(dir, 'vocab.json')),
      mergesTxt: named(join(dir, 'merges.txt')),
      ...(existsSync(added) ? { addedTokensJson: named(added) } : {}),
    },
    dir,
  );
}

/** One line of a .tiktoken file: base64 token, space, rank. */
const TIKTOKEN_LINE = /^([A-Za-z0-9+/]*={0,2}) (\d+)$/;

function parseTiktoken(file: string): Uint8Array[] {
  const lines = readText(file).split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw bad(file, 'no tokens');
  return lines.map((line, i) => {
    const m = TIKTOKEN_LINE.exec(line.replace(/\r$/, ''));
    // The multilingual file writes its one empty token as "=", which Python's base64 accepts.
    if (!m || (m[1]!.length % 4 !== 0 && m[1] !== '=')) {
      throw bad(file, `line ${i + 1} is not "<base64 token> <rank>": ${JSON.stringify(line.slice(0, 40))}`);
    }
    if (Number(m[2]) !== i) throw bad(file, `line ${i + 1} has rank ${m[2]}, expected ${i}`);
    return new Uint8Array(Buffer.from(m[1]!, 'base64'));
  });
}

/**
 * The vocabulary of an openai/whisper .tiktoken file (ranks are ids) with the special tokens laid
 * out after it as tokenizer.py does: multilingual.tiktoken with 99 languages (100 for large-v3);
 * gpt2.tiktoken for English-only models, whose real checkpoints also carry 99 (unused) language
 * tokens — pass 0 only for vocabularies laid out without them.
 */
export function loadTiktokenVocab(path: string, nLanguages: number): VocabSpec {
  if (!Number.isInteger(nLanguages) || nLanguages < 0 || nLanguages > LANGUAGES.length) {
    throw new SlimError('INVALID_ARGUMENT', `nLanguages must be 0…${LANGUAGES.length}, not ${nLanguages}`);
  }
  const tokens = parseTiktoken(path);
  const specials = new Map(specialTokenTexts(nLanguages).map((text, i) => [text, tokens.length + i]));
  return { tokens, specials };
}
