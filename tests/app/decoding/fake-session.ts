/**
 * A DecoderSession whose logits are a function of (audio group, tokens so far): exact control
 * over what the decoding policy sees, with the same batch/group/reorder semantics as the real
 * sessions.
 */
import type {
  DecoderMemory,
  DecoderSession,
  StepRequest,
  StepResult,
} from '../../../kernels/decoder/types.ts';
import type { ModelDimensions } from '../../../models/checkpoint/types.ts';

export type LogitsFn = (group: number, tokens: readonly number[], audio: Float32Array) => Float32Array;

export class FakeSession implements DecoderSession {
  readonly backend = 'reference' as const;
  readonly variant = 'slim' as const;
  audio: Float32Array[] = [];
  seqs: Array<{ group: number; tokens: number[] } | undefined> = [];
  calls = { prefill: 0, step: 0, reorder: 0, setAudio: 0, stepSequences: 0 };
  /** Called before each step: lets a test abort mid-decode. */
  onStep?: (n: number) => void;

  constructor(
    readonly dims: ModelDimensions,
    readonly logitsFn: LogitsFn,
    readonly maxBatch = 16,
    readonly maxGroups = 8,
  ) {}

  async setAudio(xa: readonly Float32Array[]): Promise<void> {
    if (xa.length > this.maxGroups) throw new Error('too many groups');
    this.calls.setAudio++;
    this.audio = [...xa];
    this.seqs = [];
  }

  async prefill(seq: number, group: number, tokens: readonly number[]): Promise<Float32Array> {
    if (seq >= this.maxBatch) throw new Error('sequence out of range');
    if (!this.audio[group]) throw new Error(`no audio group ${group}`);
    this.calls.prefill++;
    this.seqs[seq] = { group, tokens: [...tokens] };
    return this.logitsFn(group, tokens, this.audio[group]!);
  }

  async step(tokens: Int32Array, want: StepRequest): Promise<StepResult> {
    this.calls.step++;
    this.calls.stepSequences += tokens.length;
    this.onStep?.(this.calls.step);
    const V = this.dims.nVocab;
    const logits = new Float32Array(tokens.length * V);
    tokens.forEach((t, b) => {
      const s = this.seqs[b];
      if (!s) throw new Error(`sequence ${b} was not prefilled`);
      s.tokens.push(t);
      if (s.tokens.length > this.dims.nTextCtx) throw new Error('context overflow');
      logits.set(this.logitsFn(s.group, s.tokens, this.audio[s.group]!), b * V);
    });
    return want.logits ? { logits } : {};
  }

  async reorder(src: readonly number[]): Promise<void> {
    this.calls.reorder++;
    const next = src.map((s) => {
      const st = this.seqs[s];
      if (!st) throw new Error(`reorder from empty sequence ${s}`);
      return { group: st.group, tokens: [...st.tokens] };
    });
    next.forEach((s, i) => (this.seqs[i] = s));
  }

  length(seq: number): number {
    return this.seqs[seq]?.tokens.length ?? 0;
  }

  memory(): DecoderMemory {
    return { cacheBytesPerSequence: 0, cacheBytesTotal: 0, audioBytes: 0, weightBytes: 0 };
  }

  disposed = false;

  dispose(): void {
    this.disposed = true;
  }
}

/** Logits that make `token` the clear favourite (log-prob ≈ 0) over a flat rest. */
export function peaked(nVocab: number, token: number, margin = 30): Float32Array {
  const row = new Float32Array(nVocab);
  row[token] = margin;
  return row;
}
