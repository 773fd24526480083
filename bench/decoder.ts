/**
 * Decoder step benchmark: Slim Option 2 against the standard baseline, side by side, on one
 * backend, on identical kernels and weights.
 *
 *   npm run bench:decoder -- --model <path> --backend wasm --batch 1,8,32 --ctx 16,128,448 \
 *     [--groups shared|separate] [--forms k-cache|x-cache|k,k,x,…] [--iters 20] [--warmup 3]
 *     [--clock wall|cpu] [--json]
 *
 * Per cell (batch B, context t): both sessions get caches of exactly t rows per sequence (the
 * cache bytes are those real allocations: per-sequence caches of B sequences plus the audio side
 * of the groups), every sequence is set to length t − 1 and each timed step feeds one token to all
 * B sequences at position t − 1 (greedy top-1 on the device, no logits read back), so every step
 * attends over t rows. Slim and baseline steps alternate (both see the same machine). The step
 * time is the median of --iters steps after --warmup steps, by the
 * wall clock, or with --clock cpu by this process's CPU time (for a machine shared with other
 * work, where the wall clock counts time the process was not running).
 * --groups shared: the B sequences are beams of one window (one E; the baseline shares its cross
 * K,V); separate: B windows, each with its own E (baseline: its own cross K,V).
 *
 * Backends are entries of BACKENDS (the WebGPU engineer adds 'webgpu' there): each opens a
 * DecoderSession that can also `seek` a sequence to a length without feeding it.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { DecoderBackend, DecoderSession } from '../kernels/decoder/types.ts';
import { packDecoder, type PackedDecoder } from '../kernels/decoder/weights.ts';
import type { SelfForm } from '../models/slim/decoder64.ts';
import { Rng } from '../models/fixtures/random.ts';

/** A session the benchmark can drive: DecoderSession plus seek (benchmarks only). */
export type BenchSession = DecoderSession & { seek(seq: number, length: number): void };

export interface BenchOpenOptions {
  maxBatch: number;
  maxGroups: number;
  contextCapacity: number;
}

export interface BenchBackend {
  /** Shown in the table's header: threads, device, weight precision … */
  describe(): string;
  open(packed: PackedDecoder, opts: BenchOpenOptions): Promise<BenchSession>;
}

const BACKENDS: Partial<Record<DecoderBackend, () => Promise<BenchBackend>>> = {
  wasm: async () => {
    const { openWasmDecoder } = await import('../kernels/wasm/load-node.ts');
    return { describe: () => 'WASM SIMD (AssemblyScript kernels), 1 thread', open: openWasmDecoder };
  },
};

export interface CellResult {
  backend: DecoderBackend;
  batch: number;
  ctx: number;
  slim: { msPerStep: number; cacheBytes: number };
  baseline: { msPerStep: number; cacheBytes: number };
}

type Grouping = 'shared' | 'separate';

interface BenchConfig {
  backend: DecoderBackend;
  impl: BenchBackend;
  groups: Grouping;
  iters: number;
  warmup: number;
  clock: 'wall' | 'cpu';
}

/** Milliseconds now: wall clock, or this process's CPU time (user + system; robust to a loaded machine). */
function now(clock: 'wall' | 'cpu'): number {
  if (clock === 'wall') return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Random encoder outputs: step time does not depend on the values. */
function audio(packed: PackedDecoder, n: number): Float32Array[] {
  const { nAudioCtx, nTextState } = packed.dims;
  const rng = new Rng(42);
  return Array.from({ length: n }, () => rng.normals(nAudioCtx * nTextState));
}

/** A session of one variant opened for a cell: audio set, every sequence bound to its group. */
async function prepare(
  packed: PackedDecoder,
  cfg: BenchConfig,
  batch: number,
  ctx: number,
): Promise<BenchSession> {
  const groups = cfg.groups === 'shared' ? 1 : batch;
  const dec = await cfg.impl.open(packed, { maxBatch: batch, maxGroups: groups, contextCapacity: ctx });
  await dec.setAudio(audio(packed, groups));
  const sot = [0]; // any token: a one-token prefill just binds each sequence to its group
  for (let s = 0; s < batch; s++) await dec.prefill(s, cfg.groups === 'shared' ? 0 : s, sot);
  return dec;
}

/** One timed step at context ctx: every sequence set back to ctx − 1, then one token each. */
async function timedStep(
  dec: BenchSession,
  tokens: Int32Array,
  ctx: number,
  clock: BenchConfig['clock'],
): Promise<number> {
  for (let s = 0; s < tokens.length; s++) dec.seek(s, ctx - 1);
  const t0 = now(clock);
  await dec.step(tokens, { topK: 1 });
  return now(clock) - t0;
}

/**
 * Both variants in one cell, their steps interleaved (Slim, baseline, Slim, …) so that both see
 * the same machine: on a shared machine the ratio is then fair even when absolute times drift.
 */
async function measureCell(
  models: { slim: PackedDecoder; baseline: PackedDecoder },
  cfg: BenchConfig,
  batch: number,
  ctx: number,
): Promise<Pick<CellResult, 'slim' | 'baseline'>> {
  const slim = await prepare(models.slim, cfg, batch, ctx);
  const base = await prepare(models.baseline, cfg, batch, ctx);
  try {
    const tokens = Int32Array.from({ length: batch }, (_, i) => 1 + i);
    const ts: number[] = [];
    const tb: number[] = [];
    for (let i = 0; i < cfg.warmup + cfg.iters; i++) {
      const a = await timedStep(slim, tokens, ctx, cfg.clock);
      const b = await timedStep(base, tokens, ctx, cfg.clock);
      if (i >= cfg.warmup) {
        ts.push(a);
        tb.push(b);
      }
    }
    return {
      slim: { msPerStep: median(ts), cacheBytes: slim.memory().cacheBytesTotal },
      baseline: { msPerStep: median(tb), cacheBytes: base.memory().cacheBytesTotal },
    };
  } finally {
    slim.dispose();
    base.dispose();
  }
}

function parseForms(spec: string, nLayer: number): SelfForm[] {
  const one = (s: string): SelfForm => {
    if (s === 'k' || s === 'k-cache') return 'k-cache';
    if (s === 'x' || s === 'x-cache') return 'x-cache';
    throw new Error(`--forms: ${s} is not k-cache or x-cache`);
  };
  const parts = spec.split(',').map((s) => s.trim());
  if (parts.length === 1) return new Array<SelfForm>(nLayer).fill(one(parts[0]!));
  if (parts.length !== nLayer) throw new Error(`--forms: ${parts.length} forms for ${nLayer} layers`);
  return parts.map(one);
}

async function loadModels(
  path: string,
  forms: string,
): Promise<{ slim: PackedDecoder; baseline: PackedDecoder }> {
  const { loadCheckpoint } = await import('../models/import/load.ts');
  const { Weights64 } = await import('../models/reference/weights64.ts');
  const { convertDecoder } = await import('../models/slim/convert.ts');
  const ckpt = await loadCheckpoint(path);
  const layers = convertDecoder(new Weights64(ckpt), ckpt);
  const slimForms = parseForms(forms, ckpt.dims.nTextLayer);
  return {
    slim: packDecoder(ckpt, 'slim', { layers, forms: slimForms }),
    baseline: packDecoder(ckpt, 'baseline'),
  };
}

const MB = (b: number) => (b / 2 ** 20).toFixed(1);

function printTable(rows: CellResult[], header: string): void {
  console.log(header);
  console.log('batch  ctx | Slim ms/step  base ms/step  Slim/base | Slim cache MB  base cache MB  base/Slim');
  for (const r of rows) {
    const t = r.slim.msPerStep / r.baseline.msPerStep;
    const c = r.baseline.cacheBytes / r.slim.cacheBytes;
    console.log(
      `${String(r.batch).padStart(5)} ${String(r.ctx).padStart(4)} | ${r.slim.msPerStep.toFixed(2).padStart(12)} ` +
        `${r.baseline.msPerStep.toFixed(2).padStart(13)} ${t.toFixed(2).padStart(10)} | ${MB(r.slim.cacheBytes).padStart(13)} ` +
        `${MB(r.baseline.cacheBytes).padStart(14)} ${c.toFixed(2).padStart(10)}`,
    );
  }
  const b1 = rows.filter((r) => r.batch === 1);
  for (const r of b1) {
    console.log(
      `batch 1, ctx ${r.ctx}: Slim ${(1000 / r.slim.msPerStep).toFixed(1)} tokens/s, baseline ${(1000 / r.baseline.msPerStep).toFixed(1)} tokens/s`,
    );
  }
}

const list = (s: string) => s.split(',').map((v) => Number(v.trim()));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      batch: { type: 'string', default: '1,8,32' },
      ctx: { type: 'string', default: '16,128,448' },
      groups: { type: 'string', default: 'shared' },
      forms: { type: 'string', default: 'k-cache' },
      iters: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      clock: { type: 'string', default: 'wall' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.model) throw new Error('--model <path> is required');
  const ctxs = list(values.ctx);
  if (ctxs.some((c) => !(c >= 2))) throw new Error('--ctx: every context must be ≥ 2');
  const backend = values.backend as DecoderBackend;
  const make = BACKENDS[backend];
  if (!make)
    throw new Error(`--backend: ${backend} not available (have ${Object.keys(BACKENDS).join(', ')})`);
  if (values.groups !== 'shared' && values.groups !== 'separate') throw new Error('--groups shared|separate');
  if (values.clock !== 'wall' && values.clock !== 'cpu') throw new Error('--clock wall|cpu');
  const cfg: BenchConfig = {
    backend,
    impl: await make(),
    groups: values.groups,
    iters: Number(values.iters),
    warmup: Number(values.warmup),
    clock: values.clock,
  };
  const models = await loadModels(values.model, values.forms);
  const rows: CellResult[] = [];
  for (const batch of list(values.batch)) {
    for (const ctx of ctxs) {
      const { slim, baseline } = await measureCell(models, cfg, batch, ctx);
      rows.push({ backend, batch, ctx, slim, baseline });
      const line = `  batch ${batch} ctx ${ctx}: ${slim.msPerStep.toFixed(2)} / ${baseline.msPerStep.toFixed(2)} ms\n`;
      process.stderr.write(line); // progress, off stdout so --json stays parseable
    }
  }
  if (values.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const { dims } = models.slim;
  printTable(
    rows,
    `${cfg.impl.describe()} · d ${dims.nTextState}, ${dims.nTextLayer} layers, ${dims.nTextHead} heads · ` +
      `Slim forms ${models.slim.forms.join(',')} · audio ${cfg.groups === 'shared' ? 'one window shared by the batch' : 'one window per sequence'} · ` +
      `median of ${cfg.iters} steps after ${cfg.warmup} (${cfg.clock === 'cpu' ? 'process CPU time' : 'wall clock'})`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
