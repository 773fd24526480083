#!/usr/bin/env node
// Bundles the Electron main process (ESM) and the preload (CommonJS: sandboxed preloads cannot
// be modules, and may require nothing but 'electron') into dist/main.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'info',
  legalComments: 'none',
};

const main = {
  ...common,
  entryPoints: { main: 'main/main.ts' },
  outdir: 'dist/main',
  format: 'esm',
  // electron is the runtime; ffmpeg-installer finds its binary relative to its own folder.
  external: ['electron', '@ffmpeg-installer/ffmpeg'],
  // CommonJS dependencies call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
};

const preload = {
  ...common,
  // The app window's preload, and the caption overlay window's (captions in, nothing out).
  entryPoints: { preload: 'main/preload.ts', 'overlay-preload': 'main/overlay-preload.ts' },
  outdir: 'dist/main',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  external: ['electron'],
};

if (watch) {
  const { context } = await import('esbuild');
  for (const opts of [main, preload]) await (await context(opts)).watch();
} else {
  await Promise.all([build(main), build(preload)]);
  // A sandboxed preload that requires anything but electron fails at run time: catch it here.
  const requires = ['preload', 'overlay-preload']
    .map((name) => readFileSync(`dist/main/${name}.cjs`, 'utf8'))
    .flatMap((bundled) => [...bundled.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]))
    .filter((m) => m !== 'electron');
  if (requires.length) {
    console.error(
      `preload requires ${requires.join(', ')}: only 'electron' is available in a sandboxed preload`,
    );
    process.exit(1);
  }
}
