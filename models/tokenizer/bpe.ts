/**
 * Byte-level BPE encoding of ordinary text, as tiktoken does it for openai/whisper.
 *
 * The core is js-tiktoken (a port of tiktoken, already a dependency): it takes ranks as base64
 * lines, so any VocabSpec can be fed to it. js-tiktoken returns ranks, which equal ids for
 * tiktoken-ordered vocabularies; for HF merge ranks a rank → id table maps them back.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import type { VocabSpec } from '../checkpoint/types.ts';
import { rankedTokens } from './ranks.ts';

/**
 * openai/whisper's pre-tokenization pattern (GPT-2's). tiktoken compiles it with Rust's regex,
 * where \s is Unicode White_Space; JavaScript's \s differs (it adds U+FEFF and lacks U+0085), so
 * \s and \S are spelled as the property here.
 */
export const WHISPER_PATTERN =
  String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    .replaceAll(String.raw`\s`, String.raw`\p{White_Space}`)
    .replaceAll(String.raw`\S`, String.raw`\P{White_Space}`);

// btoa rather than Buffer: the engine runs this in a browser worker too.
function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** A special text js-tiktoken must know; it never matches because encode allows no specials. */
const GUARD_SPECIAL = '<|endoftext|>';

export class ByteLevelBpe {
  private readonly core: Tiktoken;
  private readonly rankToId: Map<number, number>;

  constructor(vocab: VocabSpec) {
    const ranked = rankedTokens(vocab);
    this.rankToId = new Map(ranked.map((t) => [t.rank, t.id]));
    // js-tiktoken's rank format: lines of "! <first rank> <base64 token> …".
    const lines = ranked.map((t) => `! ${t.rank} ${base64(t.bytes)}`);
    this.core = new Tiktoken({
      pat_str: WHISPER_PATTERN,
      special_tokens: { [GUARD_SPECIAL]: -1 },
      bpe_ranks: lines.join('\n'),
    });
  }

  /** Ids of `text`, special-token texts included as ordinary text. */
  encode(text: string): number[] {
    return this.core.encode(text, [], []).map((rank) => this.rankToId.get(rank)!);
  }
}
