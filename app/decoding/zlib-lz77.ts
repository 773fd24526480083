/**
 * The LZ77 parse of zlib's deflate at level 6 (deflate.c deflate_slow + longest_match: lazy
 * matching, good 8 / lazy 16 / nice 128 / chain 128, 15-bit hash of 3 bytes). Only the symbol
 * stream is produced: zlib-size.ts turns it into the exact compressed length, so that Whisper's
 * compression ratio (zlib.compress of the text) is reproduced here without zlib.
 */

const MIN_MATCH = 3;
const MAX_MATCH = 258;
const WSIZE = 32768;
const MIN_LOOKAHEAD = MAX_MATCH + MIN_MATCH + 1;
const MAX_DIST = WSIZE - MIN_LOOKAHEAD;
const TOO_FAR = 4096;
const HASH_MASK = (1 << 15) - 1;
const HASH_SHIFT = 5; // (hash_bits + MIN_MATCH − 1) / MIN_MATCH
const GOOD = 8;
const LAZY = 16;
const NICE = 128;
const CHAIN = 128;
/** zlib flushes a block when its symbol buffer (lit_bufsize − 1 at memLevel 8) is full. */
export const SYMBOLS_PER_BLOCK = (1 << 14) - 1;

/** A literal byte (dist 0) or a match (length 3…258 at distance 1…32768). */
export interface Lz77Symbol {
  lit: number;
  length: number;
  dist: number;
}

/** A block as zlib would flush it: its symbols and the input bytes it covers. */
export interface Lz77Block {
  symbols: Lz77Symbol[];
  storedLength: number;
}

class Matcher {
  readonly head = new Int32Array(HASH_MASK + 1); // 0 is NIL: position 0 is never matched, as in zlib
  readonly prev = new Int32Array(WSIZE);
  insH = 0;
  matchStart = 0;

  constructor(readonly win: Uint8Array) {
    if (win.length > 1) this.insH = ((win[0]! << HASH_SHIFT) ^ win[1]!) & HASH_MASK;
  }

  /** INSERT_STRING: links position `str` into its hash chain; returns the previous head. */
  insert(str: number): number {
    this.insH = ((this.insH << HASH_SHIFT) ^ this.win[str + MIN_MATCH - 1]!) & HASH_MASK;
    const h = this.head[this.insH]!;
    this.prev[str & (WSIZE - 1)] = h;
    this.head[this.insH] = str;
    return h;
  }

  /** longest_match: the first chain entry with the longest match above prevLength. */
  longest(strstart: number, cur: number, prevLength: number, lookahead: number): number {
    let chain = prevLength >= GOOD ? CHAIN >> 2 : CHAIN;
    const nice = Math.min(NICE, lookahead);
    const limit = strstart > MAX_DIST ? strstart - MAX_DIST : 0;
    let best = prevLength;
    const w = this.win;
    do {
      if (w[cur + best] !== w[strstart + best] || w[cur] !== w[strstart]) continue;
      let len = 0;
      while (len < MAX_MATCH && w[cur + len] === w[strstart + len]) len++;
      if (len > best) {
        this.matchStart = cur;
        best = len;
        if (len >= nice) break;
      }
    } while ((cur = this.prev[cur & (WSIZE - 1)]!) > limit && --chain !== 0);
    return Math.min(best, lookahead);
  }
}

/** The blocks of zlib's level-6 deflate of `input` (a single block below 16 383 symbols). */
export function lz77Blocks(input: Uint8Array): Lz77Block[] {
  const n = input.length;
  const win = new Uint8Array(n + MAX_MATCH + 2); // zero tail, as fill_window zeroes WIN_INIT bytes
  win.set(input);
  const m = new Matcher(win);
  const blocks: Lz77Block[] = [];
  let symbols: Lz77Symbol[] = [];
  let blockStart = 0;
  const tally = (s: Lz77Symbol): boolean => symbols.push(s) === SYMBOLS_PER_BLOCK;
  const flush = (end: number): void => {
    blocks.push({ symbols, storedLength: end - blockStart });
    symbols = [];
    blockStart = end;
  };
  let strstart = 0;
  let lookahead = n;
  let matchLength = MIN_MATCH - 1;
  let matchAvailable = false;
  while (lookahead > 0) {
    const hashHead = lookahead >= MIN_MATCH ? m.insert(strstart) : 0;
    const prevLength = matchLength;
    const prevMatch = m.matchStart;
    matchLength = MIN_MATCH - 1;
    if (hashHead !== 0 && prevLength < LAZY && strstart - hashHead <= MAX_DIST) {
      matchLength = m.longest(strstart, hashHead, prevLength, lookahead);
      if (matchLength === MIN_MATCH && strstart - m.matchStart > TOO_FAR) matchLength = MIN_MATCH - 1;
    }
    if (prevLength >= MIN_MATCH && matchLength <= prevLength) {
      const maxInsert = strstart + lookahead - MIN_MATCH;
      const full = tally({ lit: 0, length: prevLength, dist: strstart - 1 - prevMatch });
      lookahead -= prevLength - 1;
      for (let k = prevLength - 2; k > 0; k--) if (++strstart <= maxInsert) m.insert(strstart);
      matchAvailable = false;
      matchLength = MIN_MATCH - 1;
      strstart++;
      if (full) flush(strstart);
    } else if (matchAvailable) {
      if (tally({ lit: win[strstart - 1]!, length: 0, dist: 0 })) flush(strstart);
      strstart++;
      lookahead--;
    } else {
      matchAvailable = true;
      strstart++;
      lookahead--;
    }
  }
  if (matchAvailable) symbols.push({ lit: win[strstart - 1]!, length: 0, dist: 0 });
  flush(strstart);
  return blocks;
}
