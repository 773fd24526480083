/**
 * The Slim conversion of a checkpoint, measured once and kept: W_KV solves, forms chosen per
 * layer and precision from real activations, and the errors that justified them. Records are
 * stored by the weights' fingerprint in the user's cache, so a model measured once is not
 * measured again, whatever file it is loaded from. The embedded base model's record ships with
 * the app (bundled-conversions.json, made by `npm run calibrate:bundled`), so a fresh install
 * decodes on measured forms too.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { checkpointFingerprint } from '../../models/checkpoint/fingerprint.ts';
import { Weights64 } from '../../models/reference/weights64.ts';
import { calibrate, type LayerCalibration } from '../../models/slim/calibrate.ts';
import { convertDecoder, type SlimLayer } from '../../models/slim/convert.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import {
  calibrationTokens,
  loadCalibrationClips,
  referenceEncoder,
  type CalibrationEncoder,
} from './calibration.ts';
import { modelSourceFiles, sourceDigest } from './model-source.ts';
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

export interface ConvertOptions {
  /** Audio files of real speech; none → every layer on the inverse-free X-cache form. */
  clips: string[];
  /** Encoder for the clips; the float64 reference when absent. */
  encoder?: { name: string; encode: CalibrationEncoder };
  /** Where records are kept; null disables the store. */
  cacheDir?: string | null;
  /** Measure again even if a record exists. */
  refresh?: boolean;
  threshold?: number;
  /** Progress lines for a terminal. */
  log?: (line: string) => void;
}

export function defaultCacheDir(): string {
  const base =
    process.env.SLIM_WHISPER_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'slim-whisper');
  return join(base, 'conversions');
}

/** cond can be Infinity (an exactly singular W_K): JSON has no Infinity, so it is stored as null. */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function uncalibrated(layers: SlimLayer[]): LayerRecord[] {
  // Without measurements the K-cache form is never trusted (DESIGN.md: never use a W_KV it has not measured).
  return layers.map((L) => ({
    layer: L.layer,
    form: 'x-cache',
    formFp16: 'x-cache',
    cond: finiteOrNull(L.selfKV.cond),
    rank: L.selfKV.rank,
    relErrFp32: null,
    relErrFp16: null,
  }));
}

function readRecord(path: string, fingerprint: string): ConversionRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as ConversionRecord;
    return r.version === CONVERSION_VERSION && r.fingerprint === fingerprint ? r : undefined;
  } catch {
    return undefined; // absent or unreadable: measure again
  }
}

function writeRecord(dir: string, record: ConversionRecord): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${record.fingerprint}.json`);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2));
  renameSync(tmp, path); // atomic: a crash never leaves half a record
}

export interface Conversion {
  record: ConversionRecord;
  layers: SlimLayer[];
  weights: Weights64;
  /** Whether the record came from the store rather than a fresh measurement. */
  cached: boolean;
}

/** The digest of the files the checkpoint was read from, where they are still there. */
async function digestOf(ckpt: WhisperCheckpoint): Promise<string | null> {
  try {
    return await sourceDigest(await modelSourceFiles(ckpt.source.format, ckpt.source.path));
  } catch {
    return null; // built in memory, or moved since: the record is found by fingerprint only
  }
}

export async function convertCheckpoint(ckpt: WhisperCheckpoint, opts: ConvertOptions): Promise<Conversion> {
  const log = opts.log ?? (() => {});
  const weights = new Weights64(ckpt);
  const fingerprint = checkpointFingerprint(ckpt);
  const dir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  log(`solving W_KV for ${ckpt.dims.nTextLayer} decoder layers`);
  const layers = convertDecoder(weights, ckpt);
  if (dir && !opts.refresh) {
    const r = readRecord(join(dir, `${fingerprint}.json`), fingerprint);
    if (r && (r.calibration || opts.clips.length === 0)) return { record: r, layers, weights, cached: true };
  }
  let record: ConversionRecord;
  if (opts.clips.length === 0) {
    record = {
      version: CONVERSION_VERSION,
      fingerprint,
      calibration: null,
      selfAttention: uncalibrated(layers),
    };
  } else {
    const encoder = opts.encoder ?? { name: 'reference-f64', encode: referenceEncoder(weights, ckpt) };
    log(`encoding ${opts.clips.length} calibration clip(s) with ${encoder.name}`);
    const clips = await loadCalibrationClips(opts.clips, ckpt, encoder.encode);
    log('measuring both self-attention forms on the real activations');
    const cal = calibrate(weights, ckpt.dims, layers, clips, calibrationTokens(ckpt), {
      threshold: opts.threshold,
    });
    record = {
      version: CONVERSION_VERSION,
      fingerprint,
      calibration: {
        clips: cal.clips.map((c) => ({ name: basename(c.name), tokens: c.tokens.length })),
        threshold: cal.threshold,
        encoder: encoder.name,
      },
      selfAttention: cal.layers.map((l) => ({ ...l, cond: finiteOrNull(l.cond) })),
    };
  }
  const source = await digestOf(ckpt);
  if (source) record.sources = [source];
  if (dir) writeRecord(dir, record);
  return { record, layers, weights, cached: false };
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
