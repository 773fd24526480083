/**
 * Vocabulary loaders: Hugging Face tokenizer files and openai/whisper .tiktoken files, both
 * into the canonical VocabSpec (ggml importers build one directly from the bytes they read).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VocabSpec } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { byteLevelToBytes } from './bytelevel.ts';
import { LANGUAGES, N_TIMESTAMPS, specialTokenTexts, timestampTokenText } from './languages.ts';

export { writeHfTokenizerJson } from './hf-json.ts';

/** The parts of a byte-level BPE tokenizer that matter here, whichever HF files held them. */
interface HfParts {
  vocab: Array<[string, number]>;
  merges: Array<[string, string]>;
  added: Array<[string, number]>;
}

function bad(file: string, problem: string, cause?: unknown): SlimError {
  return new SlimError('TOKENIZER', `${file}: ${problem}`, { cause });
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw bad(file, `cannot read the tokenizer file (${(err as Error).message})`, err);
  }
}

function readJson(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw bad(file, `not valid JSON (${(err as Error).message})`, err);
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isId(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

/** A JSON object of text → id (vocab.json, added_tokens.json, tokenizer.json's model.vocab). */
function idEntries(file: string, x: unknown, what: string): Array<[string, number]> {
  if (!isRecord(x)) throw bad(file, `${what} is not an object of token → id`);
  const out: Array<[string, number]> = [];
  for (const [text, id] of Object.entries(x)) {
    if (!isId(id)) throw bad(file, `${what}: token ${JSON.stringify(text)} has no valid id`);
    out.push([text, id]);
  }
  return out;
}

/** A merge as "a b" (merges.txt, older tokenizer.json) or ["a", "b"] (newer tokenizer.json). */
function mergePair(file: string, m: unknown, index: number): [string, string] {
  const parts = typeof m === 'string' ? m.split(' ') : m;
  if (Array.isArray(parts) && parts.length === 2 && parts.every((p) => typeof p === 'string')) {
    return [parts[0] as string, parts[1] as string];
  }
  throw bad(file, `merge ${index + 1} is not a pair of tokens: ${JSON.stringify(m)}`);
}

function parseTokenizerJson(file: string): HfParts {
  const json = readJson(file);
  if (!isRecord(json) || !isRecord(json.model)) throw bad(file, 'no "model" object');
  const { model } = json;
  if (model.type !== undefined && model.type !== 'BPE') {
    throw bad(file, `model type ${JSON.stringify(model.type)} is not byte-level BPE`);
  }
  if (!Array.isArray(model.merges)) throw bad(file, 'model.merges is missing');
  if (!Array.isArray(json.added_tokens)) throw bad(file, 'added_tokens is missing');
  const added = json.added_tokens.map((t: unknown): [string, number] => {
    if (isRecord(t) && typeof t.content === 'string' && isId(t.id)) return [t.content, t.id];
    throw bad(file, `added token ${JSON.stringify(t)} has no content or id`);
  });
  return {
    vocab: idEntries(file, model.vocab, 'model.vocab'),
    merges: model.merges.map((m: unknown, i: number) => mergePair(file, m, i)),
    added,
  };
}

function parseMergesTxt(file: string): Array<[string, string]> {
  const lines = readText(file).split(/\r?\n/);
  // The first line is a "#version: …" header; blank lines (the last one) carry nothing.
  return lines
    .filter((line, i) => line !== '' && !(i === 0 && line.startsWith('#')))
    .map((line, i) => mergePair(file, line, i));
}

function parseVocabJsonFolder(dir: string): HfParts {
  const vocabFile = join(dir, 'vocab.json');
  const addedFile = join(dir, 'added_tokens.json');
  return {
    vocab: idEntries(vocabFile, readJson(vocabFile), 'the vocabulary'),
    merges: parseMergesTxt(join(dir, 'merges.txt')),
    added: existsSync(addedFile) ? idEntries(addedFile, readJson(addedFile), 'the added tokens') : [],
  };
}

/** Specials written into the vocabulary itself, as GPT-2's vocab.json does with <|endoftext|>. */
const SPECIAL_TEXT = /^<\|.+\|>$/;

function splitVocab(file: string, parts: HfParts): Pick<VocabSpec, 'tokens' | 'specials'> {
  const specials = new Map(parts.added);
  const tokens: Uint8Array[] = [];
  for (const [text, id] of parts.vocab) {
    if (specials.has(text) || SPECIAL_TEXT.test(text)) {
      if (!specials.has(text)) specials.set(text, id);
      continue;
    }
    const bytes = byteLevelToBytes(text);
    if (!bytes) throw bad(file, `token ${JSON.stringify(text)} is not in byte-level form`);
    if (tokens[id]) throw bad(file, `id ${id} is given to two tokens`);
    tokens[id] = bytes;
  }
  for (let id = 0; id < tokens.length; id++) {
    if (!tokens[id]) throw bad(file, `the regular tokens skip id ${id}`);
  }
  for (const [text, id] of specials) {
    if (id < tokens.length) throw bad(file, `special token ${text} has id ${id}, a regular token's`);
  }
  return { tokens, specials };
}

/** Merge ranks keyed by the merged token in byte-level form (see ranks.ts). */
function mergeRanks(file: string, parts: HfParts): Map<string, number> {
  const known = new Set(parts.vocab.map(([text]) => text));
  const ranks = new Map<string, number>();
  parts.merges.forEach(([a, b], i) => {
    if (!known.has(a) || !known.has(b) || !known.has(a + b)) {
      throw bad(file, `merge ${i + 1} "${a} ${b}" joins tokens that are not in the vocabulary`);
    }
    if (!ranks.has(a + b)) ranks.set(a + b, i);
  });
  return ranks;
}

/**
 * Older HF Whisper tokenizers stop at <|notimestamps|>; the model still has the 1501 timestamp
 * tokens right after it, so they are added where they are missing.
 */
function addMissingTimestamps(file: string, specials: Map<string, number>): void {
  const noTimestamps = specials.get('<|notimestamps|>');
  if (noTimestamps === undefined || specials.has(timestampTokenText(0))) return;
  const taken = new Set(specials.values());
  for (let i = 0; i < N_TIMESTAMPS; i++) {
    const id = noTimestamps + 1 + i;
    if (taken.has(id)) throw bad(file, `id ${id}, where ${timestampTokenText(i)} belongs, is taken`);
    specials.set(timestampTokenText(i), id);
  }
}

function requireWhisperSpecials(file: string, specials: Map<string, number>): void {
  for (const text of ['<|endoftext|>', '<|startoftranscript|>']) {
    if (!specials.has(text)) throw bad(file, `no ${text} token: not a Whisper tokenizer`);
  }
}

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
  const file = existsSync(tokenizerJson) ? tokenizerJson : join(dir, 'vocab.json');
  const parts = file === tokenizerJson ? parseTokenizerJson(file) : parseVocabJsonFolder(dir);
  const { tokens, specials } = splitVocab(file, parts);
  addMissingTimestamps(file, specials);
  requireWhisperSpecials(file, specials);
  return { tokens, specials, ranks: mergeRanks(file, parts) };
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
