/**
 * `npm run -s bench:encoder -- --model <path> [--json] [--runs N] [--threads N]`
 *
 * Milliseconds per 30 s window of the Whisper encoder on onnxruntime-web, for every backend
 * available here (WASM always; WebGPU where a real GPU adapter is found) and every precision:
 * our graph in fp32 and fp16, and the model folder's own onnx/encoder_model*.onnx (the
 * "reference-onnx", when the model is a Transformers.js export) on the same runtime, in the
 * same process. Each measurement: one warm-up run, then the median of N.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseBackend, probeAdapter, type EncoderBackend, type GpuLike } from '../app/encoder/backend.ts';
import { AudioEncoder, type EncoderIo, type GpuDevice } from '../app/encoder/session.ts';
import { requestNodeAdapter } from '../kernels/webgpu/device-node.ts';
import { createGpuContext } from '../kernels/webgpu/device.ts';
import type { WhisperCheckpoint } from '../models/checkpoint/types.ts';
import { SlimError } from '../models/errors.ts';
import { Rng } from '../models/fixtures/random.ts';
import { loadCheckpoint } from '../models/import/load.ts';
import { decodeModel } from '../models/onnx/proto.ts';

export interface BenchRow {
  impl: 'ours' | 'reference-onnx';
  backend: EncoderBackend;
  precision: string;
  msPerWindow: number;
}

interface Args {
  model: string;
  json: boolean;
  runs: number;
  threads: number | undefined;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      json: { type: 'boolean', default: false },
      runs: { type: 'string', default: '5' },
      threads: { type: 'string' },
    },
  });
  if (!values.model)
    throw new SlimError(
      'INVALID_ARGUMENT',
      'usage: bench:encoder --model <path> [--json] [--runs N] [--threads N]',
    );
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new SlimError('INVALID_ARGUMENT', `--runs must be a positive integer`);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  return { model: values.model, json: values.json, runs, threads };
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

/** Backends this process can run: WASM, plus WebGPU (with its device) when a real GPU answers. */
async function availableBackends(): Promise<Array<{ backend: EncoderBackend; device?: GpuDevice }>> {
  const probed = await probeAdapter(await gpuHere());
  const choice = chooseBackend({ preferred: 'auto', ...probed });
  log(`backend: ${choice.reason}`);
  if (choice.backend !== 'webgpu') return [{ backend: 'wasm' }];
  const ctx = await createGpuContext({ powerPreference: 'high-performance' });
  return [{ backend: 'wasm' }, { backend: 'webgpu', device: ctx.device }];
}

/** navigator.gpu, or in Node the `webgpu` package's (Dawn) where it loads. */
async function gpuHere(): Promise<GpuLike | undefined> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (nav?.gpu) return nav.gpu;
  try {
    const adapter = await requestNodeAdapter({ powerPreference: 'high-performance' });
    return { requestAdapter: async () => adapter };
  } catch {
    return undefined;
  }
}

/** The folder's onnx/encoder_model*.onnx files with a precision label from the name. */
function referenceModels(folder: string): Array<{ path: string; precision: string }> {
  const dir = join(folder, 'onnx');
  if (!existsSync(dir)) return [];
  const labels: Record<string, string> = {
    '': 'fp32',
    _fp16: 'fp16',
    _quantized: 'q8',
    _int8: 'int8',
    _uint8: 'uint8',
  };
  return readdirSync(dir)
    .map((f) => /^encoder_model(.*)\.onnx$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: join(dir, m[0]), precision: labels[m[1]!] ?? m[1]!.replace(/^_/, '') }));
}

function ioOf(bytes: Uint8Array, path: string, ckpt: WhisperCheckpoint): EncoderIo {
  const g = decodeModel(bytes, path).graph!;
  const d = ckpt.dims;
  return {
    input: g.input![0]!.name!,
    output: g.output![0]!.name!,
    nMels: d.nMels,
    nAudioCtx: d.nAudioCtx,
    nAudioState: d.nAudioState,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Timing {
  wallMs: number;
  /** Process CPU time (all WASM threads) per window: less sensitive to other load on the machine. */
  cpuMs: number;
}

/** One warm-up run, then the medians of `runs` timed runs. */
async function time(enc: AudioEncoder, mel: Float32Array, runs: number): Promise<Timing> {
  await enc.encode(mel);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await enc.encode(mel);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

/** A row of the JSON output, with the CPU time the table also shows. */
interface Measured {
  row: BenchRow;
  cpuMs: number;
}

async function measure(
  open: () => Promise<AudioEncoder>,
  row: Omit<BenchRow, 'msPerWindow'>,
  mel: Float32Array,
  args: Args,
): Promise<Measured> {
  const enc = await open();
  try {
    log(
      `${row.impl} ${row.backend} ${row.precision}: session ready in ${enc.info.createMs.toFixed(0)} ms, ${enc.info.threads} threads`,
    );
    const t = await time(enc, mel, args.runs);
    return { row: { ...row, msPerWindow: Math.round(t.wallMs) }, cpuMs: Math.round(t.cpuMs) };
  } finally {
    await enc.dispose();
  }
}

async function benchBackend(
  ckpt: WhisperCheckpoint,
  target: { backend: EncoderBackend; device?: GpuDevice },
  mel: Float32Array,
  args: Args,
): Promise<Measured[]> {
  const rows: Measured[] = [];
  const backend = target.backend;
  const opts = { backend, threads: args.threads, device: target.device };
  for (const precision of ['fp32', 'fp16'] as const) {
    const open = (): Promise<AudioEncoder> => AudioEncoder.create(ckpt, { ...opts, precision });
    rows.push(await measure(open, { impl: 'ours', backend, precision }, mel, args));
  }
  for (const ref of referenceModels(args.model)) {
    const bytes = new Uint8Array(readFileSync(ref.path));
    const open = (): Promise<AudioEncoder> =>
      AudioEncoder.fromModel(bytes, ioOf(bytes, ref.path, ckpt), opts, ref);
    rows.push(await measure(open, { impl: 'reference-onnx', backend, precision: ref.precision }, mel, args));
  }
  return rows;
}

function table(rows: Measured[]): string {
  const head = ['impl', 'backend', 'precision', 'ms/window', 'cpu ms/window'];
  const cells = rows.map(({ row: r, cpuMs }) => [
    r.impl,
    r.backend,
    r.precision,
    String(r.msPerWindow),
    String(cpuMs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    c.map((x, i) => (i >= 3 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const args = parse(argv);
  const ckpt = await loadCheckpoint(args.model);
  const d = ckpt.dims;
  log(
    `model ${args.model}: ${d.nAudioLayer} layers × ${d.nAudioState}, ${d.nMels} mels; ${args.runs} runs after a warm-up`,
  );
  // Timing does not depend on the values: a fixed pseudo-random window in log-mel range.
  const mel = new Rng(1).normals(d.nMels * 2 * d.nAudioCtx, 0.5, -0.3);
  const rows: Measured[] = [];
  for (const target of await availableBackends()) rows.push(...(await benchBackend(ckpt, target, mel, args)));
  log(
    `load average during the run: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  process.stdout.write(args.json ? `${JSON.stringify(rows.map((m) => m.row))}\n` : `${table(rows)}\n`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const code = e instanceof SlimError ? ` [${e.code}]` : '';
  process.stderr.write(`bench:encoder: ${(e as Error).message}${code}\n`);
  process.exitCode = 1;
});
