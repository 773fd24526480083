/**
 * A DecoderSession computed by the float64 reference decoders: exact and slow. It lets the
 * decoding policy be tested on fixture models without kernels, and it is what the kernels'
 * sessions are compared with.
 */
import type { WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { emptyTrace, ReferenceDecoder, type ReferenceDecoderState } from '../../models/reference/decoder.ts';
import { Weights64 } from '../../models/reference/weights64.ts';
import { convertDecoder } from '../../models/slim/convert.ts';
import { SlimReferenceDecoder, type SelfForm, type SlimDecoderState } from '../../models/slim/decoder64.ts';
import { SlimError } from '../../models/errors.ts';
import { topKLogProbs } from './topk.ts';
import type {
  AlignRequest,
  AlignResult,
  DecoderMemory,
  DecoderSession,
  DecoderVariant,
  StepRequest,
  StepResult,
} from './types.ts';

type State = ReferenceDecoderState | SlimDecoderState;

function cloneState(s: State): State {
  if ('cache' in s) return { offset: s.offset, cache: s.cache.map((c) => c.slice()), xa: s.xa };
  return {
    offset: s.offset,
    selfK: s.selfK.map((c) => c.slice()),
    selfV: s.selfV.map((c) => c.slice()),
    crossK: s.crossK,
    crossV: s.crossV,
  };
}

export class ReferenceDecoderSession implements DecoderSession {
  readonly backend = 'reference' as const;
  private readonly decoder: ReferenceDecoder | SlimReferenceDecoder;
  private groups: Float64Array[] = [];
  private groupStates: State[] = []; // per group: cross K,V (baseline) or stored E (Slim)
  private states: Array<State | undefined>;

  constructor(
    readonly ckpt: WhisperCheckpoint,
    readonly variant: DecoderVariant,
    readonly maxBatch: number,
    readonly maxGroups: number,
    forms?: SelfForm[],
  ) {
    const w = new Weights64(ckpt);
    this.decoder =
      variant === 'slim'
        ? new SlimReferenceDecoder(
            w,
            ckpt.dims,
            convertDecoder(w, ckpt),
            forms ?? Array<SelfForm>(ckpt.dims.nTextLayer).fill('x-cache'),
          )
        : new ReferenceDecoder(w, ckpt.dims);
    this.states = Array(maxBatch).fill(undefined);
  }

  get dims() {
    return this.ckpt.dims;
  }

  async setAudio(xa: readonly Float32Array[]): Promise<void> {
    if (xa.length === 0 || xa.length > this.maxGroups) {
      throw new SlimError('INVALID_ARGUMENT', `setAudio: 1 … ${this.maxGroups} groups, got ${xa.length}`);
    }
    const n = this.dims.nAudioCtx * this.dims.nAudioState;
    this.groups = xa.map((a) => {
      if (a.length !== n)
        throw new SlimError(
          'INVALID_ARGUMENT',
          `setAudio: encoder output must hold ${n} values, got ${a.length}`,
        );
      return Float64Array.from(a);
    });
    this.groupStates = this.groups.map((g) => this.decoder.newState(g));
    this.states.fill(undefined);
  }

  async prefill(seq: number, group: number, tokens: readonly number[]): Promise<Float32Array> {
    const logits = this.forward(this.restart(seq, group, 'prefill'), tokens);
    return Float32Array.from(logits.subarray(logits.length - this.dims.nVocab));
  }

  async align(
    seq: number,
    group: number,
    tokens: readonly number[],
    req: AlignRequest,
  ): Promise<AlignResult> {
    const state = this.restart(seq, group, 'align');
    const weights: Float64Array[] = [];
    const logits = this.forward(state, tokens, weights);
    const { nTextHead: h, nAudioCtx: a } = this.dims;
    const n = tokens.length;
    const crossWeights = new Float32Array(req.heads.length * n * a);
    req.heads.forEach(([layer, head], k) => {
      const w = weights[layer];
      if (!w || head < 0 || head >= h)
        throw new SlimError('INVALID_ARGUMENT', `align: no attention head [${layer}, ${head}]`);
      crossWeights.set(w.subarray(head * n * a, (head + 1) * n * a), k * n * a);
    });
    return { logits: Float32Array.from(logits), crossWeights };
  }

  /** A fresh state for sequence `seq` on audio group `group` (what prefill and align start from). */
  private restart(seq: number, group: number, where: string): State {
    if (seq < 0 || seq >= this.maxBatch)
      throw new SlimError('INVALID_ARGUMENT', `${where}: sequence ${seq} out of range`);
    const g = this.groupStates[group];
    if (!g) throw new SlimError('INVALID_ARGUMENT', `${where}: no audio group ${group}`);
    const fresh = cloneState(g);
    fresh.offset = 0;
    if ('cache' in fresh) fresh.cache = fresh.cache.map(() => new Float64Array(0));
    else {
      fresh.selfK = fresh.selfK.map(() => new Float64Array(0));
      fresh.selfV = fresh.selfV.map(() => new Float64Array(0));
    }
    this.states[seq] = fresh;
    return fresh;
  }

  async step(tokens: Int32Array, want: StepRequest): Promise<StepResult> {
    const V = this.dims.nVocab;
    const logits = new Float32Array(tokens.length * V);
    tokens.forEach((t, b) => {
      const s = this.states[b];
      if (!s) throw new SlimError('INVALID_ARGUMENT', `step: sequence ${b} was not prefilled`);
      logits.set(this.forward(s, [t]), b * V);
    });
    const out: StepResult = {};
    if (want.logits) out.logits = logits;
    if (want.topK) {
      const k = want.topK;
      out.topIds = new Int32Array(tokens.length * k);
      out.topLogProbs = new Float32Array(tokens.length * k);
      for (let b = 0; b < tokens.length; b++) {
        const r = topKLogProbs(logits.subarray(b * V, (b + 1) * V), k, want.suppress);
        out.topIds.set(r.ids, b * k);
        out.topLogProbs.set(r.logProbs, b * k);
      }
    }
    return out;
  }

  async reorder(src: readonly number[]): Promise<void> {
    const next = src.map((s) => {
      const st = this.states[s];
      if (!st) throw new SlimError('INVALID_ARGUMENT', `reorder: sequence ${s} is empty`);
      return cloneState(st);
    });
    next.forEach((s, i) => (this.states[i] = s));
  }

  length(seq: number): number {
    return this.states[seq]?.offset ?? 0;
  }

  memory(): DecoderMemory {
    const { nTextLayer: L, nTextState: d, nTextCtx: t, nAudioCtx: a } = this.dims;
    const perSeq = (this.variant === 'slim' ? 1 : 2) * L * t * d * 8;
    const audio = (this.variant === 'slim' ? 1 : 2 * L) * a * d * 8 * this.groups.length;
    return {
      cacheBytesPerSequence: perSeq,
      cacheBytesTotal: perSeq * this.maxBatch + audio,
      audioBytes: audio,
      weightBytes: 0,
    };
  }

  dispose(): void {
    this.states = [];
    this.groups = [];
    this.groupStates = [];
  }

  /** Feeds `tokens`; fills crossWeights[l] ([h, n, nAudioCtx]) per layer when given. */
  private forward(s: State, tokens: readonly number[], crossWeights?: Float64Array[]): Float64Array {
    if (this.decoder instanceof SlimReferenceDecoder)
      return this.decoder.forward(s as SlimDecoderState, tokens, crossWeights);
    const trace = crossWeights ? emptyTrace() : undefined;
    const logits = this.decoder.forward(s as ReferenceDecoderState, tokens, trace);
    if (trace) trace.crossWeights.forEach((w, l) => (crossWeights![l] = w));
    return logits;
  }
}
