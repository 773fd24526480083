/**
 * safetensors files on disk: the parser and writer live in safetensors-core.ts (node-free, also
 * used on the engine worker's bytes); this opens files and index files by path.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Tensor } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { openFileSource } from './file-source.ts';
import { SafetensorsStore } from './safetensors-core.ts';

export * from './safetensors-core.ts';

/** Opens one .safetensors file and validates its header. */
export async function openSafetensors(path: string): Promise<SafetensorsStore> {
  return SafetensorsStore.fromSource(await openFileSource(path, 'a .safetensors file'));
}

/** Opens the shards listed by a `model.safetensors.index.json` as one store. */
export async function openSafetensorsIndex(indexPath: string): Promise<SafetensorsStore> {
  let text: string;
  try {
    text = await readFile(indexPath, 'utf8');
  } catch (e) {
    throw new SlimError('MODEL_NOT_FOUND', `${indexPath}: cannot read (${(e as Error).message})`);
  }
  return SafetensorsStore.fromIndex(indexPath, text, (shard) =>
    openFileSource(join(dirname(indexPath), shard), 'a .safetensors file'),
  );
}

/** Reads every tensor of one safetensors file (for small files and tests). */
export async function readSafetensors(path: string): Promise<Map<string, Tensor>> {
  const store = await openSafetensors(path);
  try {
    const out = new Map<string, Tensor>();
    for (const name of store.entries.keys()) out.set(name, await store.read(name));
    return out;
  } finally {
    await store.close();
  }
}
