/**
 * The files of an installed model for the engine worker (models:files, models:read): only the
 * files the byte-based loader needs, named relative to the model's folder, and only those are
 * served: the renderer can name a model and one of its listed files, never a path.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { ModelFileList } from '../../app/ipc/contract.ts';
import { hfFileNames, transformersJsFileNames } from '../../models/import/bytes.ts';
import { SlimError } from '../../models/errors.ts';
import type { ModelStore } from './model-store.ts';

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

export class ModelFiles {
  constructor(private readonly models: ModelStore) {}

  private async entry(id: string) {
    const m = (await this.models.list()).find((x) => x.id === id);
    if (!m) throw new SlimError('MODEL_NOT_FOUND', `no installed model ${id}`);
    return m;
  }

  async list(id: string): Promise<ModelFileList & { dir: string }> {
    const m = await this.entry(id);
    // A ggml model is one file: it is served by its own name from the folder it lies in.
    const dir = m.format === 'ggml' ? dirname(m.path) : m.path;
    const names =
      m.format === 'ggml'
        ? [basename(m.path)]
        : m.format === 'hf-safetensors'
          ? hfFileNames(await listTree(m.path))
          : transformersJsFileNames(await listTree(m.path), m.path);
    const files = [];
    for (const name of names) files.push({ name, bytes: (await stat(join(dir, name))).size });
    return { id, format: m.format, files, dir };
  }

  async read(id: string, name: string): Promise<Uint8Array> {
    const { files, dir } = await this.list(id);
    if (!files.some((f) => f.name === name))
      throw new SlimError('INVALID_ARGUMENT', `${name} is not one of the files of model ${id}`);
    return new Uint8Array(await readFile(join(dir, ...name.split('/'))));
  }
}
