/** The canonical in-memory form of a Whisper checkpoint, whatever file it came from. */

/** Like openai/whisper's ModelDimensions (model.py). */
export interface ModelDimensions {
  nMels: number;
  nAudioCtx: number;
  nAudioState: number;
  nAudioHead: number;
  nAudioLayer: number;
  nVocab: number;
  nTextCtx: number;
  nTextState: number;
  nTextHead: number;
  nTextLayer: number;
}

/** A dense float32 tensor, row-major, in PyTorch layout (Linear weights are [out, in]). */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export type SourceFormat = 'hf-safetensors' | 'transformers-js-onnx' | 'ggml';

/** What the tensors were stored as before they became float32 here. */
export type SourceDtype = 'f32' | 'f16' | 'bf16' | 'q8' | 'mixed';

export interface ModelSource {
  format: SourceFormat;
  /** The file or folder the checkpoint was read from. */
  path: string;
  dtype: SourceDtype;
}

/**
 * Byte-level vocabulary as the tokenizer needs it: every id's bytes, and the special
 * tokens by text. The tokenizer module builds Whisper's tokenizer from this.
 */
export interface VocabSpec {
  /** Regular (mergeable) tokens: id → bytes. Ids are dense from 0. */
  tokens: Uint8Array[];
  /** Special tokens, text → id (for example '<|endoftext|>' → 50257). */
  specials: Map<string, number>;
  /**
   * BPE merge priority of the regular tokens, when the source has merges (HF merges.txt).
   * When absent, a token's rank is its id (tiktoken's convention, which Whisper's vocabularies follow).
   */
  ranks?: Map<string, number>;
}

/** Whisper checkpoint: dimensions, named tensors in openai/whisper's naming, and where it came from. */
export interface WhisperCheckpoint {
  dims: ModelDimensions;
  /** openai/whisper names: 'encoder.conv1.weight', 'decoder.blocks.0.attn.key.weight', … */
  tensors: Map<string, Tensor>;
  source: ModelSource;
  /** Present when the source carries a vocabulary (HF tokenizer files, ggml). */
  vocab?: VocabSpec;
  /** Alignment heads [layer, head] when the source lists them (HF generation_config). */
  alignmentHeads?: Array<[number, number]>;
  /** Whether the vocabulary is multilingual (nVocab ≥ 51865) or English-only (.en). */
  multilingual: boolean;
}
