/**
 * Random access to the bytes of one model file, whether it lies on disk (file-source.ts, the
 * CLI's folder loaders) or in memory (the engine worker's files from models:read). The parsers
 * (safetensors-core.ts, ggml-core.ts) read through this, so they hold no node:fs and run in a
 * browser worker as well.
 */
import { SlimError } from '../errors.ts';

export interface ByteSource {
  /** The file's path or name, for messages. */
  readonly label: string;
  readonly size: number;
  /** Copies up to `length` bytes at `position` into dst[dstOffset…]; returns how many (0 at the end). */
  read(dst: Uint8Array, dstOffset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** A source over bytes already in memory. */
export function bytesSource(label: string, bytes: Uint8Array): ByteSource {
  return {
    label,
    size: bytes.byteLength,
    read(dst, dstOffset, length, position) {
      const n = Math.max(0, Math.min(length, bytes.byteLength - position));
      dst.set(bytes.subarray(position, position + n), dstOffset);
      return Promise.resolve(n);
    },
    close: () => Promise.resolve(),
  };
}

/** Fills `buf` from `position`; a short read means the file shrank or lied about its size. */
export async function readExactly(
  src: ByteSource,
  buf: Uint8Array,
  position: number,
  what: string,
): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    // FileHandle.read caps one call at 2 GB; loop for anything larger.
    const len = Math.min(buf.length - done, 1 << 30);
    const n = await src.read(buf, done, len, position + done);
    if (n === 0)
      throw new SlimError(
        'MODEL_CORRUPT',
        `${src.label}: file ends inside ${what} (offset ${position + done})`,
      );
    done += n;
  }
}
