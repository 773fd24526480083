/** ByteSource over a file on disk (node:fs), for the folder and file loaders. */
import { open, type FileHandle } from 'node:fs/promises';
import { SlimError } from '../errors.ts';
import type { ByteSource } from './byte-source.ts';

/** Opens `path` for reading; `expected` names what a folder there should have been, for the message. */
export async function openFileSource(path: string, expected: string): Promise<ByteSource> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new SlimError('MODEL_NOT_FOUND', `${path}: cannot open (${(e as Error).message})`);
  }
  const st = await fh.stat();
  if (st.isDirectory()) {
    await fh.close();
    throw new SlimError('MODEL_FORMAT', `${path}: is a folder, expected ${expected}`);
  }
  return {
    label: path,
    size: st.size,
    read: async (dst, dstOffset, length, position) =>
      (await fh.read(dst, dstOffset, length, position)).bytesRead,
    close: () => fh.close(),
  };
}
