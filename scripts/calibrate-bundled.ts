/**
 * `npm run calibrate:bundled`: measures the Slim conversion of the embedded base model on the
 * shared calibration clips (as `slim-whisper model info` does) and writes its record into
 * app/models/bundled-conversions.json, so that a fresh install decodes on measured forms. The
 * checkpoint is read from the bytes the app serves its worker (models:files), so the record's
 * fingerprint and source digest are those the app computes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { checkpointFromBytes } from '../models/import/bytes.ts';
import { embeddedModelDir } from '../models/catalog/embedded.ts';
import { AudioEncoder } from '../app/encoder/session.ts';
import { defaultCalibrationClips } from '../app/models/calibration.ts';
import { convertCheckpoint, type ConversionRecord } from '../app/models/conversion.ts';
import { modelSourceFiles, sourceDigest } from '../app/models/model-source.ts';

const OUT = fileURLToPath(new URL('../app/models/bundled-conversions.json', import.meta.url));

const dir = embeddedModelDir();
const src = await modelSourceFiles('transformers-js-onnx', dir);
const files = new Map<string, Uint8Array>();
for (const name of src.names) files.set(name, new Uint8Array(await readFile(join(dir, ...name.split('/')))));
const ckpt = await checkpointFromBytes('transformers-js-onnx', files, dir);
const clips = defaultCalibrationClips();
if (clips.length === 0) throw new Error('no calibration clips: ../shared/audio is missing');

let encoder: AudioEncoder | undefined;
try {
  const { record } = await convertCheckpoint(ckpt, {
    clips,
    cacheDir: null,
    refresh: true,
    log: (line) => process.stderr.write(`${line}\n`),
    encoder: {
      name: 'onnxruntime-web wasm fp32',
      encode: async (mel) => {
        encoder ??= await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp32' });
        return Float64Array.from(await encoder.encode(mel));
      },
    },
  });
  record.sources = [await sourceDigest(src)];
  const old = JSON.parse(await readFile(OUT, 'utf8')) as ConversionRecord[];
  const records = [...old.filter((r) => r.fingerprint !== record.fingerprint), record];
  // Formatted as the repository's prettier check wants it.
  await writeFile(
    OUT,
    await format(JSON.stringify(records, null, 2), { ...(await resolveConfig(OUT)), filepath: OUT }),
  );
  process.stderr.write(
    `${record.fingerprint}: ${record.selfAttention.map((l) => (l.form === 'k-cache' ? 'k' : 'x')).join(',')}\n`,
  );
} finally {
  await encoder?.dispose();
}
