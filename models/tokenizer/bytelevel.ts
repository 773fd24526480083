/**
 * GPT-2's byte ↔ unicode mapping, used by Hugging Face byte-level BPE files (vocab.json,
 * merges.txt, tokenizer.json): every byte becomes one printable character, so tokens can be
 * JSON strings and merges can be split on spaces.
 */

function buildByteToChar(): string[] {
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = new Array<string>(256);
  let next = 256;
  // Printable bytes map to themselves; the others, in byte order, to 256, 257, …
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(printable(b) ? b : next++);
  return out;
}

const BYTE_TO_CHAR = buildByteToChar();
const CHAR_TO_BYTE = new Map<string, number>(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** A token's bytes in byte-level form (the string vocab.json and merges.txt use). */
export function bytesToByteLevel(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += BYTE_TO_CHAR[b]!;
  return s;
}

/** The bytes of a byte-level string, or null when it holds a character outside the mapping. */
export function byteLevelToBytes(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = CHAR_TO_BYTE.get(s[i]!);
    if (b === undefined) return null;
    out[i] = b;
  }
  return out;
}
