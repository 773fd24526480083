/**
 * @doyensec/electronegativity over the Electron-facing code (main process, preloads, renderer,
 * the built index.html and overlay.html with their real CSP, package.json): zero findings. The two reviewed
 * exceptions are justified where they are disabled (eng-disable comments): the preload, and the
 * CSP built by a function (same policy as the checked meta tag) / its 'self' and
 * 'wasm-unsafe-eval' sources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../helpers/shared.ts';
import { tempDir } from './helpers.ts';

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  sample?: string;
  manualReview: boolean;
}
interface Report {
  globalChecks: number;
  atomicChecks: number;
  errors: { file: string; message: string; tolerable: boolean }[];
  issues: Issue[];
}
type Run = (options: Record<string, unknown>, forCli: boolean) => Promise<Report>;

test('electronegativity finds nothing in the Electron-facing code', { timeout: 180_000 }, async () => {
  // The built pages carry the real CSP (the source has a placeholder): build it fresh.
  const b = spawnSync(process.execPath, ['scripts/build-renderer.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const stage = tempDir('slim-eng-');
  for (const dir of ['main', 'renderer', join('app', 'ipc'), join('app', 'worker')])
    cpSync(join(REPO_ROOT, dir), join(stage, dir), { recursive: true, filter: (p) => !p.endsWith('.html') });
  mkdirSync(join(stage, 'dist'), { recursive: true });
  for (const page of ['index.html', 'overlay.html'])
    cpSync(join(REPO_ROOT, 'dist', 'renderer', page), join(stage, 'dist', page));
  cpSync(join(REPO_ROOT, 'package.json'), join(stage, 'package.json'));

  const run = createRequire(import.meta.url)('@doyensec/electronegativity') as Run;
  const report = await run(
    {
      input: stage,
      output: '',
      isSarif: false,
      customScan: [],
      excludeFromScan: [],
      isRelative: true,
      isVerbose: false,
      electronVersionOverride: '45.5.0', // offline: no release list to fetch
      parserPlugins: [],
    },
    false,
  );
  assert.ok(report.atomicChecks > 30 && report.globalChecks > 3, 'the checks loaded');
  assert.deepEqual(
    report.errors.filter((e) => !e.tolerable),
    [],
    'every file parsed',
  );
  const found = report.issues.map((i) => `${i.id} ${i.file}:${i.location.line} ${i.sample ?? ''}`);
  assert.deepEqual(found, []);
});
