/**
 * The Whisper audio encoder on onnxruntime-web: builds our graph from the checkpoint, opens a
 * session on the WASM or WebGPU execution provider, and turns one log-mel window into E.
 * On WebGPU, E stays on the GPU (`preferredOutputLocation: 'gpu-buffer'`) for the decoder.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import type { ModelDimensions, WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import {
  buildEncoderGraph,
  ENCODER_INPUT,
  ENCODER_OUTPUT,
  type EncoderPrecision,
} from '../../models/encoder/graph.ts';
import type { AttentionForm } from '../../models/encoder/layers.ts';
import { SlimError } from '../../models/errors.ts';
import type { EncoderBackend } from './backend.ts';
import { configureThreads, loadOrt, useDevice, type GpuDevice, type Ort } from './runtime.ts';

export type { GpuDevice };

/** GPUDevice where WebGPU types are loaded, `unknown` otherwise (onnxruntime-web's own typing). */
export interface AudioEncoderOptions {
  backend: EncoderBackend;
  /** Weight precision of the graph. */
  precision: EncoderPrecision;
  /**
   * Arithmetic precision of fp16 graphs. Default per backend: fp16 on a WebGPU device with
   * 'shader-f16'; fp32 on WASM, whose CPU kernels have no fast fp16 path (fp16 weights are
   * widened once at load) and on WebGPU devices without the feature.
   */
  compute?: EncoderPrecision;
  /** How the graph writes attention (default 'ops'; 'mha' measured no faster on WASM). */
  attention?: AttentionForm;
  /** WASM threads (default: every core). Only the first session of a process sets them. */
  threads?: number;
  /** WebGPU: the GPUDevice to share with the decoder kernels (`ort.env.webgpu.device`). */
  device?: GpuDevice;
}

/** The names and sizes of an encoder graph's input and output. */
export interface EncoderIo {
  input: string;
  output: string;
  nMels: number;
  nAudioCtx: number;
  nAudioState: number;
}

export interface AudioEncoderInfo {
  backend: EncoderBackend;
  /** 'fp32' | 'fp16' for our graphs; a label such as 'q8' for foreign ones. */
  precision: string;
  compute?: EncoderPrecision;
  threads: number;
  modelBytes: number;
  /** Wall time of graph building plus session creation. */
  createMs: number;
}

/** Where an encoder output lives: host memory (WASM) or a GPUBuffer (WebGPU). */
export type EncoderOutputLocation = 'cpu' | 'gpu-buffer';

/**
 * One window's encoder output E [1, nAudioCtx, nAudioState] float32. On WebGPU it is a GPU
 * buffer the decoder can bind without a round trip; `getData()` downloads it when needed.
 * Call `dispose()` when done: on the GPU that frees the buffer.
 */
export class EncoderOutput {
  constructor(private readonly tensor: Tensor) {}

  get dims(): readonly number[] {
    return this.tensor.dims;
  }

  get location(): EncoderOutputLocation {
    return this.tensor.location === 'gpu-buffer' ? 'gpu-buffer' : 'cpu';
  }

  /** The GPUBuffer holding E (WebGPU only). */
  get gpuBuffer(): Tensor.GpuBufferType {
    if (this.location !== 'gpu-buffer')
      throw new SlimError('INVALID_ARGUMENT', 'encoder output is not on the GPU');
    return this.tensor.gpuBuffer;
  }

  async getData(): Promise<Float32Array> {
    const data = this.location === 'cpu' ? this.tensor.data : await this.tensor.getData();
    return data as Float32Array;
  }

  dispose(): void {
    this.tensor.dispose();
  }
}

export const OUR_ENCODER_IO = (dims: ModelDimensions): EncoderIo => ({
  input: ENCODER_INPUT,
  output: ENCODER_OUTPUT,
  nMels: dims.nMels,
  nAudioCtx: dims.nAudioCtx,
  nAudioState: dims.nAudioState,
});

export class AudioEncoder {
  /** Runs are chained: an onnxruntime-web session runs one call at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private session: InferenceSession | undefined;

  private constructor(
    private readonly ort: Ort,
    session: InferenceSession,
    readonly io: EncoderIo,
    readonly info: AudioEncoderInfo,
  ) {
    this.session = session;
  }

  /** Builds our encoder graph from `ckpt` and opens it on the chosen backend. */
  static async create(ckpt: WhisperCheckpoint, opts: AudioEncoderOptions): Promise<AudioEncoder> {
    const t0 = performance.now();
    const compute = computeFor(opts);
    const attention = opts.attention ?? 'ops';
    const model = buildEncoderGraph(ckpt, { precision: opts.precision, compute, attention });
    return AudioEncoder.fromModel(model, OUR_ENCODER_IO(ckpt.dims), opts, {
      precision: opts.precision,
      compute,
      startedAt: t0,
    });
  }

  /**
   * Opens any encoder graph with a [1, nMels, 2·nAudioCtx] float32 input (ours, or a foreign
   * export such as Transformers.js' encoder_model*.onnx for comparisons and benchmarks).
   */
  static async fromModel(
    model: Uint8Array,
    io: EncoderIo,
    opts: Pick<AudioEncoderOptions, 'backend' | 'threads' | 'device'>,
    label: { precision: string; compute?: EncoderPrecision; startedAt?: number } = { precision: 'unknown' },
  ): Promise<AudioEncoder> {
    const t0 = label.startedAt ?? performance.now();
    const state = await loadOrt(opts.backend);
    const threads = await configureThreads(state, opts.threads);
    if (opts.backend === 'webgpu' && opts.device !== undefined) useDevice(state, opts.device);
    const session = await openSession(state.ort, model, io, opts.backend);
    const info: AudioEncoderInfo = {
      backend: opts.backend,
      precision: label.precision,
      threads,
      modelBytes: model.byteLength,
      createMs: performance.now() - t0,
      ...(label.compute ? { compute: label.compute } : {}),
    };
    return new AudioEncoder(state.ort, session, io, info);
  }

  /** Encodes one window; the output may stay on the GPU (see EncoderOutput). */
  run(mel: Float32Array): Promise<EncoderOutput> {
    try {
      this.checkMel(mel);
    } catch (e) {
      return Promise.reject(e);
    }
    const next = this.queue.then(() => this.runNow(mel));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Encodes one window into host memory: E [nAudioCtx, nAudioState] row-major. */
  async encode(mel: Float32Array): Promise<Float32Array> {
    const out = await this.run(mel);
    try {
      // onnxruntime-web copies CPU outputs out of the WASM heap: the array stays valid after dispose.
      return await out.getData();
    } finally {
      out.dispose();
    }
  }

  /** Releases the session; later calls throw. */
  async dispose(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    await this.queue;
    await s?.release();
  }

  private async runNow(mel: Float32Array): Promise<EncoderOutput> {
    const session = this.session;
    if (!session) throw new SlimError('INVALID_ARGUMENT', 'the audio encoder was disposed');
    const { input, output, nMels, nAudioCtx } = this.io;
    const feeds = { [input]: new this.ort.Tensor('float32', mel, [1, nMels, 2 * nAudioCtx]) };
    let result: InferenceSession.OnnxValueMapType;
    try {
      // Fetch only E: foreign exports may have more outputs (Transformers.js adds attentions).
      result = await session.run(feeds, [output]);
    } catch (e) {
      throw new SlimError('BACKEND', `encoder run failed on ${this.info.backend}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const t = result[output];
    if (!t) throw new SlimError('INTERNAL', `encoder graph produced no output ${output}`);
    return new EncoderOutput(t);
  }

  private checkMel(mel: Float32Array): void {
    const { nMels, nAudioCtx } = this.io;
    const want = nMels * 2 * nAudioCtx;
    if (!(mel instanceof Float32Array)) {
      throw new SlimError('INVALID_ARGUMENT', 'encoder input must be a Float32Array log-mel window');
    }
    if (mel.length !== want) {
      throw new SlimError(
        'INVALID_ARGUMENT',
        `encoder input must be a [${nMels}, ${2 * nAudioCtx}] log-mel window (${want} values), got ${mel.length} values`,
      );
    }
    for (let i = 0; i < mel.length; i++) {
      if (!Number.isFinite(mel[i]!)) {
        throw new SlimError('INVALID_ARGUMENT', `encoder input holds a non-finite value at index ${i}`);
      }
    }
  }
}

/**
 * Arithmetic precision: fp32 for fp32 graphs; for fp16 graphs fp16 on a WebGPU device with
 * 'shader-f16', else fp32 (WASM has no fast fp16 kernels; without the feature onnxruntime's
 * WebGPU EP cannot run fp16 at all). A device of unknown features gets fp32.
 */
function computeFor(opts: AudioEncoderOptions): EncoderPrecision {
  if (opts.precision === 'fp32') return 'fp32';
  const f16 = opts.backend === 'webgpu' && hasShaderF16(opts.device);
  if (opts.compute === 'fp16' && opts.backend === 'webgpu' && !f16) {
    throw new SlimError(
      'BACKEND',
      "fp16 compute on WebGPU needs a device with 'shader-f16'; use compute 'fp32'",
    );
  }
  return opts.compute ?? (f16 ? 'fp16' : 'fp32');
}

function hasShaderF16(device: GpuDevice | undefined): boolean {
  const features = (device as { features?: { has(f: string): boolean } } | undefined)?.features;
  return features?.has('shader-f16') === true;
}

async function openSession(
  ort: Ort,
  model: Uint8Array,
  io: EncoderIo,
  backend: EncoderBackend,
): Promise<InferenceSession> {
  const options: InferenceSession.SessionOptions = {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    ...(backend === 'webgpu' ? { preferredOutputLocation: { [io.output]: 'gpu-buffer' as const } } : {}),
  };
  try {
    return await ort.InferenceSession.create(model, options);
  } catch (e) {
    throw new SlimError('BACKEND', `cannot open the encoder on ${backend}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
