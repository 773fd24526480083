#!/usr/bin/env node
// Builds the renderer (React app), the engine worker and their assets into dist/renderer:
//   index.html and overlay.html (CSP filled in), assets/app.js + app.css, assets/overlay.js +
//   overlay.css (the caption overlay window), assets/engine-worker.js (+ chunks),
//   assets/kernels.wasm (the decoder's WASM kernels, npm run build:wasm), ort/ (onnxruntime-web's
//   WASM files: the worker's encoder sets env.wasm.wasmPaths to ../ort/).
import { build } from 'esbuild';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const OUT = 'dist/renderer';
const dev = process.argv.includes('--dev');

// The CSP of the meta tag comes from main/security.ts (the one source of the policy), bundled
// on the fly: this script runs on plain Node, which cannot import TypeScript.
const security = await build({
  entryPoints: ['main/security.ts'],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'neutral',
  logLevel: 'warning',
});
const { metaContentSecurityPolicy } = await import(
  `data:text/javascript;base64,${Buffer.from(security.outputFiles[0].text).toString('base64')}`
);
const CSP = metaContentSecurityPolicy();

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'assets'), { recursive: true });

const common = {
  bundle: true,
  platform: 'browser',
  target: ['chrome120'],
  sourcemap: dev ? 'inline' : true,
  minify: !dev,
  logLevel: 'warning',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production') },
};

await Promise.all([
  build({
    ...common,
    entryPoints: { app: 'renderer/main.tsx' },
    outdir: join(OUT, 'assets'),
    format: 'esm',
    jsx: 'automatic',
  }),
  build({ ...common, entryPoints: { app: 'renderer/styles.css' }, outdir: join(OUT, 'assets') }),
  // The caption overlay window's page (Electron): its own small bundle and style sheet.
  build({
    ...common,
    entryPoints: { overlay: 'renderer/live/overlay-page.tsx' },
    outdir: join(OUT, 'assets'),
    format: 'esm',
    jsx: 'automatic',
  }),
  build({ ...common, entryPoints: { overlay: 'renderer/live/overlay.css' }, outdir: join(OUT, 'assets') }),
  // The microphone's AudioWorklet module (audioWorklet.addModule loads it by URL).
  build({
    ...common,
    entryPoints: { 'capture-worklet': 'renderer/live/capture-worklet.ts' },
    outdir: join(OUT, 'assets'),
    format: 'esm',
  }),
  build({
    ...common,
    entryPoints: { 'engine-worker': 'app/worker/engine-worker.ts' },
    outdir: join(OUT, 'assets'),
    format: 'esm',
    splitting: true, // onnxruntime-web is loaded on demand, in its own chunk
    // The engine's Node-only branches (import('node:os'), Dawn's 'webgpu' package) never run here.
    external: ['node:*', 'webgpu'], // 'webgpu' is Dawn for Node (app/encoder/node-webgpu.ts), never loaded in a browser
    chunkNames: 'chunks/[name]-[hash]',
  }),
]);

copyFileSync('renderer/icon.svg', join(OUT, 'assets', 'icon.svg'));
const KERNELS = 'kernels/wasm/build/kernels.wasm';
if (!existsSync(KERNELS)) {
  console.error(`${KERNELS} is missing: run npm run build:wasm first`);
  process.exit(1);
}
copyFileSync(KERNELS, join(OUT, 'assets', 'kernels.wasm'));
// One line on purpose: electronegativity reads its eng-disable comment from the flagged line
// (the reasons are in the comment above the placeholder in renderer/index.html).
const meta = `<meta http-equiv="Content-Security-Policy" content="${CSP}" /><!-- eng-disable CSP_GLOBAL_CHECK -->`;
for (const page of ['index.html', 'overlay.html'])
  writeFileSync(
    join(OUT, page),
    readFileSync(join('renderer', page), 'utf8').replace('<!-- %CSP_META% -->', meta),
  );

const ortDist = 'node_modules/onnxruntime-web/dist';
if (existsSync(ortDist)) {
  mkdirSync(join(OUT, 'ort'), { recursive: true });
  for (const f of readdirSync(ortDist))
    if (/^ort-wasm-simd-threaded(\.jsep|\.asyncify)?\.(wasm|mjs)$/.test(f))
      copyFileSync(join(ortDist, f), join(OUT, 'ort', f));
}
console.log(`renderer built into ${OUT}`);
