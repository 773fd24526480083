/**
 * The per-user models folder, shared by the CLI and the desktop app: `<userData>/models`, where
 * userData is Electron's folder for productName "Slim Whisper" (main/services/model-store.ts keeps
 * imported models there too), or `$SLIM_WHISPER_MODELS_DIR`.
 *
 * Layout (the model store's): `<dir>/<id>/entry.json` + `<dir>/<id>/model/…`. Catalog downloads
 * add a `catalog` record to entry.json. Work in progress lives in dot-folders (`.download-<name>/`),
 * which listings skip, so nothing half-written is ever seen as a model. A folder named after a
 * catalog model that holds the model files directly (`<dir>/small/model.safetensors` …) is a manual
 * install: it is found too, and given an entry.json on first use so the app lists it.
 */
import { lstat, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { detectFormat, type DetectedFormat } from '../../models/import/load.ts';
import { SlimError } from '../../models/errors.ts';

/** Electron's userData for productName "Slim Whisper" on each platform. */
export function defaultUserDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const name = 'Slim Whisper';
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), name);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', name);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), name);
}

/** Where models are installed: $SLIM_WHISPER_MODELS_DIR, else `<userData>/models`. */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.SLIM_WHISPER_MODELS_DIR;
  return override ? override : join(defaultUserDataDir(env), 'models');
}

/** Ids the model store accepts; dot-folders (staging, locks) never match. */
export const MODEL_ID_RE = /^[a-z0-9][a-z0-9._-]*$/;

/** What a catalog download records in entry.json beside the model store's own fields. */
export interface CatalogRecord {
  name: string;
  repo: string;
  revision: string;
  /** The commit the files came from, when the server said (X-Repo-Commit). */
  commit: string | null;
  endpoint: string;
  files: Array<{ path: string; bytes: number; sha256: string }>;
  /** True for a folder the user filled by hand. */
  manual?: boolean;
}

/** entry.json: the model store's StoredEntry plus the catalog record. */
export interface ModelEntryFile {
  id: string;
  name: string;
  format: DetectedFormat;
  file: string;
  importedFrom: string;
  addedAt: string;
  catalog?: CatalogRecord;
}

export interface InstalledModel {
  /** Catalog name (tiny, small.en …). */
  name: string;
  /** Folder name under the models dir (the model store's id). */
  id: string;
  /** The model folder to load. */
  path: string;
  bytes: number;
  addedAt: string;
  catalog: CatalogRecord;
}

/** Bytes under a path (links not followed). */
export async function pathBytes(path: string): Promise<number> {
  const st = await lstat(path).catch(() => null);
  if (!st) return 0;
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let n = 0;
  for (const name of await readdir(path)) n += await pathBytes(join(path, name));
  return n;
}

async function readEntry(dir: string, id: string): Promise<ModelEntryFile | null> {
  try {
    return JSON.parse(await readFile(join(dir, id, 'entry.json'), 'utf8')) as ModelEntryFile;
  } catch {
    return null;
  }
}

async function installedFrom(dir: string, id: string, entry: ModelEntryFile): Promise<InstalledModel | null> {
  if (!entry.catalog) return null;
  const path = join(dir, id, entry.file);
  return {
    name: entry.catalog.name,
    id,
    path,
    bytes: await pathBytes(path),
    addedAt: entry.addedAt,
    catalog: entry.catalog,
  };
}

/** Catalog models installed in `dir` (downloads and adopted manual folders), by id. */
export async function listInstalledModels(dir: string): Promise<InstalledModel[]> {
  const ids = (await readdir(dir).catch(() => [] as string[])).filter((n) => MODEL_ID_RE.test(n)).sort();
  const out: InstalledModel[] = [];
  for (const id of ids) {
    const entry = await readEntry(dir, id);
    const m = entry ? await installedFrom(dir, id, entry) : null;
    if (m) out.push(m);
  }
  return out;
}

/**
 * The installed copy of catalog model `name`, or null. A download wins over a manual folder; a
 * manual folder `<dir>/<name>/` with model files and no entry.json is adopted (entry.json written).
 */
export async function findInstalledModel(
  name: string,
  dir: string,
  source: { repo: string; revision: string; endpoint: string },
): Promise<InstalledModel | null> {
  const all = (await listInstalledModels(dir)).filter((m) => m.name === name);
  const found = all.find((m) => m.id === name) ?? all[0];
  if (found) return found;
  const manual = join(dir, name);
  if (!MODEL_ID_RE.test(name) || (await readEntry(dir, name)) !== null) return null;
  let format: DetectedFormat;
  try {
    format = detectFormat(manual);
  } catch {
    return null; // no folder, or no model in it
  }
  const entry: ModelEntryFile = {
    id: name,
    name: `Whisper ${name}`,
    format,
    file: '.',
    importedFrom: manual,
    addedAt: new Date().toISOString(),
    catalog: { ...source, name, commit: null, files: [], manual: true },
  };
  try {
    await writeFile(join(manual, 'entry.json'), `${JSON.stringify(entry, null, 2)}\n`);
  } catch {
    // read-only models dir: still usable, just not listed by the app
  }
  return installedFrom(dir, name, entry);
}

/** A folder id for a new install of `name`: the name itself unless something else holds it. */
export async function freeModelId(name: string, dir: string): Promise<string> {
  const taken = new Set(await readdir(dir).catch(() => [] as string[]));
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) if (!taken.has(`${name}-${i}`)) return `${name}-${i}`;
}

/**
 * Removes an installed catalog model (MODEL_NOT_FOUND when there is none). The folder is first
 * renamed to a dot-name, so a crash half-way never leaves a half model listed.
 */
export async function removeInstalledModel(
  name: string,
  dir: string,
  source: { repo: string; revision: string; endpoint: string },
): Promise<InstalledModel> {
  const m = await findInstalledModel(name, dir, source);
  if (!m) throw new SlimError('MODEL_NOT_FOUND', `model ${name} is not installed in ${dir}`);
  const trash = join(dir, `.remove-${m.id}-${process.pid}-${Date.now()}`);
  await rename(join(dir, m.id), trash);
  await rm(trash, { recursive: true, force: true });
  return m;
}
