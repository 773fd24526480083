/**
 * tokenizer.json text for a VocabSpec, laid out like Hugging Face's Whisper tokenizers, so that
 * fixture model folders carry a real tokenizer that loadHfVocab (and HF libraries) can read.
 */
import type { VocabSpec } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { bytesToByteLevel } from './bytelevel.ts';
import { deriveMerges, rankedTokens } from './ranks.ts';

const TIMESTAMP_TEXT = /^<\|\d+\.\d\d\|>$/;

function vocabObject(vocab: VocabSpec): Record<string, number> {
  const byText = new Map<string, number>();
  vocab.tokens.forEach((bytes, id) => {
    const text = bytesToByteLevel(bytes);
    const other = byText.get(text);
    if (other !== undefined) {
      throw new SlimError(
        'TOKENIZER',
        `Cannot write tokenizer.json: tokens ${other} and ${id} are the same bytes`,
      );
    }
    byText.set(text, id);
  });
  // fromEntries defines own properties, so a token such as "__proto__" stays an ordinary key.
  return Object.fromEntries(byText);
}

/** HF marks timestamps as normalized non-special added tokens and the others as special. */
function addedTokens(vocab: VocabSpec): Array<Record<string, unknown>> {
  return [...vocab.specials]
    .sort((a, b) => a[1] - b[1])
    .map(([content, id]) => {
      const timestamp = TIMESTAMP_TEXT.test(content);
      return {
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: timestamp,
        special: !timestamp,
      };
    });
}

/** HF's Whisper template: <|startoftranscript|> <|notimestamps|> text <|endoftext|>. */
function postProcessor(vocab: VocabSpec): Record<string, unknown> | null {
  const names = ['<|startoftranscript|>', '<|notimestamps|>', '<|endoftext|>'];
  if (!names.every((n) => vocab.specials.has(n))) return null;
  const special = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  const sequence = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const [sot, noTs, eot] = names as [string, string, string];
  return {
    type: 'TemplateProcessing',
    single: [special(sot, 0), special(noTs, 0), sequence('A', 0), special(eot, 0)],
    pair: [special(sot, 0), special(noTs, 0), sequence('A', 0), sequence('B', 1), special(eot, 1)],
    special_tokens: Object.fromEntries(
      names.map((n) => [n, { id: n, ids: [vocab.specials.get(n)!], tokens: [n] }]),
    ),
  };
}

const BYTE_LEVEL = { add_prefix_space: false, trim_offsets: true, use_regex: true };

export function writeHfTokenizerJson(vocab: VocabSpec): string {
  const merges = deriveMerges(rankedTokens(vocab)).map(([a, b]) => `${a} ${b}`);
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens(vocab),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', ...BYTE_LEVEL },
    post_processor: postProcessor(vocab),
    decoder: { type: 'ByteLevel', ...BYTE_LEVEL },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab: vocabObject(vocab),
      merges,
    },
  };
  return JSON.stringify(json, null, 2) + '\n';
}
