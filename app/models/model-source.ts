/**
 * The files of a model folder (or ggml file) that the byte-based loader reads, and a digest of
 * them. The main process serves exactly these files to the engine worker (models:files), and
 * finds a model's measured conversion by this digest: hashing the files is cheap and never blocks,
 * where the weights' fingerprint (models/checkpoint/fingerprint.ts) needs the whole model loaded.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { SourceFormat } from '../../models/checkpoint/types.ts';
import { hfFileNames, transformersJsFileNames } from '../../models/import/bytes.ts';

/** Every regular file under `dir`, '/'-separated and relative to it (links are not followed). */
async function listTree(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listTree(p, base)));
    else if (e.isFile()) out.push(relative(base, p).split(sep).join('/'));
  }
  return out;
}

export interface ModelSourceFiles {
  /** The folder the names are relative to. */
  dir: string;
  /** '/'-separated names, in the order the loader lists them. */
  names: string[];
}

/** The files the loader reads from a model of `format` at `path` (a folder, or a ggml file). */
export async function modelSourceFiles(format: SourceFormat, path: string): Promise<ModelSourceFiles> {
  // A ggml model is one file: it is served by its own name from the folder it lies in.
  if (format === 'ggml') return { dir: dirname(path), names: [basename(path)] };
  const tree = await listTree(path);
  return {
    dir: path,
    names: format === 'hf-safetensors' ? hfFileNames(tree) : transformersJsFileNames(tree, path),
  };
}

/** sha256 over each file's name, size and bytes, in the loader's order (streamed: never blocks). */
export async function sourceDigest(src: ModelSourceFiles): Promise<string> {
  const h = createHash('sha256');
  for (const name of src.names) {
    const path = join(src.dir, ...name.split('/'));
    h.update(`${name}:${(await stat(path)).size};`);
    await new Promise<void>((resolve, reject) => {
      createReadStream(path)
        .on('data', (d) => h.update(d))
        .on('error', reject)
        .on('end', resolve);
    });
  }
  return h.digest('hex');
}
