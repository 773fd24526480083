/**
 * The model manager's storage: the bundled model (read-only, shipped with the app) and models
 * the user imported, each copied into `<userData>/models/<id>/` with an entry.json beside it.
 * Imports are validated by the real format detector first and copied through a `.partial`
 * folder that is renamed when complete, so a crash never leaves a half model in the list.
 * (Downloads from the catalog come in a later stage and will land here the same way.)
 */
import { cp, mkdir, readdir, readFile, rename, rm, stat, lstat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { detectFormat } from '../../models/import/load.ts';
import { SlimError } from '../../models/errors.ts';
import type { ModelEntry } from '../../app/ipc/contract.ts';
import { writeFileAtomic } from './atomic.ts';

export interface BundledModel {
  id: string;
  name: string;
  path: string;
}

interface StoredEntry {
  id: string;
  name: string;
  format: ModelEntry['format'];
  file: string;
  importedFrom: string;
  addedAt: string;
  /** Written by catalog downloads (app/models/download.ts). */
  catalog?: unknown;
}

const ID_RE = /^[a-z0-9][a-z0-9._-]*$/;

/** Bytes of a file or a folder tree (symbolic links are not followed). */
export async function treeBytes(path: string): Promise<number> {
  const st = await lstat(path);
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let n = 0;
  for (const name of await readdir(path)) n += await treeBytes(join(path, name));
  return n;
}

export function slugId(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/\.(bin|ggml)$/, '')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 60);
  return slug || 'model';
}

export class ModelStore {
  readonly dir: string;

  constructor(
    userData: string,
    private readonly bundled: BundledModel[],
  ) {
    this.dir = join(userData, 'models');
  }

  async list(): Promise<ModelEntry[]> {
    const out: ModelEntry[] = [];
    for (const b of this.bundled) {
      try {
        out.push({
          id: b.id,
          name: b.name,
          format: detectFormat(b.path),
          source: 'bundled',
          bytes: await treeBytes(b.path),
          path: b.path,
          addedAt: null,
          removable: false,
        });
      } catch {
        // a bundled model missing from this install is simply not listed
      }
    }
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => ID_RE.test(n)).sort();
    for (const id of names) {
      const entry = await this.readEntry(id);
      if (entry) out.push(entry);
    }
    return out;
  }

  private async readEntry(id: string): Promise<ModelEntry | null> {
    try {
      const e = JSON.parse(await readFile(join(this.dir, id, 'entry.json'), 'utf8')) as StoredEntry;
      const path = join(this.dir, id, e.file);
      return {
        id,
        name: e.name,
        format: e.format,
        source: e.catalog ? 'downloaded' : 'imported',
        bytes: await treeBytes(path),
        path,
        addedAt: e.addedAt,
        removable: true,
      };
    } catch {
      return null;
    }
  }

  private async freeId(base: string): Promise<string> {
    const taken = new Set([
      ...this.bundled.map((b) => b.id),
      ...(await readdir(this.dir).catch(() => [] as string[])),
    ]);
    if (!taken.has(base)) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  /** Validates and copies a model folder or file into the store. */
  async import(source: string): Promise<ModelEntry> {
    const format = detectFormat(source); // throws MODEL_NOT_FOUND / MODEL_FORMAT with the reason
    await mkdir(this.dir, { recursive: true });
    const name = basename(source);
    const id = await this.freeId(slugId(name));
    const partial = join(this.dir, `.${id}.partial`);
    const file = (await stat(source)).isDirectory() ? 'model' : name;
    await rm(partial, { recursive: true, force: true });
    try {
      await mkdir(partial);
      await cp(source, join(partial, file), { recursive: true, dereference: true, errorOnExist: true });
      const entry: StoredEntry = {
        id,
        name,
        format,
        file,
        importedFrom: source,
        addedAt: new Date().toISOString(),
      };
      await writeFileAtomic(join(partial, 'entry.json'), JSON.stringify(entry, null, 2));
      await rename(partial, join(this.dir, id));
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw new SlimError('IO', `${source}: the model could not be copied (${(err as Error).message})`, {
        cause: err,
      });
    }
    const stored = await this.readEntry(id);
    if (!stored) throw new SlimError('INTERNAL', `model ${id} vanished after its import`);
    return stored;
  }

  async delete(id: string): Promise<void> {
    if (this.bundled.some((b) => b.id === id))
      throw new SlimError('INVALID_ARGUMENT', `model ${id} ships with the app and cannot be deleted`);
    if (!ID_RE.test(id)) throw new SlimError('INVALID_ARGUMENT', `${JSON.stringify(id)} is not a model id`);
    const dir = resolve(this.dir, id);
    if (!dir.startsWith(resolve(this.dir) + sep))
      throw new SlimError('INVALID_ARGUMENT', `${id}: outside the model folder`);
    if (!(await this.readEntry(id))) throw new SlimError('MODEL_NOT_FOUND', `no imported model ${id}`);
    await rm(dir, { recursive: true, force: true });
  }
}
