/**
 * The decoder step on WASM SIMD kernels (kernels/wasm/assembly), Slim Option 2 or the standard
 * baseline, behind DecoderSession. One kernel-module instance per session: its linear memory is
 * grown once at creation to hold the weights, every cache at full capacity and the scratch, and
 * is never grown again. Single-threaded.
 *
 * Caches (fp32): Slim keeps one [capacity, d] matrix per layer per sequence (K or the LN1 output
 * Y, by the layer's form) and E per audio group; the baseline keeps self K and V per layer per
 * sequence, and cross K, V per layer per group, computed once in setAudio and shared by every
 * sequence (beam) of the group. The baseline's K and V are head-major ([h][rows][d_k]: each
 * head's keys contiguous, see attention_standard.as); Slim's rows are whole (its attention reads
 * all d columns of every row).
 */
import type { ModelDimensions } from '../../models/checkpoint/types.ts';
import type { PackedDecoder } from '../decoder/weights.ts';
import type {
  AlignRequest,
  AlignResult,
  DecoderMemory,
  DecoderSession,
  DecoderVariant,
  StepRequest,
  StepResult,
} from '../decoder/types.ts';
import { SlimError } from '../../models/errors.ts';
import { Heap, align, type Region } from './heap.ts';
import { instantiateKernels, type KernelExports } from './kernels.ts';
import { paddedVocab } from './pack.ts';
import type { WasmModule } from './wasm-api.ts';
import { uploadWeights, weightBytes, type LayerPtrs, type WeightPtrs } from './weights.ts';

export interface WasmDecoderOptions {
  /** The compiled kernel module (Node: loadKernelModule(); browsers: compileStreaming). */
  module: WasmModule;
  maxBatch: number;
  maxGroups: number;
  /** Cache rows per sequence; dims.nTextCtx unless a shorter context is all that is needed. */
  contextCapacity?: number;
  /** Largest topK a step may ask for. */
  maxTopK?: number;
}

/** Rows a forward pass handles at once: the batch, or a chunk of a prompt. */
const MIN_CHUNK = 32;
const LN_EPS = 1e-5;

interface Scratch {
  x: number; // residual stream [R, d]
  y: number; // LayerNorm output [R, d]
  q: number; // queries [R, d]
  o: number; // attention output [R, d]
  kn: number; // new K rows [R, d]
  vn: number; // new V rows [R, d]
  hid: number; // MLP hidden [R, 4d]
  a: number; // folded queries [R·h, d]
  s: number; // scores [R·h, max(nAudioCtx, capacity)]
  u: number; // weighted sums [R·h, d]
  ids: number; // i32 [R]
  pos: number; // i32 [R]
  logits: number; // [max(B, 1), nVocabPad]
  mask: number; // [nVocab]
  topIds: number; // i32 [B, maxTopK]
  topLp: number; // [B, maxTopK]
}

/** align(): where the cross-attention weights of the requested heads go during a forward pass. */
interface Capture {
  heads: AlignRequest['heads'];
  /** [heads.length, n, nAudioCtx] */
  out: Float32Array;
  n: number;
  /** Position of the forward pass's first row. */
  first: number;
}

/** A run of rows sharing a sequence (self-attention) or an audio group (cross-attention). */
interface Segment {
  row: number;
  count: number;
  /** Sequence (self) or group (cross). */
  owner: number;
  /** Position of the first row: the causal base of self-attention. */
  base: number;
}

export async function createWasmDecoder(
  packed: PackedDecoder,
  opts: WasmDecoderOptions,
): Promise<WasmDecoderSession> {
  const k = await instantiateKernels(opts.module);
  return new WasmDecoderSession(k, packed, opts);
}

export class WasmDecoderSession implements DecoderSession {
  readonly backend = 'wasm' as const;
  readonly variant: DecoderVariant;
  readonly dims: ModelDimensions;
  readonly maxBatch: number;
  readonly maxGroups: number;
  readonly capacity: number;
  private readonly heap: Heap;
  private readonly w: WeightPtrs;
  private readonly rows: number;
  private readonly maxTopK: number;
  private readonly sc: Scratch;
  /** Physical cache blocks, one per sequence slot; seqBlock maps sequences onto them. */
  private readonly blocks: Region[];
  private readonly audio: Region[];
  private readonly seqBlock: Int32Array;
  private readonly seqLen: Int32Array;
  private readonly seqGroup: Int32Array;
  private readonly audioSet: boolean[];
  private mem: Float32Array;
  private capture: Capture | null = null;
  private disposed = false;

  constructor(
    private readonly k: KernelExports,
    private readonly packed: PackedDecoder,
    opts: WasmDecoderOptions,
  ) {
    const dims = packed.dims;
    this.dims = dims;
    this.variant = packed.variant;
    this.maxBatch = opts.maxBatch;
    this.maxGroups = opts.maxGroups;
    this.capacity = opts.contextCapacity ?? dims.nTextCtx;
    this.maxTopK = opts.maxTopK ?? 64;
    this.rows = Math.max(opts.maxBatch, MIN_CHUNK);
    checkShapes(dims, this.capacity, opts);
    this.heap = new Heap(k.memory);
    this.heap.reserve(this.plannedBytes());
    this.w = uploadWeights(this.heap, packed);
    this.blocks = Array.from({ length: this.maxBatch }, () =>
      this.heap.alloc(this.blockBytes(), 'sequence-cache'),
    );
    this.audio = Array.from({ length: this.maxGroups }, () =>
      this.heap.alloc(this.audioBytesPerGroup(), 'audio'),
    );
    this.sc = this.allocScratch();
    this.mem = new Float32Array(k.memory.buffer);
    this.seqBlock = Int32Array.from({ length: this.maxBatch }, (_, i) => i);
    this.seqLen = new Int32Array(this.maxBatch);
    this.seqGroup = new Int32Array(this.maxBatch).fill(-1);
    this.audioSet = new Array<boolean>(this.maxGroups).fill(false);
  }

  // ---- layout ----

  private get slim(): boolean {
    return this.variant === 'slim';
  }

  /** One sequence's caches: L·cap·d floats (Slim), twice that (baseline K and V). */
  private blockBytes(): number {
    const { nTextLayer: L, nTextState: d } = this.dims;
    return (this.slim ? 1 : 2) * L * this.capacity * d * 4;
  }

  /** One audio group: E (Slim), or cross K and V of every layer (baseline). */
  private audioBytesPerGroup(): number {
    const { nTextLayer: L, nTextState: d, nAudioCtx: A } = this.dims;
    return (this.slim ? 1 : 2 * L) * A * d * 4;
  }

  private scratchFloats(): Record<keyof Scratch, number> {
    const { nTextState: d, nTextHead: h, nAudioCtx, nVocab } = this.dims;
    const R = this.rows;
    const B = Math.max(this.maxBatch, 1);
    return {
      x: R * d,
      y: R * d,
      q: R * d,
      o: R * d,
      kn: R * d,
      vn: R * d,
      hid: 4 * R * d,
      a: R * h * d,
      s: R * h * Math.max(nAudioCtx, this.capacity),
      u: R * h * d,
      ids: R,
      pos: R,
      logits: B * paddedVocab(nVocab),
      mask: nVocab,
      topIds: B * this.maxTopK,
      topLp: B * this.maxTopK,
    };
  }

  private plannedBytes(): number {
    const scratch = Object.values(this.scratchFloats()).reduce((n, f) => n + align(f * 4), 0);
    return (
      weightBytes(this.packed) +
      this.maxBatch * align(this.blockBytes()) +
      this.maxGroups * align(this.audioBytesPerGroup()) +
      scratch
    );
  }

  private allocScratch(): Scratch {
    const sizes = this.scratchFloats();
    const out = {} as Record<keyof Scratch, number>;
    for (const key of Object.keys(sizes) as Array<keyof Scratch>)
      out[key] = this.heap.alloc(sizes[key] * 4, 'scratch').ptr;
    return out;
  }

  /** Self cache of sequence `seq`, layer l: K or Y (Slim), K (baseline); `v` selects the baseline's V. */
  private selfCache(seq: number, l: number, v = false): number {
    const { nTextLayer: L, nTextState: d } = this.dims;
    const layer = v ? L + l : l;
    return this.blocks[this.seqBlock[seq]!]!.ptr + layer * this.capacity * d * 4;
  }

  /** E of group g (Slim), or the baseline's cross K (v = false) or V of layer l. */
  private audioRows(g: number, l = 0, v = false): number {
    const { nTextState: d, nAudioCtx: A } = this.dims;
    const index = this.slim ? 0 : 2 * l + (v ? 1 : 0);
    return this.audio[g]!.ptr + index * A * d * 4;
  }

  // ---- DecoderSession ----

  async setAudio(xa: readonly Float32Array[]): Promise<void> {
    this.live();
    const { nAudioCtx: A, nTextState: d } = this.dims;
    if (xa.length > this.maxGroups)
      throw new Error(`setAudio: ${xa.length} groups > maxGroups ${this.maxGroups}`);
    xa.forEach((e, g) => {
      if (e.length !== A * d) throw new Error(`setAudio: group ${g} has ${e.length} values, want ${A}×${d}`);
      if (this.slim) this.mem.set(e, this.audioRows(g) >> 2);
      else this.crossKV(e, g);
      this.audioSet[g] = true;
    });
  }

  async prefill(seq: number, group: number, tokens: readonly number[]): Promise<Float32Array> {
    this.restart(seq, group, tokens, 'prefill');
    for (let i = 0; i < tokens.length; i += this.rows) this.feedChunk(seq, tokens.slice(i, i + this.rows));
    this.logits((tokens.length - 1) % this.rows, 1); // the last row of the last chunk
    const { nVocab } = this.dims;
    return this.mem.slice(this.sc.logits >> 2, (this.sc.logits >> 2) + nVocab);
  }

  /**
   * prefill that keeps every position's logits and the cross-attention weights of the requested
   * heads (word timestamps). Cross-attention of those heads' layers takes the unblocked path of
   * Option 2 (attention_folded_probs) or the baseline's, both of which leave the softmax in S.
   */
  async align(
    seq: number,
    group: number,
    tokens: readonly number[],
    req: AlignRequest,
  ): Promise<AlignResult> {
    this.restart(seq, group, tokens, 'align');
    const { nTextLayer: L, nTextHead: h, nAudioCtx: A, nVocab } = this.dims;
    for (const [layer, head] of req.heads)
      if (!(layer >= 0 && layer < L && head >= 0 && head < h))
        throw new SlimError('INVALID_ARGUMENT', `align: no attention head [${layer}, ${head}]`);
    const n = tokens.length;
    const ldl = paddedVocab(nVocab);
    const B = Math.max(this.maxBatch, 1); // rows of logits scratch
    const logits = new Float32Array(n * nVocab);
    const crossWeights = new Float32Array(req.heads.length * n * A);
    try {
      for (let i = 0; i < n; i += this.rows) {
        const chunk = tokens.slice(i, i + this.rows);
        this.capture = { heads: req.heads, out: crossWeights, n, first: i };
        this.feedChunk(seq, chunk);
        for (let r = 0; r < chunk.length; r += B) {
          const c = Math.min(B, chunk.length - r);
          this.logits(r, c);
          for (let j = 0; j < c; j++) {
            const at = (this.sc.logits >> 2) + j * ldl;
            logits.set(this.mem.subarray(at, at + nVocab), (i + r + j) * nVocab);
          }
        }
      }
    } finally {
      this.capture = null;
    }
    return { logits, crossWeights };
  }

  /** Starts sequence `seq` afresh on audio group `group` (prefill and align). */
  private restart(seq: number, group: number, tokens: readonly number[], where: string): void {
    this.live();
    this.checkSeq(seq, this.maxBatch);
    if (group < 0 || group >= this.maxGroups || !this.audioSet[group])
      throw new Error(`${where}: audio group ${group} not set`);
    if (tokens.length === 0 || tokens.length > this.capacity)
      throw new Error(`${where}: ${tokens.length} tokens`);
    this.seqLen[seq] = 0;
    this.seqGroup[seq] = group;
  }

  /** Feeds up to `rows` tokens of one sequence through the layers and grows its length. */
  private feedChunk(seq: number, chunk: readonly number[]): void {
    this.forward(
      chunk.map(() => seq),
      chunk,
    );
    this.seqLen[seq] += chunk.length;
  }

  async step(tokens: Int32Array, want: StepRequest): Promise<StepResult> {
    this.live();
    const B = tokens.length;
    if (B < 1 || B > this.maxBatch) throw new Error(`step: batch ${B} outside 1…${this.maxBatch}`);
    for (let i = 0; i < B; i++) {
      if (this.seqLen[i] === 0) throw new Error(`step: sequence ${i} was not prefilled`);
      if (this.seqLen[i]! >= this.capacity) throw new Error(`step: sequence ${i} is full (${this.capacity})`);
    }
    const order = groupOrder(this.seqGroup, B);
    this.forward(
      order,
      order.map((s) => tokens[s]!),
    );
    for (let i = 0; i < B; i++) this.seqLen[i]! += 1;
    this.logits(0, B);
    return this.results(order, want);
  }

  async reorder(src: readonly number[]): Promise<void> {
    this.live();
    src.forEach((s) => this.checkSeq(s, this.maxBatch));
    const next = Int32Array.from(this.seqBlock);
    const claimed = new Uint8Array(this.maxBatch);
    for (let i = src.length; i < this.maxBatch; i++) claimed[this.seqBlock[i]!] = 1;
    const copies: number[] = [];
    src.forEach((s, i) => {
      const b = this.seqBlock[s]!;
      if (claimed[b]) copies.push(i);
      else {
        claimed[b] = 1;
        next[i] = b;
      }
    });
    const free = [...claimed.keys()].filter((b) => !claimed[b]);
    for (const i of copies) {
      next[i] = free.pop()!;
      this.copyBlock(this.seqBlock[src[i]!]!, next[i]!, this.seqLen[src[i]!]!);
    }
    const len = Int32Array.from(this.seqLen);
    const group = Int32Array.from(this.seqGroup);
    src.forEach((s, i) => {
      this.seqLen[i] = len[s]!;
      this.seqGroup[i] = group[s]!;
    });
    this.seqBlock.set(next);
  }

  length(seq: number): number {
    this.checkSeq(seq, this.maxBatch);
    return this.seqLen[seq]!;
  }

  /**
   * Benchmarks only: sets a sequence's length without computing its cache rows (they keep
   * whatever they hold), so a step can be timed at any context without feeding it.
   */
  seek(seq: number, length: number): void {
    this.checkSeq(seq, this.maxBatch);
    if (length < 1 || length >= this.capacity) throw new Error(`seek: length ${length}`);
    if (this.seqGroup[seq]! < 0) throw new Error(`seek: sequence ${seq} was never prefilled`);
    this.seqLen[seq] = length;
  }

  memory(): DecoderMemory {
    const audioBytes = this.heap.bytesTagged('audio');
    return {
      cacheBytesPerSequence: this.blocks[0]?.bytes ?? 0,
      cacheBytesTotal: this.heap.bytesTagged('sequence-cache') + audioBytes,
      audioBytes,
      weightBytes: this.heap.bytesTagged('weights'),
    };
  }

  /** Bytes of the whole WASM memory (weights, caches, scratch, the module's own pages). */
  wasmBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  dispose(): void {
    this.disposed = true;
    this.mem = new Float32Array(0); // drop the view; the instance and its memory go with the session
  }

  // ---- the forward pass ----

  /** Runs rows (sequence, token) through every layer; rows of one group are consecutive. */
  private forward(rowSeq: readonly number[], tokens: readonly number[]): void {
    const m = rowSeq.length;
    const ids = new Int32Array(this.k.memory.buffer, this.sc.ids, m);
    const pos = new Int32Array(this.k.memory.buffer, this.sc.pos, m);
    const selfSegs = segments(
      rowSeq,
      (s) => s,
      (r) => this.seqLen[rowSeq[r]!]!,
    );
    for (const g of selfSegs) for (let i = 0; i < g.count; i++) pos[g.row + i] = g.base + i;
    ids.set(tokens);
    const crossSegs = segments(
      rowSeq,
      (s) => this.seqGroup[s]!,
      () => 0,
    );
    const { nTextState: d } = this.dims;
    this.k.embed(
      this.w.tokenEmbedding,
      this.w.positionalEmbedding,
      this.sc.ids,
      this.sc.pos,
      m,
      d,
      this.sc.x,
    );
    this.w.layers.forEach((L, l) => {
      this.selfBlock(L, l, m, selfSegs);
      this.crossBlock(L, l, m, crossSegs);
      this.mlpBlock(L, m);
    });
  }

  private norm(ln: { w: number; b: number }, m: number, out = this.sc.y): void {
    const d = this.dims.nTextState;
    this.k.layernorm(this.sc.x, d, out, d, m, d, ln.w, ln.b, LN_EPS);
  }

  /** y = x·W + b over m rows (W in panels). */
  private linear(
    x: number,
    w: number,
    b: number,
    y: number,
    m: number,
    kIn: number,
    nOut: number,
    acc = 0,
  ): void {
    this.k.gemm_packed(x, kIn, w, b, y, nOut, m, kIn, nOut, acc);
  }

  private selfBlock(L: LayerPtrs, l: number, m: number, segs: Segment[]): void {
    const { nTextState: d, nTextHead: h } = this.dims;
    const sc = this.sc;
    const form = this.packed.forms[l];
    this.norm(L.attnLn, m);
    this.linear(sc.y, L.wq, L.bq, sc.q, m, d, d);
    // New cache rows for the whole batch in one GEMM (weights read once), then copied per sequence.
    // K-cache: K accumulated in float64 (V = K·W_KV amplifies K's error by up to cond(W_K)).
    if (form === 'k-cache') this.k.gemm_packed_wide(sc.y, d, L.wk, 0, sc.kn, d, m, d, d, 0);
    if (form === 'baseline') this.linear(sc.y, L.wk, 0, sc.kn, m, d, d);
    if (form === 'baseline') this.linear(sc.y, L.wv, L.bv, sc.vn, m, d, d);
    for (const g of segs) {
      const t = g.base + g.count;
      const K = this.selfCache(g.owner, l);
      const q = sc.q + g.row * d * 4;
      const o = sc.o + g.row * d * 4;
      if (form === 'baseline') {
        const V = this.selfCache(g.owner, l, true);
        this.copyRowsToHeads(sc.kn, g.row, K, this.capacity, g.base, g.count);
        this.copyRowsToHeads(sc.vn, g.row, V, this.capacity, g.base, g.count);
        this.k.attention_standard(q, g.count, K, V, t, this.capacity * (d / h), o, sc.s, d, h, g.base);
        continue;
      }
      this.copyRows(form === 'x-cache' ? sc.y : sc.kn, g.row, K, g.base, g.count);
      if (form === 'k-cache') {
        this.k.attention_kcache(q, g.count, K, t, L.wv, o, sc.s, sc.u, d, h, g.base);
      } else {
        this.k.attention_folded(q, g.count, K, t, L.wk, L.wv, o, sc.a, sc.s, sc.u, d, h, g.base);
      }
    }
    this.linear(sc.o, L.wo, L.bo, sc.x, m, d, d, 1);
  }

  private crossBlock(L: LayerPtrs, l: number, m: number, segs: Segment[]): void {
    const { nTextState: d, nTextHead: h, nAudioCtx: A } = this.dims;
    const sc = this.sc;
    this.norm(L.crossLn, m);
    this.linear(sc.y, L.cwq, L.cbq, sc.q, m, d, d);
    const keep = this.capture?.heads.some(([layer]) => layer === l) ?? false;
    const folded = keep ? this.k.attention_folded_probs : this.k.attention_folded;
    for (const g of segs) {
      const q = sc.q + g.row * d * 4;
      const o = sc.o + g.row * d * 4;
      if (this.slim) {
        folded(q, g.count, this.audioRows(g.owner), A, L.cwk, L.cwv, o, sc.a, sc.s, sc.u, d, h, -1);
      } else {
        const K = this.audioRows(g.owner, l),
          V = this.audioRows(g.owner, l, true);
        this.k.attention_standard(q, g.count, K, V, A, A * (d / h), o, sc.s, d, h, -1);
      }
      if (keep) this.keepWeights(l, g);
    }
    this.linear(sc.o, L.cwo, L.cbo, sc.x, m, d, d, 1);
  }

  /** Copies the attention weights in S (row i·h + head, nAudioCtx wide) of layer l's requested heads. */
  private keepWeights(l: number, g: Segment): void {
    const cap = this.capture!;
    const { nTextHead: h, nAudioCtx: A } = this.dims;
    const s = this.sc.s >> 2;
    cap.heads.forEach(([layer, head], k) => {
      if (layer !== l) return;
      for (let i = 0; i < g.count; i++) {
        const at = s + (i * h + head) * A;
        cap.out.set(this.mem.subarray(at, at + A), (k * cap.n + cap.first + g.row + i) * A);
      }
    });
  }

  private mlpBlock(L: LayerPtrs, m: number): void {
    const d = this.dims.nTextState;
    const sc = this.sc;
    this.norm(L.mlpLn, m);
    this.linear(sc.y, L.w1, L.b1, sc.hid, m, d, 4 * d);
    this.k.gelu(sc.hid, m * 4 * d);
    this.linear(sc.hid, L.w2, L.b2, sc.x, m, 4 * d, d, 1);
  }

  /** Final LayerNorm and tied logits of rows first … first + n − 1 into sc.logits (row stride nVocabPad). */
  private logits(first: number, n: number): void {
    const { nTextState: d, nVocab } = this.dims;
    const ldl = paddedVocab(nVocab);
    const x = this.sc.x + first * d * 4;
    this.k.layernorm(x, d, this.sc.y, d, n, d, this.w.ln.w, this.w.ln.b, LN_EPS);
    this.k.gemm_packed(this.sc.y, d, this.w.tokenEmbedding, 0, this.sc.logits, ldl, n, d, ldl, 0);
  }

  /** Logits and top-k of the step's rows, back in sequence order. */
  private results(order: readonly number[], want: StepRequest): StepResult {
    const { nVocab } = this.dims;
    const ldl = paddedVocab(nVocab);
    const B = order.length;
    const base = this.sc.logits >> 2;
    const out: StepResult = {};
    if (want.logits) {
      out.logits = new Float32Array(B * nVocab);
      order.forEach((s, r) =>
        out.logits!.set(this.mem.subarray(base + r * ldl, base + r * ldl + nVocab), s * nVocab),
      );
    }
    if (want.topK) {
      const kk = want.topK;
      if (kk > this.maxTopK || kk > nVocab) throw new Error(`step: topK ${kk} > ${this.maxTopK}`);
      if (want.suppress && want.suppress.length !== nVocab)
        throw new Error('step: suppress must have nVocab entries');
      if (want.suppress) this.mem.set(want.suppress, this.sc.mask >> 2);
      this.k.topk_rows(
        this.sc.logits,
        ldl,
        B,
        nVocab,
        want.suppress ? this.sc.mask : 0,
        kk,
        this.sc.topIds,
        this.sc.topLp,
      );
      const ids = new Int32Array(this.k.memory.buffer, this.sc.topIds, B * kk);
      const lp = this.mem.subarray(this.sc.topLp >> 2, (this.sc.topLp >> 2) + B * kk);
      out.topIds = new Int32Array(B * kk);
      out.topLogProbs = new Float32Array(B * kk);
      order.forEach((s, r) => {
        out.topIds!.set(ids.subarray(r * kk, (r + 1) * kk), s * kk);
        out.topLogProbs!.set(lp.subarray(r * kk, (r + 1) * kk), s * kk);
      });
    }
    return out;
  }

  // ---- caches ----

  /** Copies `count` rows of d floats from scratch rows starting at `row` into cache rows from `at`. */
  private copyRows(src: number, row: number, dst: number, at: number, count: number): void {
    const d = this.dims.nTextState;
    const s = (src >> 2) + row * d;
    this.mem.copyWithin((dst >> 2) + at * d, s, s + count * d);
  }

  /** Baseline: scatters rows of d floats into a head-major [h][cap][d_k] cache from row `at`. */
  private copyRowsToHeads(
    src: number,
    row: number,
    dst: number,
    cap: number,
    at: number,
    count: number,
  ): void {
    const { nTextState: d, nTextHead: h } = this.dims;
    const dk = d / h;
    for (let r = 0; r < count; r++) {
      const s = (src >> 2) + (row + r) * d;
      for (let hh = 0; hh < h; hh++) {
        this.mem.copyWithin((dst >> 2) + (hh * cap + at + r) * dk, s + hh * dk, s + (hh + 1) * dk);
      }
    }
  }

  /**
   * Copies the first `rows` rows of every layer's cache(s) from block a to block b: Slim's
   * [cap, d] matrices, or each head's [cap, d_k] part of the baseline's K and V.
   */
  private copyBlock(a: number, b: number, rows: number): void {
    const { nTextLayer: L, nTextState: d, nTextHead: h } = this.dims;
    const [parts, width] = this.slim ? [L, d] : [2 * L * h, d / h];
    const stride = this.capacity * width;
    const pa = this.blocks[a]!.ptr >> 2;
    const pb = this.blocks[b]!.ptr >> 2;
    for (let i = 0; i < parts; i++) {
      this.mem.copyWithin(pb + i * stride, pa + i * stride, pa + i * stride + rows * width);
    }
  }

  /**
   * Baseline: cross K = E·W_K, V = E·W_V + b_V of every layer, in chunks of E through scratch x,
   * head by head (a head's columns are whole panels) straight into the head-major layout.
   */
  private crossKV(e: Float32Array, g: number): void {
    const { nTextState: d, nTextHead: h, nAudioCtx: A } = this.dims;
    const dk = d / h;
    for (let r = 0; r < A; r += this.rows) {
      const n = Math.min(this.rows, A - r);
      this.mem.set(e.subarray(r * d, (r + n) * d), this.sc.x >> 2);
      this.w.layers.forEach((L, l) => {
        for (let hh = 0; hh < h; hh++) {
          const w = hh * dk * d * 4; // the head's panels
          const out = (hh * A + r) * dk * 4;
          this.k.gemm_packed(this.sc.x, d, L.cwk + w, 0, this.audioRows(g, l) + out, dk, n, d, dk, 0);
          this.k.gemm_packed(
            this.sc.x,
            d,
            L.cwv + w,
            L.cbv + hh * dk * 4,
            this.audioRows(g, l, true) + out,
            dk,
            n,
            d,
            dk,
            0,
          );
        }
      });
    }
  }

  private checkSeq(seq: number, n: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq >= n) throw new Error(`sequence ${seq} outside 0…${n - 1}`);
  }

  private live(): void {
    if (this.disposed) throw new Error('WASM decoder session used after dispose()');
  }
}

function checkShapes(dims: ModelDimensions, capacity: number, opts: WasmDecoderOptions): void {
  const { nTextState: d, nTextHead: h, nAudioState } = dims;
  if (d % 32 !== 0 || (d / h) % 32 !== 0)
    throw new Error(`WASM decoder: d=${d}, d_k=${d / h} must be multiples of 32`);
  if (nAudioState !== d) throw new Error('WASM decoder: encoder and decoder widths differ');
  if (capacity < 1 || capacity > dims.nTextCtx) throw new Error(`WASM decoder: capacity ${capacity}`);
  if (opts.maxBatch < 1 || opts.maxGroups < 1) throw new Error('WASM decoder: maxBatch and maxGroups ≥ 1');
}

/** Sequences 0 … B − 1 ordered by audio group (stable), so each group's rows are consecutive. */
function groupOrder(group: Int32Array, B: number): number[] {
  return Array.from({ length: B }, (_, i) => i).sort((a, b) => group[a]! - group[b]! || a - b);
}

/** Runs of consecutive rows with the same key; `base` gives the first row's value. */
function segments(
  rowSeq: readonly number[],
  key: (seq: number) => number,
  base: (row: number) => number,
): Segment[] {
  const out: Segment[] = [];
  rowSeq.forEach((s, r) => {
    const owner = key(s);
    const last = out[out.length - 1];
    if (last && last.owner === owner) last.count++;
    else out.push({ row: r, count: 1, owner, base: base(r) });
  });
  return out;
}
