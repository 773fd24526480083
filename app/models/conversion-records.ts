/**
 * Conversion records (conversion.ts) as stored: in the user's cache by the weights'
 * fingerprint, and shipped with the app (bundled-conversions.json: the embedded base model's,
 * made by `npm run calibrate:bundled`). Finding a record needs none of the measuring code, so
 * the main process reads them through this module alone.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LayerCalibration } from '../../models/slim/calibrate.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import bundledRecords from './bundled-conversions.json' with { type: 'json' };

export const CONVERSION_VERSION = 1;

/** Per-layer entry of a record. Errors are null when no real audio was measured. */
export interface LayerRecord {
  layer: number;
  form: SelfForm;
  formFp16: SelfForm;
  cond: number | null;
  rank: number;
  relErrFp32: number | null;
  relErrFp16: number | null;
  kCache?: LayerCalibration['kCache'];
  xCache?: LayerCalibration['xCache'];
  baseline?: LayerCalibration['baseline'];
}

export interface ConversionRecord {
  version: number;
  fingerprint: string;
  calibration: {
    clips: Array<{ name: string; tokens: number }>;
    threshold: number;
    encoder: string;
  } | null;
  selfAttention: LayerRecord[];
  /**
   * Digests of model files (model-source.ts sourceDigest) known to load to these weights: the
   * main process finds a model's record by them without loading the model.
   */
  sources?: string[];
}

export function defaultCacheDir(): string {
  const base =
    process.env.SLIM_WHISPER_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'slim-whisper');
  return join(base, 'conversions');
}

export function readRecord(path: string, fingerprint: string): ConversionRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as ConversionRecord;
    return r.version === CONVERSION_VERSION && r.fingerprint === fingerprint ? r : undefined;
  } catch {
    return undefined; // absent or unreadable: measure again
  }
}

export function writeRecord(dir: string, record: ConversionRecord): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${record.fingerprint}.json`);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2));
  renameSync(tmp, path); // atomic: a crash never leaves half a record
}

/** The records shipped with the app (measured by scripts/calibrate-bundled.ts). */
export const BUNDLED_RECORDS: readonly ConversionRecord[] = bundledRecords as ConversionRecord[];

function measured(r: ConversionRecord | undefined): ConversionRecord | null {
  return r && r.version === CONVERSION_VERSION && r.calibration ? r : null;
}

/**
 * The measured record of these weights: the user's cache first (a model measured again there
 * wins), then the bundled records; null where the weights were never measured.
 */
export function findRecord(
  fingerprint: string,
  cacheDir: string | null = defaultCacheDir(),
): ConversionRecord | null {
  const stored = cacheDir ? measured(readRecord(join(cacheDir, `${fingerprint}.json`), fingerprint)) : null;
  return stored ?? measured(BUNDLED_RECORDS.find((r) => r.fingerprint === fingerprint));
}

/** The measured record that lists this source digest (model-source.ts), cache first, then bundled. */
export function findRecordBySource(
  digest: string,
  cacheDir: string | null = defaultCacheDir(),
): ConversionRecord | null {
  if (cacheDir && existsSync(cacheDir)) {
    for (const name of readdirSync(cacheDir).filter((n) => /^[0-9a-f]{64}\.json$/.test(n))) {
      const r = measured(readRecord(join(cacheDir, name), name.slice(0, -'.json'.length)));
      if (r?.sources?.includes(digest)) return r;
    }
  }
  return measured(BUNDLED_RECORDS.find((r) => r.sources?.includes(digest)));
}

/** The self-attention form per decoder layer of a record. */
export function recordForms(r: ConversionRecord): SelfForm[] {
  return r.selfAttention.map((l) => l.form);
}
