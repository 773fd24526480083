/**
 * The Chromium rows: each system's page bundled by esbuild, served on 127.0.0.1 (cross-origin
 * isolated, so onnxruntime-web may use WASM threads) with the model files, the WASM runtimes and
 * the audio, run in a headless Chromium of its own whose process tree's RSS is sampled here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Clip, LongFile } from '../corpus.ts';
import { RssSampler } from '../rss.ts';
import { BASE_MODEL_DIR, MODELS_ROOT, REPO } from '../systems-node.ts';
import type { RunOutput } from '../../app.ts';
import type { BenchPage, PageLoad, PageTranscript } from './protocol.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const HERE = dirname(fileURLToPath(import.meta.url));
const OUR_ORT = dirname(fileURLToPath(import.meta.resolve('onnxruntime-web')));
const TJ_ORT = join(
  REPO,
  'node_modules',
  '@huggingface',
  'transformers',
  'node_modules',
  'onnxruntime-web',
  'dist',
);
const KERNELS = join(REPO, 'kernels', 'wasm', 'build', 'kernels.wasm');

const PAGE =
  '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/page.js"></script>';

/** The page's modules by URL path: /page.js and its chunks (Node-only branches split off, never loaded). */
async function bundle(entry: string): Promise<Map<string, string>> {
  const out = await build({
    entryPoints: { page: join(HERE, entry) },
    bundle: true,
    splitting: true,
    outdir: '/bundle',
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
    // The engine's Node-only branches (Dawn, node:fs in app/encoder/node-webgpu.ts) are dynamic
    // imports that a page never takes.
    external: ['webgpu', 'node:*'],
  });
  return new Map(out.outputFiles.map((f) => [`/${relative('/bundle', f.path)}`, f.text]));
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => relative(dir, join(dir, f)));
}

function f32(x: Float32Array): Buffer {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

function serve(js: Map<string, string>, clips: readonly Clip[], long: LongFile): Promise<Server> {
  const listing = JSON.stringify(listFiles(BASE_MODEL_DIR));
  const types: Record<string, string> = {
    wasm: 'application/wasm',
    mjs: 'text/javascript',
    js: 'text/javascript',
    json: 'application/json',
  };
  const file = (root: string, rel: string): string | null => {
    const p = join(root, decodeURIComponent(rel));
    return p.startsWith(root) && existsSync(p) && statSync(p).isFile() ? p : null;
  };
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    // Cross-origin isolation: SharedArrayBuffer, hence WASM threads.
    const headers = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    };
    const send = (body: Buffer | string, type: string): void => {
      res.writeHead(200, { ...headers, 'content-type': type });
      res.end(body);
    };
    let m: RegExpExecArray | null;
    let p: string | null = null;
    if (url === '/') return send(PAGE, 'text/html');
    const module = js.get(url);
    if (module !== undefined) return send(module, 'text/javascript');
    if (url === '/kernels.wasm') return send(readFileSync(KERNELS), 'application/wasm');
    if (url === '/models/Xenova/whisper-base/files.json') return send(listing, 'application/json');
    if ((m = /^\/audio\/(\d+|long)\.f32$/.exec(url)))
      return send(
        m[1] === 'long' ? f32(long.samples) : f32(clips[Number(m[1])]!.samples),
        'application/octet-stream',
      );
    if ((m = /^\/models\/(.+)$/.exec(url))) p = file(MODELS_ROOT, m[1]!);
    else if ((m = /^\/ort\/([\w.-]+)$/.exec(url))) p = file(OUR_ORT, m[1]!);
    else if ((m = /^\/tj-ort\/([\w.-]+)$/.exec(url))) p = file(TJ_ORT, m[1]!);
    if (p) return send(readFileSync(p), types[p.split('.').pop()!] ?? 'application/octet-stream');
    res.writeHead(404, headers);
    res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The browser process: the child of this process that appeared with the launch (Debian's wrapper script execs the binary). */
function browserPid(before: Set<number>): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || before.has(Number(name))) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && /chrom/.test(readFileSync(`/proc/${name}/cmdline`, 'utf8')))
        return Number(name);
    } catch {
      // gone
    }
  }
  throw new Error('the Chromium process was not found under this process');
}

function pids(): Set<number> {
  return new Set(
    readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number),
  );
}

async function runPage(
  system: RunOutput['system'],
  entry: string,
  o: { clips: readonly Clip[]; long: LongFile; threads: number; maxNewTokens: number },
  log: (m: string) => void,
): Promise<RunOutput> {
  const server = await serve(await bundle(entry), o.clips, o.long);
  const before = pids();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const rss = new RssSampler(browserPid(before), { tree: true, tracePhase: 'long' });
  try {
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page
      .waitForFunction(() => 'bench' in globalThis, null, { timeout: 60_000 })
      .catch(() => {
        throw new Error(`${system} page did not start:\n${logs.join('\n')}`);
      });
    type G = { bench: BenchPage };
    const call = async <T>(f: () => Promise<T>): Promise<T> => {
      try {
        return await f();
      } catch (e) {
        throw new Error(`${system} page: ${(e as Error).message}\n${logs.slice(-20).join('\n')}`, {
          cause: e,
        });
      }
    };
    rss.mark('load');
    log(`  ${system} chromium: load`);
    const cfg = { threads: o.threads, maxNewTokens: o.maxNewTokens, clips: o.clips.length };
    const loaded: PageLoad = await call(() =>
      page.evaluate((c) => (globalThis as unknown as G).bench.load(c), cfg),
    );
    const transcribe = (i: number): Promise<PageTranscript> =>
      call(() => page.evaluate((k) => (globalThis as unknown as G).bench.transcribe(k), i));
    rss.mark('warmup');
    log(`  ${system} chromium: warmup`);
    await transcribe(0);
    rss.mark('clips');
    log(`  ${system} chromium: clips`);
    const clipTexts: string[] = [];
    let clipsSeconds = 0;
    for (let i = 0; i < o.clips.length; i++) {
      const t = await transcribe(i);
      clipTexts.push(t.text);
      clipsSeconds += t.seconds;
    }
    rss.mark('long');
    log(`  ${system} chromium: long`);
    const longOut = await transcribe(-1);
    rss.mark('done');
    const cacheBytes = await page.evaluate(() => (globalThis as unknown as G).bench.cacheBytes());
    return {
      system,
      runtime: 'chromium',
      backend: 'wasm',
      loadSeconds: loaded.loadSeconds,
      clipsSeconds,
      clipTexts,
      longSeconds: longOut.seconds,
      long: { text: longOut.text, pieces: longOut.pieces },
      cacheBytes,
      notes: [
        ...loaded.notes,
        `page cross-origin isolated: ${loaded.crossOriginIsolated}, ${loaded.threads} threads; memory: the browser's whole process tree`,
      ],
      rss: rss.stop(),
    };
  } finally {
    rss.stop();
    await browser.close();
    server.close();
  }
}

export async function runBrowserRows(o: {
  clips: readonly Clip[];
  long: LongFile;
  threads: number;
  maxNewTokens: number;
  systems: ReadonlyArray<RunOutput['system']>;
  /** Called with each run as it ends. */
  onRun?: (r: RunOutput) => void;
}): Promise<RunOutput[]> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (use --no-browser)`);
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const out: RunOutput[] = [];
  for (const system of o.systems) {
    const r = await runPage(system, system === 'slim-whisper' ? 'page-slim.ts' : 'page-tj.ts', o, log);
    o.onRun?.(r);
    out.push(r);
  }
  return out;
}
