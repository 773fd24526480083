/**
 * electron-builder.yml as far as this machine allows: Electron's binary cannot be downloaded
 * here, so electron-builder packs the Linux `dir` target around a stand-in Electron folder
 * (electronDist: a shell script where the binary goes); everything else is the real build —
 * the config, the file filters, app.asar, asarUnpack and the extra resources. The packed app
 * must hold the built main process, preload, renderer, engine worker, kernels.wasm and
 * onnxruntime-web's WASM files, ffmpeg unpacked, the bundled model once, and no source maps or
 * test-only dependencies.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listPackage } from '@electron/asar';
import { REPO_ROOT } from '../helpers/shared.ts';
import { tempDir } from './helpers.ts';

const out = tempDir('slim-package-');
let asar: string[] = [];
let resources = '';

function run(args: string[]): void {
  const r = spawnSync(args[0]!, args.slice(1), {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
  assert.equal(r.status, 0, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
}

before(() => {
  run([process.execPath, 'scripts/build-main.mjs']);
  if (!existsSync(join(REPO_ROOT, 'dist', 'renderer', 'index.html')))
    run([process.execPath, 'scripts/build-renderer.mjs']);
  const electronDist = join(out, 'electron');
  mkdirSync(join(electronDist, 'resources'), { recursive: true });
  writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(electronDist, 'electron'), 0o755);
  writeFileSync(join(electronDist, 'version'), '45.5.0');
  run([
    process.execPath,
    join(REPO_ROOT, 'node_modules', 'electron-builder', 'cli.js'),
    '--linux',
    'dir',
    `-c.electronDist=${electronDist}`,
    '-c.electronVersion=45.5.0',
    `-c.directories.output=${join(out, 'release')}`,
    '-c.npmRebuild=false',
  ]);
  resources = join(out, 'release', 'linux-unpacked', 'resources');
  asar = listPackage(join(resources, 'app.asar'), { isPack: false }).map((p) => p.split('\\').join('/'));
});

test('app.asar holds the built app: main, preload, renderer, worker, kernels.wasm, onnxruntime-web files', () => {
  for (const f of [
    '/package.json',
    '/dist/main/main.js',
    '/dist/main/preload.cjs',
    '/dist/main/overlay-preload.cjs',
    '/dist/renderer/index.html',
    '/dist/renderer/overlay.html',
    '/dist/renderer/assets/overlay.js',
    '/dist/renderer/assets/app.js',
    '/dist/renderer/assets/app.css',
    '/dist/renderer/assets/engine-worker.js',
    '/dist/renderer/assets/kernels.wasm',
    '/dist/renderer/ort/ort-wasm-simd-threaded.wasm',
    '/dist/renderer/ort/ort-wasm-simd-threaded.mjs',
  ])
    assert.ok(asar.includes(f), `${f} is packed`);
  const chunks = asar.filter((p) => p.startsWith('/dist/renderer/assets/chunks/'));
  assert.ok(
    chunks.some((p) => /\/ort\.bundle\.min-.*\.js$/.test(p)),
    'the onnxruntime-web chunk is packed',
  );
  assert.deepEqual(
    asar.filter((p) => p.endsWith('.map')),
    [],
    'no source maps',
  );
});

test('only ffmpeg among node_modules, unpacked; the model ships once, as a resource', () => {
  const modules = new Set(asar.filter((p) => p.startsWith('/node_modules/')).map((p) => p.split('/')[2]));
  assert.deepEqual([...modules], ['@ffmpeg-installer'], 'no other node_modules are packed');
  const unpacked = join(resources, 'app.asar.unpacked', 'node_modules', '@ffmpeg-installer');
  assert.ok(readdirSync(unpacked).includes('ffmpeg'));
  const platform = readdirSync(unpacked).find((d) => d !== 'ffmpeg')!;
  assert.ok(
    readdirSync(join(unpacked, platform)).some((f) => /^ffmpeg(\.exe)?$/.test(f)),
    'the ffmpeg binary is on disk',
  );
  const model = join(resources, 'models', 'Xenova', 'whisper-base');
  for (const f of [
    'config.json',
    'tokenizer.json',
    'onnx/encoder_model_quantized.onnx',
    'onnx/decoder_model_merged_quantized.onnx',
  ])
    assert.ok(existsSync(join(model, f)), `resources/models/Xenova/whisper-base/${f}`);
});
