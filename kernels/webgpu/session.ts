/**
 * The WebGPU decoder session (kernels/decoder/types.ts): Slim Option 2 (per-layer K-cache or
 * X-cache self-attention, cross-attention straight from E) or the standard baseline (self K,V
 * caches, cross K,V computed once per audio group in setAudio and shared by the group's
 * sequences), on the same kernels and weights.
 *
 * Caches are preallocated for maxBatch sequences × nTextCtx rows and reused across windows;
 * memory() reports the sizes of the GPU buffers actually created. A step feeds one token to
 * sequences 0 … B−1 in one command buffer and reads back either the logits or k ids and
 * log-probabilities per sequence (top-k and log-softmax run on the GPU).
 */
import type { ModelDimensions } from '../../models/checkpoint/types.ts';
import { SlimError } from '../../models/errors.ts';
import type {
  DecoderMemory,
  DecoderSession,
  DecoderVariant,
  StepRequest,
  StepResult,
} from '../decoder/types.ts';
import type { PackedDecoder } from '../decoder/weights.ts';
import { BufferLedger, readBuffer, readBuffers, type Allocation, type ReadRange } from './buffers.ts';
import { assertAlive, createGpuContext, type GpuContext, type GpuDeviceOptions } from './device.ts';
import { uploadWeights, type GpuWeights } from './gpu-weights.ts';
import type { Bound, RunShape } from './kernel.ts';
import { attendSplits } from './attend-rows.ts';
import { buildOps, type DecoderOps, type LayerForm, type LayerStore, type Workspace } from './layers.ts';
import { linear } from './linear.ts';
import { SUPPRESSED, TOPK_MAX, topK } from './topk.ts';
import { defaultTuning, type Tuning } from './tuning.ts';
import type { WeightPrecision } from './wgsl.ts';

export interface WebGPUDecoderOptions {
  maxBatch: number;
  maxGroups: number;
  /** Rows one prefill pass handles; longer prompts run in chunks. Default max(maxBatch, 32) ≤ nTextCtx. */
  maxPrefillRows?: number;
  /** Weight storage: fp32, or fp16 pairs widened in the kernels (fp32 arithmetic). */
  weights?: WeightPrecision;
  tuning?: Partial<Tuning>;
}

/** The encoder output of one audio group: host floats, or a GPU buffer on this session's device. */
export type AudioInput = Float32Array | GPUBuffer;

export class WebGPUDecoderSession implements DecoderSession {
  readonly backend = 'webgpu' as const;
  readonly variant: DecoderVariant;
  readonly dims: ModelDimensions;
  readonly maxBatch: number;
  readonly maxGroups: number;
  readonly forms: LayerForm[];
  readonly weightPrecision: WeightPrecision;
  private readonly maxRows: number;
  private readonly ledger: BufferLedger;
  private readonly ws: Workspace;
  private readonly stores: LayerStore[];
  private readonly ops: DecoderOps;
  private readonly weights: GpuWeights;
  private readonly tuning: Tuning;
  private readonly mask: GPUBuffer;
  private readonly topIds: GPUBuffer;
  private readonly topLp: GPUBuffer;
  private readonly audioStaging: GPUBuffer | null;
  private readonly scratchSeq: GPUBuffer;
  private readonly topKOps = new Map<number, Bound>();
  private readonly audioOps = new Map<string, Bound>();
  private readonly lengths: number[];
  private readonly groups: number[];
  private chain: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    readonly gpu: GpuContext,
    packed: PackedDecoder,
    opts: WebGPUDecoderOptions,
  ) {
    const dims = packed.dims;
    const d = dims.nTextState;
    if (!Number.isInteger(opts.maxBatch) || opts.maxBatch < 1)
      throw new SlimError('INVALID_ARGUMENT', 'maxBatch ≥ 1');
    if (!Number.isInteger(opts.maxGroups) || opts.maxGroups < 1)
      throw new SlimError('INVALID_ARGUMENT', 'maxGroups ≥ 1');
    this.variant = packed.variant;
    this.dims = dims;
    this.maxBatch = opts.maxBatch;
    this.maxGroups = opts.maxGroups;
    this.forms = [...packed.forms];
    this.weightPrecision = opts.weights ?? 'f32';
    this.maxRows = Math.min(
      dims.nTextCtx,
      Math.max(opts.maxPrefillRows ?? Math.max(opts.maxBatch, 32), opts.maxBatch),
    );
    this.tuning = { ...defaultTuning(d, d / dims.nTextHead, this.weightPrecision === 'f16'), ...opts.tuning };
    this.lengths = new Array<number>(opts.maxBatch).fill(0);
    this.groups = new Array<number>(opts.maxBatch).fill(0);
    const ledger = new BufferLedger(gpu.device);
    this.ledger = ledger;
    const weights = uploadWeights(ledger, packed, this.weightPrecision);
    this.ws = this.workspace();
    this.stores = this.allocateStores();
    this.audioStaging =
      this.variant === 'baseline' ? ledger.storage('audioStaging', 'scratch', dims.nAudioCtx * d * 4) : null;
    // Two one-sequence slots: [0] holds a sequence saved to break a cycle, [1] is the transit of a
    // slot-to-slot copy (WebGPU copies never stay within one buffer).
    this.scratchSeq = ledger.storage('reorderScratch', 'scratch', 2 * dims.nTextCtx * d * 4);
    this.mask = ledger.storage('suppressMask', 'scratch', dims.nVocab * 4);
    this.topIds = ledger.storage('topIds', 'scratch', this.maxBatch * TOPK_MAX * 4);
    this.topLp = ledger.storage('topLogProbs', 'scratch', this.maxBatch * TOPK_MAX * 4);
    this.ops = buildOps(ledger, dims, this.tuning, this.ws, weights, this.forms, this.stores);
    this.weights = weights;
  }

  private workspace(): Workspace {
    const { nTextState: d, nTextHead: h, nVocab } = this.dims;
    const L = this.ledger;
    const R = this.maxRows;
    const act = (label: string, n: number) => L.storage(label, 'scratch', n * 4);
    return {
      run: L.uniform('run', new Uint32Array(4)),
      rowInfo: L.storage('rowInfo', 'scratch', R * 16),
      x: act('x', R * d),
      y: act('y', R * d),
      q: act('q', R * d),
      k: act('k', R * d),
      v: act('v', R * d),
      a: act('a', R * h * d),
      u: act('u', R * h * d),
      part: this.variant === 'slim' ? this.partials(R) : null,
      o: act('o', R * d),
      hidden: act('hidden', R * 4 * d),
      final: act('final', this.maxBatch * d),
      logits: act('logits', this.maxBatch * nVocab),
    };
  }

  /** Scratch for split-keys attention: the most key ranges of self (nTextCtx) or cross (nAudioCtx). */
  private partials(rows: number): GPUBuffer | null {
    const { nTextState: d, nTextHead: h, nTextCtx, nAudioCtx } = this.dims;
    const splits = attendSplits(Math.max(nTextCtx, nAudioCtx), this.tuning.attendRows.splitKeys);
    if (splits === 1) return null;
    return this.ledger.storage('attendPartials', 'scratch', rows * splits * h * (d + 2) * 4);
  }

  private allocateStores(): LayerStore[] {
    const { nTextState: d, nTextCtx, nAudioCtx } = this.dims;
    const L = this.ledger;
    const selfBytes = this.maxBatch * nTextCtx * d * 4;
    const audioBytes = this.maxGroups * nAudioCtx * d * 4;
    const e = this.variant === 'slim' ? L.storage('E', 'audio', audioBytes) : null;
    return this.forms.map((form, l) => {
      const cache = L.storage(`layer${l}.${form === 'x-cache' ? 'Y' : 'K'}Cache`, 'cache', selfBytes);
      if (e) return { cache, vCache: null, audioK: e, audioV: e };
      return {
        cache,
        vCache: L.storage(`layer${l}.VCache`, 'cache', selfBytes),
        audioK: L.storage(`layer${l}.crossK`, 'audio', audioBytes),
        audioV: L.storage(`layer${l}.crossV`, 'audio', audioBytes),
      };
    });
  }

  /** Runs calls one after another; turns a lost device into SlimError('DEVICE_LOST'). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      if (this.disposed) throw new SlimError('INVALID_ARGUMENT', 'decoder session disposed');
      assertAlive(this.gpu);
      try {
        return await fn();
      } catch (err) {
        assertAlive(this.gpu);
        throw err;
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private writeRun(run: RunShape, outFirst: number): void {
    const w = new Uint32Array([run.rows, outFirst, run.outCount, 0]);
    this.gpu.device.queue.writeBuffer(this.ws.run, 0, w);
  }

  private writeRows(tokens: ArrayLike<number>, seqs: ArrayLike<number>, positions: ArrayLike<number>): void {
    const n = tokens.length;
    const info = new Uint32Array(n * 4);
    for (let r = 0; r < n; r++) {
      const t = tokens[r]!;
      if (!Number.isInteger(t) || t < 0 || t >= this.dims.nVocab) {
        throw new SlimError('INVALID_ARGUMENT', `token ${t} out of range`);
      }
      const s = seqs[r]!;
      info.set([t, positions[r]!, s, this.groups[s]!], r * 4);
    }
    this.gpu.device.queue.writeBuffer(this.ws.rowInfo, 0, info);
  }

  private encode(ops: Bound[], run: RunShape): void {
    const enc = this.gpu.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const op of ops) op.dispatch(pass, run);
    pass.end();
    this.gpu.device.queue.submit([enc.finish()]);
  }

  setAudio(xa: readonly AudioInput[]): Promise<void> {
    return this.serial(async () => {
      if (xa.length > this.maxGroups)
        throw new SlimError('INVALID_ARGUMENT', `${xa.length} audio groups > maxGroups ${this.maxGroups}`);
      xa.forEach((e, g) => this.storeAudio(e, g));
      await this.gpu.device.queue.onSubmittedWorkDone();
    });
  }

  private storeAudio(e: AudioInput, g: number): void {
    const { nAudioCtx, nTextState: d } = this.dims;
    const bytes = nAudioCtx * d * 4;
    const target = this.variant === 'slim' ? this.stores[0]!.audioK : this.audioStaging!;
    const offset = this.variant === 'slim' ? g * bytes : 0;
    const q = this.gpu.device.queue;
    if (e instanceof Float32Array) {
      if (e.length !== nAudioCtx * d)
        throw new SlimError('INVALID_ARGUMENT', `encoder output must be ${nAudioCtx}×${d}`);
      q.writeBuffer(target, offset, e.buffer, e.byteOffset, bytes);
    } else {
      if (e.size < bytes)
        throw new SlimError('INVALID_ARGUMENT', `encoder output buffer holds ${e.size} < ${bytes} bytes`);
      const enc = this.gpu.device.createCommandEncoder();
      enc.copyBufferToBuffer(e, 0, target, offset, bytes);
      q.submit([enc.finish()]);
    }
    if (this.variant === 'baseline') this.crossKeysValues(g);
  }

  /** Baseline: cross K = E·W_K and V = E·W_V + b_V of group g, every layer, into the group's slots. */
  private crossKeysValues(g: number): void {
    const { nAudioCtx, nTextState: d } = this.dims;
    const ops: Bound[] = [];
    this.weights.layers.forEach((W, l) => {
      const st = this.stores[l]!;
      for (const which of ['K', 'V'] as const) {
        const key = `${l}.${which}.${g}`;
        let op = this.audioOps.get(key);
        if (!op) {
          const bias = which === 'V' ? W.cbv : null;
          op = linear(
            this.ledger,
            `layer${l}.cross${which}.g${g}`,
            {
              layout: 'kn',
              weights: this.weightPrecision,
              bias: !!bias,
              residual: false,
              gelu: false,
              rowsFrom: 'rows',
              ...this.tuning.audio,
            },
            { K: d, N: d, yOffset: g * nAudioCtx * d },
            {
              run: this.ws.run,
              x: this.audioStaging!,
              w: which === 'K' ? W.cwk : W.cwv,
              y: which === 'K' ? st.audioK : st.audioV,
              ...(bias ? { bias } : {}),
            },
          );
          this.audioOps.set(key, op);
        }
        ops.push(op);
      }
    });
    const run = { rows: nAudioCtx, outCount: 0 };
    this.writeRun(run, 0);
    this.encode(ops, run);
  }

  private checkSeq(seq: number, group?: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.maxBatch)
      throw new SlimError('INVALID_ARGUMENT', `sequence ${seq} out of range`);
    if (group !== undefined && (!Number.isInteger(group) || group < 0 || group >= this.maxGroups)) {
      throw new SlimError('INVALID_ARGUMENT', `audio group ${group} out of range`);
    }
  }

  prefill(seq: number, group: number, tokens: readonly number[]): Promise<Float32Array> {
    return this.serial(async () => {
      this.checkSeq(seq, group);
      if (tokens.length < 1 || tokens.length > this.dims.nTextCtx)
        throw new SlimError('INVALID_ARGUMENT', 'prefill needs 1 … nTextCtx tokens');
      this.groups[seq] = group;
      this.lengths[seq] = 0;
      for (let start = 0; start < tokens.length; start += this.maxRows) {
        const chunk = tokens.slice(start, start + this.maxRows);
        const last = start + chunk.length === tokens.length;
        const n = chunk.length;
        this.writeRows(
          chunk,
          new Array<number>(n).fill(seq),
          chunk.map((_, i) => start + i),
        );
        const run = { rows: n, outCount: last ? 1 : 0 };
        this.writeRun(run, n - 1);
        this.encode(last ? [...this.ops.body, ...this.ops.head] : this.ops.body, run);
      }
      this.lengths[seq] = tokens.length;
      const V = this.dims.nVocab;
      return new Float32Array(await readBuffer(this.gpu.device, this.ws.logits, 0, V * 4));
    });
  }

  step(tokens: Int32Array, want: StepRequest): Promise<StepResult> {
    return this.serial(async () => {
      const B = tokens.length;
      if (B < 1 || B > this.maxBatch)
        throw new SlimError('INVALID_ARGUMENT', `batch ${B} outside 1 … ${this.maxBatch}`);
      const pos = Array.from({ length: B }, (_, s) => this.lengths[s]!);
      for (let s = 0; s < B; s++) {
        if (pos[s]! < 1) throw new SlimError('INVALID_ARGUMENT', `sequence ${s} was not prefilled`);
        if (pos[s]! >= this.dims.nTextCtx)
          throw new SlimError('INVALID_ARGUMENT', `sequence ${s} is full (${this.dims.nTextCtx})`);
      }
      this.writeRows(
        tokens,
        Array.from({ length: B }, (_, s) => s),
        pos,
      );
      const run = { rows: B, outCount: B };
      this.writeRun(run, 0);
      const k = want.topK ?? 0;
      const ops = [...this.ops.body, ...this.ops.head];
      let kRound = 0;
      if (k > 0) {
        if (!Number.isInteger(k) || k > TOPK_MAX || k > this.dims.nVocab)
          throw new SlimError('INVALID_ARGUMENT', `topK must be 1 … ${TOPK_MAX}`);
        kRound = 1 << Math.ceil(Math.log2(k));
        ops.push(this.topKOp(kRound, !!want.suppress));
        if (want.suppress) this.writeMask(want.suppress);
      }
      this.encode(ops, run);
      for (let s = 0; s < B; s++) this.lengths[s]!++;
      return this.readStep(B, k, kRound, !!want.logits);
    });
  }

  private topKOp(k: number, masked: boolean): Bound {
    const key = k * 2 + (masked ? 1 : 0);
    let op = this.topKOps.get(key);
    if (!op) {
      op = topK(this.ledger, `topk${k}`, k, this.dims.nVocab, masked, {
        run: this.ws.run,
        logits: this.ws.logits,
        mask: this.mask,
        ids: this.topIds,
        logProbs: this.topLp,
      });
      this.topKOps.set(key, op);
    }
    return op;
  }

  private writeMask(mask: Float32Array): void {
    if (mask.length !== this.dims.nVocab)
      throw new SlimError('INVALID_ARGUMENT', `suppress mask must have ${this.dims.nVocab} entries`);
    const m = new Float32Array(mask.length);
    for (let i = 0; i < m.length; i++) m[i] = mask[i]! === -Infinity ? SUPPRESSED : mask[i]!;
    this.gpu.device.queue.writeBuffer(this.mask, 0, m);
  }

  private async readStep(B: number, k: number, kRound: number, logits: boolean): Promise<StepResult> {
    const out: StepResult = {};
    const ranges: ReadRange[] = [];
    if (logits) ranges.push({ src: this.ws.logits, offset: 0, bytes: B * this.dims.nVocab * 4 });
    if (k > 0) {
      ranges.push({ src: this.topIds, offset: 0, bytes: B * kRound * 4 });
      ranges.push({ src: this.topLp, offset: 0, bytes: B * kRound * 4 });
    }
    if (ranges.length === 0) return out;
    // One round trip for everything the step returns.
    const read = await readBuffers(this.gpu.device, ranges);
    if (logits) out.logits = new Float32Array(read.shift()!);
    if (k > 0) {
      const ids = new Int32Array(read[0]!);
      const lp = new Float32Array(read[1]!);
      out.topIds = new Int32Array(B * k);
      out.topLogProbs = new Float32Array(B * k);
      for (let s = 0; s < B; s++) {
        for (let i = 0; i < k; i++) {
          const id = ids[s * kRound + i]!;
          out.topIds[s * k + i] = id;
          out.topLogProbs[s * k + i] = id < 0 ? -Infinity : lp[s * kRound + i]!;
        }
      }
    }
    return out;
  }

  reorder(src: readonly number[]): Promise<void> {
    return this.serial(async () => {
      src.forEach((s, i) => {
        this.checkSeq(i);
        this.checkSeq(s);
      });
      const len = [...this.lengths];
      const grp = [...this.groups];
      const plan = reorderPlan(src, len);
      const enc = this.gpu.device.createCommandEncoder();
      for (const st of this.stores) {
        for (const cache of st.vCache ? [st.cache, st.vCache] : [st.cache]) this.copyRows(enc, cache, plan);
      }
      this.gpu.device.queue.submit([enc.finish()]);
      src.forEach((s, i) => {
        this.lengths[i] = len[s]!;
        this.groups[i] = grp[s]!;
      });
      await this.gpu.device.queue.onSubmittedWorkDone();
    });
  }

  /** Carries out a reorder plan on one cache buffer (slot −1 is the scratch's saved slot). */
  private copyRows(enc: GPUCommandEncoder, cache: GPUBuffer, plan: readonly SlotCopy[]): void {
    const slot = this.dims.nTextCtx * this.dims.nTextState * 4;
    const rowBytes = this.dims.nTextState * 4;
    const scratch = this.scratchSeq;
    for (const { from, to, rows } of plan) {
      const n = rows * rowBytes;
      if (n === 0) continue;
      if (from === -1) enc.copyBufferToBuffer(scratch, 0, cache, to * slot, n);
      else if (to === -1) enc.copyBufferToBuffer(cache, from * slot, scratch, 0, n);
      else {
        enc.copyBufferToBuffer(cache, from * slot, scratch, slot, n);
        enc.copyBufferToBuffer(scratch, slot, cache, to * slot, n);
      }
    }
  }

  /**
   * Benchmarks only: declares sequence `seq` (on `group`) to hold `length` tokens without
   * computing them, so a step can be timed at any context. The cache rows hold whatever they held.
   */
  /**
   * Benchmarks only: the GPU time of each op of the last step's shape (call step first), each
   * dispatched `iters` times alone in one pass, less an empty submission's round trip.
   */
  benchProfileOps(rows: number, iters: number): Promise<Array<{ label: string; ms: number }>> {
    return this.serial(async () => {
      const dev = this.gpu.device;
      const run = { rows, outCount: rows };
      const time = async (op: Bound | null): Promise<number> => {
        const t0 = performance.now();
        const enc = dev.createCommandEncoder();
        const pass = enc.beginComputePass();
        if (op) for (let i = 0; i < iters; i++) op.dispatch(pass, run);
        pass.end();
        dev.queue.submit([enc.finish()]);
        await dev.queue.onSubmittedWorkDone();
        return performance.now() - t0;
      };
      await time(null);
      const empty = Math.min(await time(null), await time(null));
      const out: Array<{ label: string; ms: number }> = [];
      for (const op of [...this.ops.body, ...this.ops.head]) {
        await time(op); // warm
        out.push({ label: op.label, ms: Math.max(0, (await time(op)) - empty) / iters });
      }
      return out;
    });
  }

  benchSetLength(seq: number, group: number, length: number): void {
    this.checkSeq(seq, group);
    if (!Number.isInteger(length) || length < 1 || length >= this.dims.nTextCtx) {
      throw new SlimError('INVALID_ARGUMENT', `length must be 1 … ${this.dims.nTextCtx - 1}`);
    }
    this.lengths[seq] = length;
    this.groups[seq] = group;
  }

  length(seq: number): number {
    this.checkSeq(seq);
    return this.lengths[seq]!;
  }

  memory(): DecoderMemory {
    const cache = this.ledger.bytes('cache');
    const audio = this.ledger.bytes('audio');
    return {
      cacheBytesPerSequence: cache / this.maxBatch,
      cacheBytesTotal: cache + audio,
      audioBytes: audio,
      weightBytes: this.ledger.bytes('weights'),
    };
  }

  /** Every GPU buffer this session created, with its purpose and size. */
  allocations(): readonly Allocation[] {
    return this.ledger.allocations;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ledger.destroy();
  }
}

/** One copy of a sequence's used cache rows between slots; −1 is the scratch slot. */
export interface SlotCopy {
  from: number;
  to: number;
  rows: number;
}

/**
 * Copies that make slot i hold what slot src[i] held, for every i < src.length, with one
 * scratch slot: a slot is overwritten only once no pending copy still reads it; when every
 * pending slot is still needed (cycles), one is saved to the scratch and its readers read there.
 */
export function reorderPlan(src: readonly number[], len: readonly number[]): SlotCopy[] {
  const from = [...src];
  let pending = src.map((_, i) => i).filter((i) => src[i] !== i);
  const plan: SlotCopy[] = [];
  while (pending.length > 0) {
    const free = pending.find((i) => !pending.some((j) => from[j] === i));
    if (free !== undefined) {
      plan.push({ from: from[free]!, to: free, rows: len[src[free]!]! });
      pending = pending.filter((i) => i !== free);
    } else {
      const saved = pending[0]!;
      plan.push({ from: saved, to: -1, rows: len[saved]! });
      for (const j of pending) if (from[j] === saved) from[j] = -1;
    }
  }
  return plan;
}

/**
 * A WebGPU decoder session on `gpu` (shared with the encoder), or on a device of its own
 * (navigator.gpu in a browser or worker, Dawn in Node).
 */
export async function createWebGPUDecoder(
  packed: PackedDecoder,
  opts: WebGPUDecoderOptions & { gpu?: GpuContext; device?: GpuDeviceOptions },
): Promise<WebGPUDecoderSession> {
  const gpu = opts.gpu ?? (await createGpuContext(opts.device));
  return new WebGPUDecoderSession(gpu, packed, opts);
}
