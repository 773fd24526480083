/**
 * Whisper's repetition measure (openai/whisper utils.py compression_ratio): UTF-8 bytes of the
 * text over the length of zlib.compress of them. Loops of repeated text compress well, so a ratio
 * above 2.4 marks a decoding as failed. The length is zlib's own (zlib-size.ts), byte for byte,
 * in plain TypeScript: it runs in Node, browsers and workers alike.
 */
import { zlibCompressedLength } from './zlib-size.ts';

const utf8 = new TextEncoder();

export function compressionRatio(text: string): number {
  const bytes = utf8.encode(text);
  return bytes.length / zlibCompressedLength(bytes);
}
