/**
 * Whisper's tokenizer (openai/whisper tokenizer.py) over a VocabSpec, whatever file it came from:
 * byte-level BPE for text, Whisper's special tokens by role, and the helpers decoding needs.
 */
import type { VocabSpec } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { ByteLevelBpe } from './bpe.ts';
import { LANGUAGES, N_TIMESTAMPS, timestampTokenText } from './languages.ts';
import { LANGUAGES_WITHOUT_SPACES, splitOnSpaces, splitOnUnicode, type WordSplit } from './words.ts';

export type { WordSplit } from './words.ts';

export type Task = 'transcribe' | 'translate';

export interface TokenizerOptions {
  /** Multilingual models take a language and a task after <|startoftranscript|>; .en models do not. */
  multilingual: boolean;
}

export interface SotOptions {
  /** Code ('de') or English name ('german'); default 'en'; null leaves the language token out. */
  language?: string | null;
  /** Default 'transcribe'; null leaves the task token out. */
  task?: Task | null;
}

export interface DecodeOptions {
  /** Keep special tokens and timestamps, as their text ('<|en|>', '<|1.08|>'). Default false. */
  keepSpecial?: boolean;
}

/** openai/whisper's non_speech_tokens symbols: speaker tags, music notes, brackets. */
const NON_SPEECH_SYMBOLS = [
  ...'"#()*+/:;<=>@[\\]^_`{|}~「」『』',
  ...'<< >> <<< >>> -- --- -( -[ (\' (" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪'.split(' '),
];
/** U+2640…U+267F symbols: if split, their first token is a shared prefix, safe to suppress too. */
const NON_SPEECH_MISC = [...'♩♪♫♬♭♮♯'];

const utf8 = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF instead of eating it, so decoding round-trips byte-exactly.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function required(specials: Map<string, number>, ...texts: string[]): number {
  for (const t of texts) {
    const id = specials.get(t);
    if (id !== undefined) return id;
  }
  throw new SlimError(
    'TOKENIZER',
    `The vocabulary has no ${texts.join(' or ')} token: not a Whisper vocabulary`,
  );
}

function checkBytes(vocab: VocabSpec): void {
  const single = new Set(vocab.tokens.filter((t) => t.length === 1).map((t) => t[0]));
  if (single.size < 256) {
    throw new SlimError('TOKENIZER', `The vocabulary has ${single.size} of the 256 single-byte tokens`);
  }
}

export class WhisperTokenizer {
  readonly multilingual: boolean;
  /** Regular tokens plus special tokens: the decoder's output width. */
  readonly nVocab: number;
  readonly eot: number;
  readonly sot: number;
  readonly sotPrev: number;
  readonly sotLm: number;
  /** <|nospeech|>, called <|nocaptions|> in older vocabularies. */
  readonly noSpeech: number;
  readonly noTimestamps: number;
  readonly transcribe: number;
  readonly translate: number;
  /** <|0.00|>; every id from here on is a timestamp, 20 ms apart. */
  readonly timestampBegin: number;
  /** The language tokens the vocabulary holds, in id order (.en vocabularies hold them too, unused). */
  readonly allLanguageTokens: readonly number[];
  readonly allLanguageCodes: readonly string[];

  private readonly tokens: Uint8Array[];
  private readonly specialBytes = new Map<number, Uint8Array>();
  private readonly languageIds = new Map<string, number>();
  private readonly bpe: ByteLevelBpe;
  private nonSpeech: number[] | undefined;

  private constructor(vocab: VocabSpec, opts: TokenizerOptions) {
    checkBytes(vocab);
    const s = vocab.specials;
    this.multilingual = opts.multilingual;
    this.tokens = vocab.tokens;
    this.eot = required(s, '<|endoftext|>');
    this.sot = required(s, '<|startoftranscript|>');
    this.sotPrev = required(s, '<|startofprev|>');
    this.sotLm = required(s, '<|startoflm|>');
    this.noSpeech = required(s, '<|nospeech|>', '<|nocaptions|>');
    this.noTimestamps = required(s, '<|notimestamps|>');
    this.transcribe = required(s, '<|transcribe|>');
    this.translate = required(s, '<|translate|>');
    // Vocabularies that stop at <|notimestamps|> still mean the timestamps right after it.
    this.timestampBegin = s.get(timestampTokenText(0)) ?? this.noTimestamps + 1;
    for (const [text, id] of s) this.specialBytes.set(id, utf8.encode(text));
    for (let i = 0; i < N_TIMESTAMPS; i++) {
      if (!this.specialBytes.has(this.timestampBegin + i)) {
        this.specialBytes.set(this.timestampBegin + i, utf8.encode(timestampTokenText(i)));
      }
    }
    this.nVocab = Math.max(this.tokens.length, ...this.specialBytes.keys()) + 1;
    for (const [code] of LANGUAGES) {
      const id = s.get(`<|${code}|>`);
      if (id !== undefined) this.languageIds.set(code, id);
    }
    const langs = [...this.languageIds].sort((a, b) => a[1] - b[1]);
    this.allLanguageCodes = langs.map(([code]) => code);
    this.allLanguageTokens = langs.map(([, id]) => id);
    this.bpe = new ByteLevelBpe(vocab);
  }

  static fromVocab(vocab: VocabSpec, opts: TokenizerOptions): WhisperTokenizer {
    return new WhisperTokenizer(vocab, opts);
  }

  /** Ids of ordinary text; special-token texts in it are encoded as text, never as specials. */
  encode(text: string): number[] {
    return this.bpe.encode(text);
  }

  /** The UTF-8 bytes of `ids`; a character split across tokens is whole once all are given. */
  decodeBytes(ids: readonly number[], opts: DecodeOptions = {}): Uint8Array {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (const id of ids) {
      const bytes = this.bytesOf(id, opts.keepSpecial ?? false);
      if (bytes) {
        parts.push(bytes);
        length += bytes.length;
      }
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Text of `ids`; special tokens and timestamps are left out unless `keepSpecial`. */
  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    return utf8Decoder.decode(this.decodeBytes(ids, opts));
  }

  /** Text with every token, timestamps written as '<|1.08|>' (openai's decode_with_timestamps). */
  decodeWithTimestamps(ids: readonly number[]): string {
    return this.decode(ids, { keepSpecial: true });
  }

  private bytesOf(id: number, keepSpecial: boolean): Uint8Array | undefined {
    if (Number.isInteger(id) && id >= 0 && id < this.tokens.length) return this.tokens[id];
    const special = this.specialBytes.get(id);
    if (!special)
      throw new SlimError('TOKENIZER', `Token id ${id} is not in the vocabulary (size ${this.nVocab})`);
    return keepSpecial ? special : undefined;
  }

  /** Words and their tokens, for word timestamps (openai's split_to_word_tokens). */
  splitToWordTokens(ids: readonly number[], language = 'en'): WordSplit {
    const decode = (t: number[]): string => this.decodeWithTimestamps(t);
    return LANGUAGES_WITHOUT_SPACES.has(language)
      ? splitOnUnicode(ids, decode)
      : splitOnSpaces(ids, decode, this.eot);
  }

  /** The language token of a code ('de') or English name ('german'). */
  languageToken(language: string): number {
    const key = language.toLowerCase();
    const code = LANGUAGES.find(([c, name]) => c === key || name === key)?.[0];
    const id = code === undefined ? undefined : this.languageIds.get(code);
    if (id === undefined) {
      throw new SlimError('TOKENIZER', `Language ${JSON.stringify(language)} is not in this vocabulary`);
    }
    return id;
  }

  /** The language code of a language token, or undefined for any other id. */
  languageCodeOf(id: number): string | undefined {
    const i = this.allLanguageTokens.indexOf(id);
    return i < 0 ? undefined : this.allLanguageCodes[i];
  }

  /**
   * The prompt start: [sot, language, task] for multilingual models, [sot] for English-only ones
   * (which take neither, as in openai's get_tokenizer).
   */
  sotSequence(opts: SotOptions = {}): number[] {
    if (!this.multilingual) return [this.sot];
    const out = [this.sot];
    const language = opts.language === undefined ? 'en' : opts.language;
    const task = opts.task === undefined ? 'transcribe' : opts.task;
    if (language !== null) out.push(this.languageToken(language));
    if (task !== null) out.push(task === 'translate' ? this.translate : this.transcribe);
    return out;
  }

  /**
   * Tokens to suppress so the model does not write speaker tags, music symbols or bracketed
   * annotations (openai's non_speech_tokens); hyphens and quotes stay allowed inside words.
   */
  nonSpeechTokens(): number[] {
    if (this.nonSpeech) return [...this.nonSpeech];
    const result = new Set([this.encode(' -')[0]!, this.encode(" '")[0]!]);
    for (const symbol of [...NON_SPEECH_SYMBOLS, ...NON_SPEECH_MISC]) {
      const misc = NON_SPEECH_MISC.includes(symbol);
      for (const ids of [this.encode(symbol), this.encode(' ' + symbol)]) {
        if (ids.length === 1 || misc) result.add(ids[0]!);
      }
    }
    this.nonSpeech = [...result].sort((a, b) => a - b);
    return [...this.nonSpeech];
  }

  isTimestamp(id: number): boolean {
    return id >= this.timestampBegin && id < this.timestampBegin + N_TIMESTAMPS;
  }

  /** Any token that is not text: <|endoftext|>, languages, tasks, timestamps, … */
  isSpecial(id: number): boolean {
    return id >= this.tokens.length && this.specialBytes.has(id);
  }
}
