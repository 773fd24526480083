/**
 * `npm run -s bench:live -- [--model <path>] [--clips a.wav,b.wav] [--audio-ctx <s>[,<s>…]] [--interval <ms>] [--json]`
 *
 * Live-caption latency: real clips of ../shared/audio played as a microphone in real time
 * (100 ms chunks pushed on the wall clock, then 3 s of silence, as a speaker pausing) into the
 * streaming transcriber (app/live) with the model on WASM in this process. For each word,
 * latency = when its caption was confirmed − when the word ended in the audio, the word's end
 * taken from a full offline transcription of the clip with word timestamps (cached in
 * .cache/bench-live/). Also the final WER of the live captions against transcripts.tsv and of
 * the offline transcription (Whisper's English normalizer), which shows what the live policy and
 * a shorter audio context cost. Passes block the thread they run on, as in the engine worker:
 * audio that arrives meanwhile is pushed when the pass ends, as a microphone buffers it.
 *
 * Several audio contexts (--audio-ctx 10,30) run one after the other over the same clips; a
 * last table puts them side by side (latency median and p90, live and offline WER, pass time),
 * and --json gives one object per context under `contexts`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readAudioFile } from '../app/audio/read.ts';
import { openEngine } from '../app/engine/open-engine.ts';
import { wordErrorRate } from '../app/eval/index.ts';
import { wordKey } from '../app/live/agreement.ts';
import { audioContextOf } from '../app/live/audio-context.ts';
import { openLiveModel } from '../app/live/open-node.ts';
import { LiveSession, LiveTranscriber } from '../app/live/streaming.ts';
import type { LiveUpdate } from '../app/live/types.ts';
import { embeddedModelDir } from '../models/catalog/embedded.ts';
import { SlimError } from '../models/errors.ts';
import { loadCheckpoint } from '../models/import/load.ts';

const SHARED_AUDIO = join(import.meta.dirname, '..', '..', 'shared', 'audio');
const CACHE = join(import.meta.dirname, '..', '.cache', 'bench-live');
const DEFAULT_CLIPS = [
  'jfk.wav',
  'librispeech-1272-141231-0002.wav',
  'lj050-0131-22k.wav',
  'leopard-en.wav',
  'wizard.wav',
  'horizon.wav',
];
const CHUNK_MS = 100;
const TRAILING_SILENCE_MS = 3000;

interface Args {
  model: string;
  clips: string[];
  audioCtxS: number[];
  intervalMs: number;
  json: boolean;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      clips: { type: 'string' },
      'audio-ctx': { type: 'string', default: '30' },
      interval: { type: 'string', default: '1000' },
      json: { type: 'boolean', default: false },
    },
  });
  const audioCtxS = values['audio-ctx'].split(',').map(Number);
  const intervalMs = Number(values.interval);
  if (!(intervalMs > 0)) throw new SlimError('INVALID_ARGUMENT', '--interval must be milliseconds > 0');
  return {
    model: values.model ?? embeddedModelDir(),
    clips: values.clips ? values.clips.split(',') : DEFAULT_CLIPS,
    audioCtxS,
    intervalMs,
    json: values.json,
  };
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

interface TimedWord {
  text: string;
  endMs: number;
}

export interface ClipResult {
  clip: string;
  durationMs: number;
  /** Words of the offline transcription matched to a confirmed caption word. */
  words: number;
  medianMs: number;
  p90Ms: number;
  /** Words confirmed only by the final pass (after the speaker stopped). */
  atStop: number;
  liveWer: number;
  offlineWer: number;
  passes: number;
  meanPassMs: number;
  live: string;
  offline: string;
  latenciesMs: number[];
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
}

/** Pairs of equal words along an edit-distance alignment of two word sequences. */
function matchWords(a: string[], b: string[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  const d = Array.from({ length: n + 1 }, (_, i) =>
    Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= n; i++)
    for (let j = 1; j <= m; j++)
      d[i]![j] = Math.min(
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
      );
  const out: Array<[number, number]> = [];
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    if (a[i - 1] === b[j - 1] && d[i]![j] === d[i - 1]![j - 1]) {
      out.push([i - 1, j - 1]);
      i--;
      j--;
    } else if (d[i]![j] === d[i - 1]![j - 1]! + 1) {
      i--;
      j--;
    } else if (d[i]![j] === d[i - 1]![j]! + 1) i--;
    else j--;
  }
  return out.reverse();
}

function references(): Map<string, string> {
  const rows = readFileSync(join(SHARED_AUDIO, 'transcripts.tsv'), 'utf8').trim().split('\n').slice(1);
  return new Map(rows.map((r) => r.split('\t')).map(([f, , ref]) => [f!, ref!]));
}

/** Offline word timestamps of a clip (the ground truth of word ends), cached per model and clip. */
async function offlineWords(
  args: Args,
  clip: string,
  samples: Float32Array,
  engine: () => Promise<Awaited<ReturnType<typeof openEngine>>>,
): Promise<{ words: TimedWord[]; text: string }> {
  mkdirSync(CACHE, { recursive: true });
  const key = join(CACHE, `${basename(args.model)}-${clip}.json`);
  if (existsSync(key)) return JSON.parse(readFileSync(key, 'utf8')) as { words: TimedWord[]; text: string };
  log(`${clip}: offline transcription with word timestamps (ground truth, cached)`);
  const r = await (
    await engine()
  ).transcriber.transcribe(samples, {
    language: 'en',
    beamSize: null,
    wordTimestamps: true,
  });
  const out = {
    words: r.segments.flatMap((s) => s.words ?? []).map((w) => ({ text: w.text, endMs: w.endMs })),
    text: r.text,
  };
  writeFileSync(key, JSON.stringify(out));
  return out;
}

/** Plays `samples` as a microphone in real time into a live session; returns each update with its wall time. */
async function play(
  t: LiveTranscriber,
  samples: Float32Array,
): Promise<Array<{ atMs: number; update: LiveUpdate }>> {
  const updates: Array<{ atMs: number; update: LiveUpdate }> = [];
  const errors: unknown[] = [];
  const t0 = performance.now();
  const s = new LiveSession(
    t,
    (u) => updates.push({ atMs: performance.now() - t0, update: u }),
    (e) => errors.push(e),
  );
  const chunk = (CHUNK_MS / 1000) * 16000;
  const total = samples.length + (TRAILING_SILENCE_MS / 1000) * 16000;
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((((performance.now() - t0) / 1000) * 16000) / chunk) * chunk);
    // The last piece may be short: the clip's length need not be a multiple of the chunk.
    while (sent < due && (sent + chunk <= due || due === total)) {
      const piece = new Float32Array(Math.min(chunk, total - sent));
      if (sent < samples.length)
        piece.set(samples.subarray(sent, Math.min(sent + piece.length, samples.length)));
      s.push(piece);
      sent += piece.length;
    }
    await new Promise((r) => setTimeout(r, CHUNK_MS / 4));
  }
  await s.stop();
  if (errors.length) throw errors[0];
  return updates;
}

async function runClip(
  args: Args,
  clip: string,
  live: Awaited<ReturnType<typeof openLiveModel>>,
  refs: Map<string, string>,
  engine: () => ReturnType<typeof openEngine>,
): Promise<ClipResult> {
  const { samples, durationMs } = await readAudioFile(join(SHARED_AUDIO, clip));
  const truth = await offlineWords(args, clip, samples, engine);
  const t = await LiveTranscriber.open(live.model, { language: 'en', intervalMs: args.intervalMs });
  let updates: Array<{ atMs: number; update: LiveUpdate }>;
  try {
    updates = await play(t, samples);
  } finally {
    t.dispose();
  }
  const confirmed = updates.flatMap(({ atMs, update }) =>
    update.confirmed.map((w) => ({ text: w.text, atMs, final: update.final })),
  );
  const pairs = matchWords(
    truth.words.map((w) => wordKey(w.text)),
    confirmed.map((w) => wordKey(w.text)),
  );
  const latencies = pairs.map(([i, j]) => confirmed[j]!.atMs - truth.words[i]!.endMs);
  const liveText = confirmed.map((w) => w.text).join('');
  const ref = refs.get(clip) ?? '';
  const passes = updates.filter((u) => !u.update.final);
  return {
    clip,
    durationMs: Math.round(durationMs),
    words: latencies.length,
    medianMs: Math.round(quantile(latencies, 0.5)),
    p90Ms: Math.round(quantile(latencies, 0.9)),
    atStop: pairs.filter(([, j]) => confirmed[j]!.final).length,
    liveWer: wordErrorRate([{ reference: ref, hypothesis: liveText }]).wer,
    offlineWer: wordErrorRate([{ reference: ref, hypothesis: truth.text }]).wer,
    passes: passes.length,
    meanPassMs: Math.round(passes.reduce((a, u) => a + u.update.decodeMs, 0) / Math.max(1, passes.length)),
    live: liveText.trim(),
    offline: truth.text.trim(),
    latenciesMs: latencies.map(Math.round),
  };
}

function table(rows: ClipResult[], all: Overall): string {
  const head = [
    'clip',
    'audio s',
    'words',
    'median s',
    'p90 s',
    'at stop',
    'WER live',
    'WER offline',
    'pass ms',
  ];
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const sec = (ms: number): string => (ms / 1000).toFixed(2);
  const body = rows.map((r) => [
    r.clip,
    sec(r.durationMs),
    String(r.words),
    sec(r.medianMs),
    sec(r.p90Ms),
    String(r.atStop),
    pct(r.liveWer),
    pct(r.offlineWer),
    String(r.meanPassMs),
  ]);
  body.push([
    'all',
    '',
    String(rows.reduce((a, r) => a + r.words, 0)),
    sec(all.median),
    sec(all.p90),
    '',
    pct(all.wer),
    pct(all.offlineWer),
    '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (c: string[]): string =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

interface Overall {
  median: number;
  p90: number;
  wer: number;
  offlineWer: number;
}

interface ContextResult {
  audioCtxS: number;
  audioCtx: number;
  overall: Overall & { meanPassMs: number };
  clips: ClipResult[];
}

/** One row per audio context: what a shorter context saves in latency and costs in accuracy. */
function contextTable(results: ContextResult[]): string {
  const head = ['audio ctx s', 'median s', 'p90 s', 'WER live', 'WER offline', 'pass ms'];
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const sec = (ms: number): string => (ms / 1000).toFixed(2);
  const body = results.map((r) => [
    String(r.audioCtxS),
    sec(r.overall.median),
    sec(r.overall.p90),
    pct(r.overall.wer),
    pct(r.overall.offlineWer),
    String(r.overall.meanPassMs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => x.padStart(widths[i]!)).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const ckpt = await loadCheckpoint(args.model);
  // Checked before anything runs: a bad context in the list fails at once.
  const contexts = args.audioCtxS.map((s) => ({ s, n: audioContextOf(ckpt, s) }));
  const load0 = loadavg()[0]!;
  const offline: { engine: ReturnType<typeof openEngine> | null } = { engine: null };
  const engine = (): ReturnType<typeof openEngine> =>
    (offline.engine ??= openEngine(ckpt, { backend: 'wasm' }));
  const refs = references();
  const results: ContextResult[] = [];
  try {
    for (const { s, n } of contexts) results.push(await runContext(args, ckpt, s, n, refs, engine));
  } finally {
    if (offline.engine) await (await offline.engine).dispose();
  }
  const machine = { cpus: cpus().length, loadAverage1mStart: load0, loadAverage1mEnd: loadavg()[0]! };
  if (args.json) {
    const out =
      results.length === 1
        ? { machine, intervalMs: args.intervalMs, ...results[0]! }
        : { machine, intervalMs: args.intervalMs, contexts: results };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  for (const r of results) {
    if (results.length > 1)
      process.stdout.write(`\naudio context ${r.audioCtxS} s (${r.audioCtx} positions)\n`);
    process.stdout.write(`${table(r.clips, r.overall)}\n`);
  }
  if (results.length > 1) process.stdout.write(`\n${contextTable(results)}\n`);
  process.stdout.write(
    `${machine.cpus} CPUs, 1-min load average ${load0.toFixed(1)} at the start, ${machine.loadAverage1mEnd.toFixed(1)} at the end\n`,
  );
}

async function runContext(
  args: Args,
  ckpt: Awaited<ReturnType<typeof loadCheckpoint>>,
  audioCtxS: number,
  nAudioCtx: number,
  refs: Map<string, string>,
  engine: () => ReturnType<typeof openEngine>,
): Promise<ContextResult> {
  log(`live model: audio context ${nAudioCtx} (${audioCtxS} s), pass every ${args.intervalMs} ms`);
  const live = await openLiveModel(ckpt, { nAudioCtx });
  const rows: ClipResult[] = [];
  try {
    // A warm-up pass: the first run of a session pays for its one-time setup.
    const warm = await LiveTranscriber.open(live.model, { language: 'en' });
    warm.push(new Float32Array(16000));
    await warm.pass();
    warm.dispose();
    for (const clip of args.clips) {
      const r = await runClip(args, clip, live, refs, engine);
      log(
        `${clip}: median ${r.medianMs} ms, p90 ${r.p90Ms} ms, WER ${(100 * r.liveWer).toFixed(1)} % — "${r.live}"`,
      );
      rows.push(r);
    }
  } finally {
    await live.dispose();
  }
  const latencies = rows.flatMap((r) => r.latenciesMs);
  const passes = rows.reduce((a, r) => a + r.passes, 0);
  const overall = {
    median: Math.round(quantile(latencies, 0.5)),
    p90: Math.round(quantile(latencies, 0.9)),
    wer: wordErrorRate(rows.map((r) => ({ reference: refs.get(r.clip) ?? '', hypothesis: r.live }))).wer,
    offlineWer: wordErrorRate(rows.map((r) => ({ reference: refs.get(r.clip) ?? '', hypothesis: r.offline })))
      .wer,
    meanPassMs: Math.round(rows.reduce((a, r) => a + r.meanPassMs * r.passes, 0) / Math.max(1, passes)),
  };
  return { audioCtxS, audioCtx: nAudioCtx, overall, clips: rows };
}

main().catch((e) => {
  log(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
