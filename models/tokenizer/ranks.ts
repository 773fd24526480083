/**
 * BPE merge priorities of a VocabSpec in tiktoken's form: one rank per token, and a merge joins
 * the adjacent pair whose concatenation has the lowest rank.
 *
 * Without `ranks` a token's rank is its id (how Whisper's .tiktoken files and ggml vocabularies
 * are ordered). With `ranks` (from HF merges: key = the token in byte-level form, value = index of
 * the first merge that makes it), single bytes rank by byte value and merged tokens come after
 * them in merge order; tokens no merge makes are left out, as HF's BPE never produces them.
 */
import type { VocabSpec } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { bytesToByteLevel } from './bytelevel.ts';

export interface RankedToken {
  id: number;
  rank: number;
  bytes: Uint8Array;
}

/** The key a token has in `VocabSpec.ranks`. */
export function rankKey(bytes: Uint8Array): string {
  return bytesToByteLevel(bytes);
}

function rankOf(vocab: VocabSpec, id: number, bytes: Uint8Array): number | undefined {
  if (!vocab.ranks) return id;
  if (bytes.length === 1) return bytes[0]!;
  const r = vocab.ranks.get(rankKey(bytes));
  return r === undefined ? undefined : 256 + r;
}

/** Every token that takes part in BPE, sorted by rank; the first id wins for duplicate bytes. */
export function rankedTokens(vocab: VocabSpec): RankedToken[] {
  const seenBytes = new Set<string>();
  const seenRanks = new Set<number>();
  const out: RankedToken[] = [];
  vocab.tokens.forEach((bytes, id) => {
    const key = rankKey(bytes);
    const rank = rankOf(vocab, id, bytes);
    if (bytes.length === 0 || rank === undefined || seenBytes.has(key)) return;
    if (seenRanks.has(rank)) {
      throw new SlimError('TOKENIZER', `Vocabulary ranks are not unique: rank ${rank} is given twice`);
    }
    seenBytes.add(key);
    seenRanks.add(rank);
    out.push({ id, rank, bytes });
  });
  return out.sort((a, b) => a.rank - b.rank);
}

/**
 * tiktoken's merge loop on one piece (in byte-level form, one character per byte), considering
 * only ranks below `maxRank`: returns the parts. Used to recover HF merges from ranks, as
 * tiktoken-to-HF converters do; encoding itself goes through js-tiktoken.
 */
export function mergeParts(piece: string, rankByKey: Map<string, number>, maxRank: number): string[] {
  const parts = [...piece];
  while (parts.length > 1) {
    let best = -1;
    let bestRank = maxRank;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = rankByKey.get(parts[i]! + parts[i + 1]!);
      if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
    }
    if (best < 0) break;
    parts.splice(best, 2, parts[best]! + parts[best + 1]!);
  }
  return parts;
}

/** The merges that rebuild every multi-byte ranked token, in rank order, in byte-level form. */
export function deriveMerges(ranked: RankedToken[]): Array<[string, string]> {
  const keys = ranked.map((t) => rankKey(t.bytes));
  const rankByKey = new Map(keys.map((k, i) => [k, ranked[i]!.rank]));
  const merges: Array<[string, string]> = [];
  ranked.forEach((t, i) => {
    if (t.bytes.length < 2) return;
    const parts = mergeParts(keys[i]!, rankByKey, t.rank);
    // A token that lower ranks cannot build as exactly two parts is unreachable by merges.
    if (parts.length === 2) merges.push([parts[0]!, parts[1]!]);
  });
  return merges;
}
