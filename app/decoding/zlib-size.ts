/**
 * The exact byte length of zlib.compress(data) (level 6), which openai/whisper utils.py
 * compression_ratio divides by. zlib's trees.c decides each block's coding (stored, fixed or
 * dynamic Huffman) from bit counts that depend on its own Huffman construction (heap order,
 * depth tie-break, length limiting, run-length coded code lengths): those are reproduced here.
 * Deflate libraries such as fflate parse and build trees differently and differ by a byte or two.
 */
import { lz77Blocks, type Lz77Symbol } from './zlib-lz77.ts';

const L_CODES = 286;
const D_CODES = 30;
const BL_CODES = 19;
const END_BLOCK = 256;
const HEAP_SIZE = 2 * L_CODES + 1;
const BL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const BL_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];

/** Code lengths of the fixed literal/length tree (RFC 1951 §3.2.6). */
function staticLitLen(code: number): number {
  return code < 144 ? 8 : code < 256 ? 9 : code < 280 ? 7 : 8;
}

function codeOf(value: number, base: readonly number[]): number {
  let c = base.length - 1;
  while (base[c]! > value) c--;
  return c;
}

interface TreeSpec {
  elems: number;
  maxLength: number;
  extra: (code: number) => number;
  /** Fixed-code length, for the static cost; none for the bit-length tree. */
  staticLen?: (code: number) => number;
}

const LIT_SPEC: TreeSpec = {
  elems: L_CODES,
  maxLength: 15,
  extra: (c) => (c > END_BLOCK ? LENGTH_EXTRA[c - END_BLOCK - 1]! : 0),
  staticLen: staticLitLen,
};
const DIST_SPEC: TreeSpec = {
  elems: D_CODES,
  maxLength: 15,
  extra: (c) => DIST_EXTRA[c]!,
  staticLen: () => 5,
};
const BL_SPEC: TreeSpec = { elems: BL_CODES, maxLength: 7, extra: (c) => BL_EXTRA[c]! };

/** What build_tree leaves behind: code lengths, max_code, and the cost added to opt_len/static_len. */
interface BuiltTree {
  len: Int32Array;
  maxCode: number;
  optBits: number;
  staticBits: number;
}

class Heap {
  readonly heap = new Int32Array(HEAP_SIZE + 1);
  len = 0;
  max = HEAP_SIZE;
  constructor(
    readonly freq: Int32Array,
    readonly depth: Int32Array,
  ) {}

  private smaller(n: number, m: number): boolean {
    const f = this.freq;
    return f[n]! < f[m]! || (f[n] === f[m] && this.depth[n]! <= this.depth[m]!);
  }

  /** pqdownheap */
  down(k: number): void {
    const h = this.heap;
    const v = h[k]!;
    let j = k << 1;
    while (j <= this.len) {
      if (j < this.len && this.smaller(h[j + 1]!, h[j]!)) j++;
      if (this.smaller(v, h[j]!)) break;
      h[k] = h[j]!;
      k = j;
      j <<= 1;
    }
    h[k] = v;
  }
}

/** trees.c build_tree + gen_bitlen (code lengths only). */
function buildTree(freqIn: Int32Array, spec: TreeSpec): BuiltTree {
  const freq = new Int32Array(HEAP_SIZE);
  freq.set(freqIn);
  const depth = new Int32Array(HEAP_SIZE);
  const dad = new Int32Array(HEAP_SIZE);
  const len = new Int32Array(HEAP_SIZE);
  const hp = new Heap(freq, depth);
  let maxCode = -1;
  let optBits = 0;
  let staticBits = 0;
  for (let n = 0; n < spec.elems; n++) if (freq[n] !== 0) hp.heap[++hp.len] = maxCode = n;
  // At least two codes, even for an unused tree: zlib adds dummy leaves of frequency 1.
  while (hp.len < 2) {
    const node = (hp.heap[++hp.len] = maxCode < 2 ? ++maxCode : 0);
    freq[node] = 1;
    depth[node] = 0;
    optBits--;
    if (spec.staticLen) staticBits -= spec.staticLen(node);
  }
  for (let n = hp.len >> 1; n >= 1; n--) hp.down(n);
  let node = spec.elems;
  do {
    const n = hp.heap[1]!;
    hp.heap[1] = hp.heap[hp.len--]!;
    hp.down(1);
    const m = hp.heap[1]!;
    hp.heap[--hp.max] = n;
    hp.heap[--hp.max] = m;
    freq[node] = freq[n]! + freq[m]!;
    depth[node] = Math.max(depth[n]!, depth[m]!) + 1;
    dad[n] = dad[m] = node;
    hp.heap[1] = node++;
    hp.down(1);
  } while (hp.len >= 2);
  hp.heap[--hp.max] = hp.heap[1]!;
  const bits = genBitLengths(hp, dad, len, maxCode, spec);
  return { len, maxCode, optBits: optBits + bits.opt, staticBits: staticBits + bits.stat };
}

/** gen_bitlen: lengths from the tree, limited to maxLength the way zlib does it. */
function genBitLengths(
  hp: Heap,
  dad: Int32Array,
  len: Int32Array,
  maxCode: number,
  spec: TreeSpec,
): { opt: number; stat: number } {
  const blCount = new Int32Array(16);
  let overflow = 0;
  let opt = 0;
  let stat = 0;
  len[hp.heap[hp.max]!] = 0;
  let h: number;
  for (h = hp.max + 1; h < HEAP_SIZE; h++) {
    const n = hp.heap[h]!;
    let bits = len[dad[n]!]! + 1;
    if (bits > spec.maxLength) {
      bits = spec.maxLength;
      overflow++;
    }
    len[n] = bits;
    if (n > maxCode) continue; // not a leaf
    blCount[bits]++;
    const x = spec.extra(n);
    opt += hp.freq[n]! * (bits + x);
    if (spec.staticLen) stat += hp.freq[n]! * (spec.staticLen(n) + x);
  }
  if (overflow === 0) return { opt, stat };
  do {
    let bits = spec.maxLength - 1;
    while (blCount[bits] === 0) bits--;
    blCount[bits]--;
    blCount[bits + 1]! += 2;
    blCount[spec.maxLength]--;
    overflow -= 2;
  } while (overflow > 0);
  for (let bits = spec.maxLength; bits !== 0; bits--) {
    let n = blCount[bits]!;
    while (n !== 0) {
      const m = hp.heap[--h]!;
      if (m > maxCode) continue;
      if (len[m] !== bits) {
        opt += (bits - len[m]!) * hp.freq[m]!;
        len[m] = bits;
      }
      n--;
    }
  }
  return { opt, stat };
}

/** scan_tree: bit-length-code frequencies of a tree's run-length coded code lengths. */
function scanTree(len: Int32Array, maxCode: number, blFreq: Int32Array): void {
  let prevlen = -1;
  let nextlen = len[0]!;
  let count = 0;
  let maxCount = nextlen === 0 ? 138 : 7;
  let minCount = nextlen === 0 ? 3 : 4;
  for (let n = 0; n <= maxCode; n++) {
    const curlen = nextlen;
    nextlen = n + 1 <= maxCode ? len[n + 1]! : 0xffff; // guard
    if (++count < maxCount && curlen === nextlen) continue;
    if (count < minCount) blFreq[curlen]! += count;
    else if (curlen !== 0) {
      if (curlen !== prevlen) blFreq[curlen]++;
      blFreq[16]++;
    } else if (count <= 10) blFreq[17]++;
    else blFreq[18]++;
    count = 0;
    prevlen = curlen;
    if (nextlen === 0) [maxCount, minCount] = [138, 3];
    else if (curlen === nextlen) [maxCount, minCount] = [6, 3];
    else [maxCount, minCount] = [7, 4];
  }
}

function symbolFrequencies(symbols: readonly Lz77Symbol[]): { lit: Int32Array; dist: Int32Array } {
  const lit = new Int32Array(L_CODES);
  const dist = new Int32Array(D_CODES);
  for (const s of symbols) {
    if (s.dist === 0) lit[s.lit]++;
    else {
      lit[END_BLOCK + 1 + codeOf(s.length, LENGTH_BASE)]++;
      dist[codeOf(s.dist, DIST_BASE)]++;
    }
  }
  lit[END_BLOCK] = 1;
  return { lit, dist };
}

export type BlockKind = 'stored' | 'fixed' | 'dynamic';

/** _tr_flush_block's choice for one block, and its length in bits after the 3-bit header. */
export function blockCost(
  symbols: readonly Lz77Symbol[],
  storedLength: number,
): { kind: BlockKind; bits: number } {
  const f = symbolFrequencies(symbols);
  const lt = buildTree(f.lit, LIT_SPEC);
  const dt = buildTree(f.dist, DIST_SPEC);
  const blFreq = new Int32Array(BL_CODES);
  scanTree(lt.len, lt.maxCode, blFreq);
  scanTree(dt.len, dt.maxCode, blFreq);
  const bt = buildTree(blFreq, BL_SPEC);
  let maxBlIndex = BL_CODES - 1;
  while (maxBlIndex >= 3 && bt.len[BL_ORDER[maxBlIndex]!] === 0) maxBlIndex--;
  const optLen = lt.optBits + dt.optBits + bt.optBits + 3 * (maxBlIndex + 1) + 5 + 5 + 4;
  const staticLen = lt.staticBits + dt.staticBits;
  let optLenB = (optLen + 3 + 7) >> 3;
  const staticLenB = (staticLen + 3 + 7) >> 3;
  if (staticLenB <= optLenB) optLenB = staticLenB;
  if (storedLength + 4 <= optLenB) return { kind: 'stored', bits: -1 };
  return staticLenB === optLenB ? { kind: 'fixed', bits: staticLen } : { kind: 'dynamic', bits: optLen };
}

/** len(zlib.compress(data)) at the default level 6: 2-byte header, deflate blocks, Adler-32. */
export function zlibCompressedLength(data: Uint8Array): number {
  let bitPos = 0;
  for (const b of lz77Blocks(data)) {
    const c = blockCost(b.symbols, b.storedLength);
    bitPos += 3;
    if (c.kind === 'stored') bitPos = Math.ceil(bitPos / 8) * 8 + 32 + 8 * b.storedLength;
    else bitPos += c.bits;
  }
  return 2 + Math.ceil(bitPos / 8) + 4;
}
