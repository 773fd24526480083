/**
 * Step timing of the WebGPU decoder for benchmarks (bench/decoder.ts --backend webgpu, and the
 * standalone bench/decoder-webgpu.ts): one session per (variant, batch, audio grouping), then for
 * each context length the median wall time of a greedy step (all sequences at that length,
 * on-GPU argmax, ids read back), after warm-up steps; and the pipelined time per step: `iters`
 * steps submitted back to back with nothing read back, then one wait, divided by `iters`. The
 * first includes a readback round trip (mapAsync waits for the event loop to see the GPU
 * finish: several ms in dawn.node and in browsers), the second is the kernels' own time plus
 * the CPU's encoding.
 */
import type { DecoderVariant } from '../decoder/types.ts';
import type { PackedDecoder } from '../decoder/weights.ts';
import type { GpuContext } from './device.ts';
import { WebGPUDecoderSession, type WebGPUDecoderOptions } from './session.ts';

export type AudioGrouping = 'shared' | 'separate';

export interface StepTiming {
  msPerStep: number;
  /** Steps submitted back to back without readback: GPU time (and encoding) per step. */
  msPerStepPipelined: number;
  /** All cache bytes allocated (self caches for nTextCtx, audio side), from the GPU buffers. */
  cacheBytes: number;
  /** The part of them in use at this context: self rows up to ctx, plus the audio side. */
  cacheBytesAtCtx: number;
  steps: number;
}

export interface BenchCell {
  backend: 'webgpu';
  variant: DecoderVariant;
  batch: number;
  ctx: number;
  groups: AudioGrouping;
  timing: StepTiming;
}

export interface BenchOptions {
  batch: number;
  ctxs: readonly number[];
  groups: AudioGrouping;
  warmup?: number;
  iters?: number;
  /** Steps of the pipelined timing (default 10 × iters: its one wait is amortised over them). */
  pipelinedIters?: number;
  session?: Partial<WebGPUDecoderOptions>;
  /** Called with each cell as it completes. */
  onCell?: (cell: BenchCell) => void;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Deterministic pseudo-E for benchmarks (values do not change the work). */
function fakeAudio(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2147483648 - 1;
  }
  return a;
}

export async function benchWebGPU(
  gpu: GpuContext,
  packed: PackedDecoder,
  o: BenchOptions,
): Promise<BenchCell[]> {
  const { nAudioCtx, nTextState: d, nVocab } = packed.dims;
  const nGroups = o.groups === 'shared' ? 1 : o.batch;
  const session = new WebGPUDecoderSession(gpu, packed, {
    maxBatch: o.batch,
    maxGroups: nGroups,
    ...o.session,
  });
  const cells: BenchCell[] = [];
  try {
    await session.setAudio(Array.from({ length: nGroups }, (_, g) => fakeAudio(nAudioCtx * d, g + 1)));
    await session.prefill(0, 0, [1]);
    const tokens = Int32Array.from({ length: o.batch }, (_, i) => (i * 7919) % nVocab);
    const mem = session.memory();
    for (const ctx of o.ctxs) {
      const times: number[] = [];
      const warmup = o.warmup ?? 3;
      const iters = o.iters ?? 20;
      // Every step runs at this context: all sequences set back to ctx − 1 tokens first.
      const atCtx = () => {
        for (let s = 0; s < o.batch; s++) session.benchSetLength(s, o.groups === 'shared' ? 0 : s, ctx - 1);
      };
      for (let i = 0; i < warmup + iters; i++) {
        atCtx();
        const t0 = performance.now();
        await session.step(tokens, { topK: 1 });
        if (i >= warmup) times.push(performance.now() - t0);
      }
      const nPipelined = o.pipelinedIters ?? 10 * iters;
      const t0 = performance.now();
      for (let i = 0; i < nPipelined; i++) {
        atCtx();
        await session.step(tokens, { topK: 0 });
      }
      await gpu.device.queue.onSubmittedWorkDone();
      const pipelined = (performance.now() - t0) / nPipelined;
      const perSeqAtCtx = (mem.cacheBytesPerSequence * ctx) / packed.dims.nTextCtx;
      const cell: BenchCell = {
        backend: 'webgpu',
        variant: packed.variant,
        batch: o.batch,
        ctx,
        groups: o.groups,
        timing: {
          msPerStep: median(times),
          msPerStepPipelined: pipelined,
          cacheBytes: mem.cacheBytesTotal,
          cacheBytesAtCtx: perSeqAtCtx * o.batch + mem.audioBytes,
          steps: iters,
        },
      };
      o.onCell?.(cell);
      cells.push(cell);
    }
  } finally {
    session.dispose();
  }
  return cells;
}
