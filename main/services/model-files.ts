/**
 * The files of an installed model for the engine worker (models:files, models:read): only the
 * files the byte-based loader needs, named relative to the model's folder, and only those are
 * served: the renderer can name a model and one of its listed files, never a path. The list
 * carries the self-attention forms of the model's measured conversion (user cache or bundled
 * record), found by the digest of those files: the main process never loads the weights.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelFileList } from '../../app/ipc/contract.ts';
import { defaultCacheDir, findRecordBySource, recordForms } from '../../app/models/conversion-records.ts';
import { modelSourceFiles, sourceDigest, type ModelSourceFiles } from '../../app/models/model-source.ts';
import { SlimError } from '../../models/errors.ts';
import type { ModelStore } from './model-store.ts';

export class ModelFiles {
  /** Source digests by model id and path (hashed once per model and run). */
  private readonly digests = new Map<string, Promise<string>>();

  /** `cacheDir`: where measured conversions are stored (null: only the bundled records). */
  constructor(
    private readonly models: ModelStore,
    private readonly cacheDir: string | null = defaultCacheDir(),
  ) {}

  private async entry(id: string) {
    const m = (await this.models.list()).find((x) => x.id === id);
    if (!m) throw new SlimError('MODEL_NOT_FOUND', `no installed model ${id}`);
    return m;
  }

  private async source(
    id: string,
  ): Promise<{ key: string; src: ModelSourceFiles; format: ModelFileList['format'] }> {
    const m = await this.entry(id);
    return { key: `${id}|${m.path}`, src: await modelSourceFiles(m.format, m.path), format: m.format };
  }

  async list(id: string): Promise<ModelFileList & { dir: string }> {
    const { key, src, format } = await this.source(id);
    const files = [];
    for (const name of src.names) files.push({ name, bytes: (await stat(join(src.dir, name))).size });
    let digest = this.digests.get(key);
    if (!digest) {
      digest = sourceDigest(src);
      digest.catch(() => this.digests.delete(key));
      this.digests.set(key, digest);
    }
    const record = findRecordBySource(await digest, this.cacheDir);
    return { id, format, files, forms: record ? recordForms(record) : null, dir: src.dir };
  }

  async read(id: string, name: string): Promise<Uint8Array> {
    const { src } = await this.source(id);
    if (!src.names.includes(name))
      throw new SlimError('INVALID_ARGUMENT', `${name} is not one of the files of model ${id}`);
    return new Uint8Array(await readFile(join(src.dir, ...name.split('/'))));
  }
}
