/** `slim-whisper model info <path>` */
import { loadCheckpoint } from '../../models/import/load.ts';
import { defaultCalibrationClips } from '../models/calibration.ts';
import { resolveModel } from '../models/resolve.ts';
import { cliDownloader } from './model-catalog.ts';
import { AudioEncoder } from '../encoder/session.ts';
import { convertCheckpoint } from '../models/conversion.ts';
import { formatModelInfo, modelInfo } from '../models/info.ts';

export interface ModelInfoOptions {
  json?: boolean;
  calibrate?: string[];
  calibration?: boolean; // commander's --no-calibration
  refresh?: boolean;
  cache?: boolean; // --no-cache
}

export async function runModelInfo(pathArg: string | undefined, opts: ModelInfoOptions): Promise<void> {
  const log = (line: string): void => {
    if (!opts.json) process.stderr.write(`${line}\n`);
  };
  const { path, embedded } = await resolveModel(pathArg, { download: cliDownloader(!!opts.json) });
  log(`loading ${path}${embedded ? ' (embedded model, hashes verified)' : ''}`);
  const ckpt = await loadCheckpoint(path);
  const clips = opts.calibration === false ? [] : (opts.calibrate ?? defaultCalibrationClips());
  if (opts.calibration !== false && clips.length === 0) {
    log(
      'no calibration audio found (give --calibrate <files>): the K-cache form stays unmeasured and unused',
    );
  }
  // The calibration clips go through our fp32 encoder graph on onnxruntime-web (seconds per
  // window) rather than the float64 reference encoder (a minute per window for base).
  let encoder: AudioEncoder | undefined;
  try {
    const { record, cached } = await convertCheckpoint(ckpt, {
      clips,
      refresh: !!opts.refresh,
      cacheDir: opts.cache === false ? null : undefined,
      log,
      encoder: {
        name: 'onnxruntime-web wasm fp32',
        encode: async (mel) => {
          encoder ??= await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp32' });
          return Float64Array.from(await encoder.encode(mel));
        },
      },
    });
    if (cached) log('conversion record found in the cache (use --refresh to measure again)');
    const info = modelInfo(ckpt, record);
    process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : `${formatModelInfo(info)}\n`);
  } finally {
    await encoder?.dispose();
  }
}
