/**
 * Hugging Face tokenizer files (tokenizer.json, or vocab.json + merges.txt + added_tokens.json)
 * parsed from their text into the canonical VocabSpec, with no file access: the engine worker
 * parses the files the main process hands it; load.ts reads them from a folder.
 */
import type { VocabSpec } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { byteLevelToBytes } from './bytelevel.ts';
import { N_TIMESTAMPS, timestampTokenText } from './languages.ts';

/** A file's text and the name errors give it (a path, or a label in the worker). */
export interface NamedText {
  label: string;
  text: string;
}

/** The tokenizer files of a model: tokenizer.json, or vocab.json and merges.txt (+ added tokens). */
export interface HfTokenizerTexts {
  tokenizerJson?: NamedText;
  vocabJson?: NamedText;
  mergesTxt?: NamedText;
  addedTokensJson?: NamedText;
}

export function bad(file: string, problem: string, cause?: unknown): SlimError {
  return new SlimError('TOKENIZER', `${file}: ${problem}`, { cause });
}

/** The parts of a byte-level BPE tokenizer that matter here, whichever HF files held them. */
interface HfParts {
  vocab: Array<[string, number]>;
  merges: Array<[string, string]>;
  added: Array<[string, number]>;
}

function readJson({ label: file, text }: NamedText): unknown {
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

function parseTokenizerJson(t: NamedText): HfParts {
  const file = t.label;
  const json = readJson(t);
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

function parseMergesTxt({ label: file, text }: NamedText): Array<[string, string]> {
  const lines = text.split(/\r?\n/);
  // The first line is a "#version: …" header; blank lines (the last one) carry nothing.
  return lines
    .filter((line, i) => line !== '' && !(i === 0 && line.startsWith('#')))
    .map((line, i) => mergePair(file, line, i));
}

function parseVocabJsonFiles(vocab: NamedText, merges: NamedText, added: NamedText | undefined): HfParts {
  return {
    vocab: idEntries(vocab.label, readJson(vocab), 'the vocabulary'),
    merges: parseMergesTxt(merges),
    added: added ? idEntries(added.label, readJson(added), 'the added tokens') : [],
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

/** The vocabulary from tokenizer.json, or else vocab.json + merges.txt; merge ranks in `ranks`. */
export function hfVocabFromTexts(t: HfTokenizerTexts, where: string): VocabSpec {
  let file: string;
  let parts: HfParts;
  if (t.tokenizerJson) {
    file = t.tokenizerJson.label;
    parts = parseTokenizerJson(t.tokenizerJson);
  } else if (t.vocabJson && t.mergesTxt) {
    file = t.vocabJson.label;
    parts = parseVocabJsonFiles(t.vocabJson, t.mergesTxt, t.addedTokensJson);
  } else {
    throw bad(where, 'no tokenizer files (expected tokenizer.json, or vocab.json and merges.txt)');
  }
  const { tokens, specials } = splitVocab(file, parts);
  addMissingTimestamps(file, specials);
  requireWhisperSpecials(file, specials);
  return { tokens, specials, ranks: mergeRanks(file, parts) };
}
