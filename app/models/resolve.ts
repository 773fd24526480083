/** Turns what a user typed (nothing, a catalog name, a path) into a model folder or file to load. */
import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { catalogNames, findCatalogModel, type CatalogModel } from '../../models/catalog/catalog.ts';
import { embeddedModelDir, embeddedPackageDir, verifyEmbeddedModel } from '../../models/catalog/embedded.ts';
import { SlimError } from '../../models/errors.ts';
import { hubEndpoint } from './download.ts';
import { findInstalledModel, modelsDir } from './models-dir.ts';

export interface ResolvedModel {
  path: string;
  embedded: boolean;
  /** The catalog name, when one was asked for. */
  catalog?: string;
}

export interface ResolveOptions {
  /** Default: modelsDir(). */
  modelsDir?: string;
  /**
   * Fetches a catalog model that is not installed and returns its folder. Without it, such a
   * name is MODEL_NOT_FOUND with the command that downloads it.
   */
  download?: (model: CatalogModel) => Promise<string>;
}

function isInsideEmbeddedPackage(path: string): boolean {
  try {
    return path.startsWith(embeddedPackageDir());
  } catch {
    return false; // package absent: the path is the user's own
  }
}

async function embedded(): Promise<ResolvedModel> {
  await verifyEmbeddedModel();
  return { path: embeddedModelDir(), embedded: true };
}

/**
 * No model named → the embedded base model, checked against its pinned hashes first. A catalog
 * name (as openai/whisper's load_model, names come before paths; `./tiny` is the folder) → the
 * installed copy in the models folder; else, for `base`, the embedded copy; else a download.
 */
export async function resolveModel(nameOrPath?: string, opts: ResolveOptions = {}): Promise<ResolvedModel> {
  if (nameOrPath === undefined || nameOrPath === '' || nameOrPath === 'default') return embedded();
  const m = findCatalogModel(nameOrPath);
  if (m) {
    const dir = opts.modelsDir ?? modelsDir();
    const source = { repo: m.repo, revision: m.revision, endpoint: hubEndpoint() };
    const installed = await findInstalledModel(m.name, dir, source);
    if (installed) return { path: installed.path, embedded: false, catalog: m.name };
    if (m.embedded) {
      try {
        return { ...(await embedded()), catalog: m.name };
      } catch (err) {
        if (!opts.download) throw err; // no copy to fall back on: say why the embedded one failed
      }
    }
    if (!opts.download) {
      throw new SlimError(
        'MODEL_NOT_FOUND',
        `model ${m.name} is not installed in ${dir}: run \`slim-whisper model download ${m.name}\``,
      );
    }
    return { path: await opts.download(m), embedded: false, catalog: m.name };
  }
  const path = resolve(nameOrPath);
  if (!existsSync(path) && !nameOrPath.includes(sep) && !nameOrPath.includes('/')) {
    throw new SlimError(
      'MODEL_NOT_FOUND',
      `"${nameOrPath}" is neither a model folder or file nor a catalog name (${catalogNames().join(', ')})`,
    );
  }
  const inEmbedded = isInsideEmbeddedPackage(path);
  if (inEmbedded) await verifyEmbeddedModel();
  return { path, embedded: inEmbedded };
}
