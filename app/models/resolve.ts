/** Turns what a user typed (nothing, a path) into a model folder or file to load. */
import { resolve } from 'node:path';
import { embeddedModelDir, embeddedPackageDir, verifyEmbeddedModel } from '../../models/catalog/embedded.ts';

export interface ResolvedModel {
  path: string;
  embedded: boolean;
}

function isInsideEmbeddedPackage(path: string): boolean {
  try {
    return path.startsWith(embeddedPackageDir());
  } catch {
    return false; // package absent: the path is the user's own
  }
}

/** No model named → the embedded base model, checked against its pinned hashes first. */
export async function resolveModel(nameOrPath?: string): Promise<ResolvedModel> {
  if (nameOrPath === undefined || nameOrPath === '' || nameOrPath === 'default') {
    await verifyEmbeddedModel();
    return { path: embeddedModelDir(), embedded: true };
  }
  const path = resolve(nameOrPath);
  const embedded = isInsideEmbeddedPackage(path);
  if (embedded) await verifyEmbeddedModel();
  return { path, embedded };
}
