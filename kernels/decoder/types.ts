/**
 * The decoder-step interface every decoding policy uses, whatever runs it (WebGPU kernels,
 * WASM kernels, the float64 reference) and whichever caches it keeps (Slim Option 2 or the
 * standard baseline). A session holds up to maxBatch sequences; each sequence attends to one
 * audio group (one encoder output E): beams share a group, separate windows have their own.
 */
import type { ModelDimensions } from '../../models/checkpoint/types.ts';

export type DecoderVariant = 'slim' | 'baseline';
export type DecoderBackend = 'webgpu' | 'wasm' | 'reference';

export interface StepRequest {
  /** Return the full logits [B, nVocab] (for logit filters that need them). */
  logits?: boolean;
  /** Return the k best tokens per sequence by log-probability, computed where the logits are. */
  topK?: number;
  /** Additive mask [nVocab] (0 or −Infinity) applied before top-k: suppressed tokens. */
  suppress?: Float32Array;
}

export interface StepResult {
  /** [B, nVocab] raw logits, when asked. */
  logits?: Float32Array;
  /** [B, k] token ids and their log-probabilities (log-softmax over the unmasked vocabulary). */
  topIds?: Int32Array;
  topLogProbs?: Float32Array;
}

/** Word alignment (openai/whisper timing.py find_alignment): which heads' attention to return. */
export interface AlignRequest {
  /** The model's alignment heads, [layer, head] pairs. */
  heads: ReadonlyArray<readonly [number, number]>;
}

export interface AlignResult {
  /** [n, nVocab] logits after each of the n tokens. */
  logits: Float32Array;
  /**
   * [heads.length, n, nAudioCtx] cross-attention weights of those heads: each row the softmax over
   * the audio positions (what Option 2 cross-attention computes anyway).
   */
  crossWeights: Float32Array;
}

export interface DecoderMemory {
  /** Bytes of the per-sequence caches (self-attention) of one sequence, at full context. */
  cacheBytesPerSequence: number;
  /** All cache bytes held: per-sequence caches of maxBatch sequences plus audio-side storage. */
  cacheBytesTotal: number;
  /** Audio-side bytes: E per group (Slim) or cross K,V per layer per group (baseline). */
  audioBytes: number;
  weightBytes: number;
}

export interface DecoderSession {
  readonly backend: DecoderBackend;
  readonly variant: DecoderVariant;
  readonly dims: ModelDimensions;
  readonly maxBatch: number;
  readonly maxGroups: number;
  /** Stores this window's encoder outputs, [nAudioCtx, nAudioState] each, one per group. */
  setAudio(xa: readonly Float32Array[]): Promise<void>;
  /**
   * (Re)starts sequence `seq` on audio group `group` with `tokens` (the start-of-transcript
   * sequence and any prompt); returns the logits [nVocab] after the last of them.
   */
  prefill(seq: number, group: number, tokens: readonly number[]): Promise<Float32Array>;
  /**
   * Optional. Like prefill(seq, group, tokens) (it restarts sequence `seq`), but returns every
   * position's logits and the cross-attention weights of the requested heads: the teacher-forced
   * pass of word-level timestamps (WASM and the float64 reference have it; without it the
   * Transcriber runs the pass on a session from createAlignSession).
   */
  align?(seq: number, group: number, tokens: readonly number[], req: AlignRequest): Promise<AlignResult>;
  /** Feeds one token to each of the sequences 0 … tokens.length − 1. */
  step(tokens: Int32Array, want: StepRequest): Promise<StepResult>;
  /** Beam search: sequence i continues from the cache of sequence src[i] (for i < src.length). */
  reorder(src: readonly number[]): Promise<void>;
  /** Tokens fed so far to sequence `seq`. */
  length(seq: number): number;
  memory(): DecoderMemory;
  dispose(): void;
}
