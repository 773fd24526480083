/**
 * The Slim conversion of a checkpoint, measured once and kept: W_KV solves, forms chosen per
 * layer and precision from real activations, and the errors that justified them. Records are
 * stored by the weights' fingerprint in the user's cache, so a model measured once is not
 * measured again, whatever file it is loaded from. The embedded base model's record ships with
 * the app (bundled-conversions.json, made by `npm run calibrate:bundled`), so a fresh install
 * decodes on measured forms too.
 */
import { basename, join } from 'node:path';
import type { WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { checkpointFingerprint } from '../../models/checkpoint/fingerprint.ts';
import { Weights64 } from '../../models/reference/weights64.ts';
import { calibrate } from '../../models/slim/calibrate.ts';
import { convertDecoder, type SlimLayer } from '../../models/slim/convert.ts';
import {
  calibrationTokens,
  loadCalibrationClips,
  referenceEncoder,
  type CalibrationEncoder,
} from './calibration.ts';
import { modelSourceFiles, sourceDigest } from './model-source.ts';
import {
  CONVERSION_VERSION,
  defaultCacheDir,
  readRecord,
  writeRecord,
  type ConversionRecord,
  type LayerRecord,
} from './conversion-records.ts';

export {
  BUNDLED_RECORDS,
  CONVERSION_VERSION,
  defaultCacheDir,
  findRecord,
  findRecordBySource,
  recordForms,
  type ConversionRecord,
  type LayerRecord,
} from './conversion-records.ts';

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
