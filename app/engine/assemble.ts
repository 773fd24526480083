/**
 * Assembles the engine for a checkpoint: our encoder graph on onnxruntime-web, the Slim decoder
 * on WebGPU or WASM (the given forms per layer; the inverse-free X-cache form where none were
 * measured), and the Transcriber on top, with no file access, for the engine worker
 * (app/worker/engine.ts brings the kernel module and the forms); open-engine.ts opens it in Node
 * with both from disk.
 */
import type { WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { SlimError } from '../../models/errors.ts';
import { Weights64 } from '../../models/reference/weights64.ts';
import {
  convertLayer,
  foldValueBias,
  rowVector,
  solveKeyValue,
  type KeyValueSolve,
  type SlimLayer,
} from '../../models/slim/convert.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import type { DecoderSession } from '../../kernels/decoder/types.ts';
import { packDecoder, type PackedDecoder } from '../../kernels/decoder/weights.ts';
import { createWasmDecoder } from '../../kernels/wasm/session.ts';
import type { WasmModule } from '../../kernels/wasm/wasm-api.ts';
import { adapterLabel } from '../encoder/backend.ts';
import { AudioEncoder } from '../encoder/session.ts';
import { Transcriber, type DeviceFallback } from '../transcribe/transcriber.ts';
import type { GpuContext } from '../../kernels/webgpu/device.ts';
import { isDeviceLost } from './device-lost.ts';

export type BackendRequest = 'auto' | 'webgpu' | 'wasm';

export interface EngineInfo {
  /** Where the decoder runs, and the adapter when on WebGPU. */
  decoder: 'wasm' | 'webgpu';
  adapter: string | null;
  encoder: string;
  threads: number;
  /** Self-attention form per layer, and whether they were measured. */
  forms: SelfForm[];
  calibrated: boolean;
  notice: string | null;
}

export interface Engine {
  transcriber: Transcriber;
  info: EngineInfo;
  dispose(): Promise<void>;
}

type SessionShape = { maxBatch: number; maxGroups: number };

export interface AssembleOptions {
  backend?: BackendRequest;
  threads?: number;
  /** Measured forms per decoder layer; null: X-cache everywhere (a W_KV not measured is never used). */
  forms: SelfForm[] | null;
  /** The compiled WASM kernel module (Node: build/kernels.wasm; browsers: compileStreaming). */
  wasmModule: () => Promise<WasmModule>;
  /** Where WebGPU fails or is a software adapter under 'webgpu', use WASM with a notice instead of throwing. */
  fallback?: boolean;
  /** The WebGPU device to decode on (default: one of its own). */
  gpu?: GpuContext;
  /** Sees every decoder session the engine opens (benchmarks read memory()). */
  onSession?: (session: DecoderSession) => void;
}

/**
 * A layer's Slim conversion where only what its form needs is computed: an X-cache layer never
 * uses W_KV, so its pseudo-inverse solve (an SVD of W_K) runs only if something asks for it.
 */
function convertForForm(w: Weights64, ckpt: WhisperCheckpoint, layer: number, form: SelfForm): SlimLayer {
  if (form === 'k-cache') return convertLayer(w, ckpt, layer);
  const d = ckpt.dims.nTextState;
  const p = `decoder.blocks.${layer}`;
  let kv: KeyValueSolve | null = null;
  const out = {
    layer,
    get selfWK() {
      return rowVector(w, `${p}.attn.key.weight`, d, d);
    },
    get selfWV() {
      return rowVector(w, `${p}.attn.value.weight`, d, d);
    },
    get selfKV() {
      return (kv ??= solveKeyValue(this.selfWK, this.selfWV, d));
    },
    selfOutBias: foldValueBias(
      w.get(`${p}.attn.out.weight`),
      w.get(`${p}.attn.out.bias`),
      w.get(`${p}.attn.value.bias`),
      d,
    ),
    get crossWK() {
      return rowVector(w, `${p}.cross_attn.key.weight`, d, d);
    },
    get crossWV() {
      return rowVector(w, `${p}.cross_attn.value.weight`, d, d);
    },
    crossOutBias: foldValueBias(
      w.get(`${p}.cross_attn.out.weight`),
      w.get(`${p}.cross_attn.out.bias`),
      w.get(`${p}.cross_attn.value.bias`),
      d,
    ),
  };
  return out;
}

/** The decoder weights packed for the Slim kernels (the costly part: keep it per model). */
export function packSlimDecoder(
  ckpt: WhisperCheckpoint,
  forms: SelfForm[] | null,
): { packed: PackedDecoder; forms: SelfForm[] } {
  const f = forms ?? Array<SelfForm>(ckpt.dims.nTextLayer).fill('x-cache');
  const w = new Weights64(ckpt);
  const layers = f.map((form, l) => convertForForm(w, ckpt, l, form));
  return { packed: packDecoder(ckpt, 'slim', { layers, forms: f }), forms: f };
}

/** A WebGPU decoder factory on this adapter, or why the decoder stays on WASM. */
async function webgpuFactory(
  packed: PackedDecoder,
  request: BackendRequest,
  fallback: boolean,
  given: GpuContext | undefined,
): Promise<
  | {
      factory: (s: SessionShape) => Promise<DecoderSession>;
      gpu: GpuContext;
      adapter: string;
      notice: string | null;
    }
  | { notice: string }
> {
  try {
    const { createGpuContext } = await import('../../kernels/webgpu/device.ts');
    const { createWebGPUDecoder } = await import('../../kernels/webgpu/session.ts');
    const gpu = given ?? (await createGpuContext());
    const info = gpu.adapter.info;
    const adapter = adapterLabel(info);
    if (gpu.software && request === 'auto') {
      if (!given) gpu.device.destroy();
      return { notice: `WebGPU adapter "${adapter}" is a software renderer: using WASM` };
    }
    return {
      factory: (s) => createWebGPUDecoder(packed, { ...s, gpu }),
      gpu,
      adapter,
      notice: gpu.software
        ? `WebGPU adapter "${adapter}" is a software renderer: expect it to be slow`
        : null,
    };
  } catch (e) {
    if (request === 'webgpu' && !fallback)
      throw new SlimError('BACKEND', `WebGPU is not available: ${(e as Error).message}`);
    return { notice: `WebGPU failed (${(e as Error).message}): using WASM` };
  }
}

export async function assembleEngine(
  ckpt: WhisperCheckpoint,
  opts: AssembleOptions,
  prepacked?: { packed: PackedDecoder; forms: SelfForm[] },
): Promise<Engine> {
  if (!ckpt.vocab) throw new SlimError('TOKENIZER', `${ckpt.source.path}: the model has no vocabulary`);
  const request = opts.backend ?? 'auto';
  const { packed, forms } = prepacked ?? packSlimDecoder(ckpt, opts.forms);
  let decoder: EngineInfo['decoder'] = 'wasm';
  let adapter: string | null = null;
  let notice: string | null = null;
  const seen = (session: DecoderSession): DecoderSession => {
    opts.onSession?.(session);
    return session;
  };
  const wasmSession = async (s: SessionShape): Promise<DecoderSession> =>
    seen(await createWasmDecoder(packed, { ...s, module: await opts.wasmModule() }));
  let createSession = wasmSession;
  let deviceFallback: DeviceFallback | undefined;
  let lostDevice: Promise<GPUDeviceLostInfo> | null = null;
  if (request !== 'wasm') {
    const gpu = await webgpuFactory(packed, request, opts.fallback ?? false, opts.gpu);
    notice = gpu.notice;
    if ('factory' in gpu) {
      decoder = 'webgpu';
      adapter = gpu.adapter;
      const ctx = gpu.gpu;
      // A lost device: the running job moves to WASM (the Transcriber's fallback), later ones start there.
      createSession = async (s) => (ctx.lost ? wasmSession(s) : seen(await gpu.factory(s)));
      deviceFallback = { createSession: wasmSession, isDeviceLost: (err) => isDeviceLost(ctx, err) };
      lostDevice = ctx.device.lost;
    }
  }
  const encoder = await AudioEncoder.create(ckpt, {
    backend: 'wasm',
    precision: 'fp32',
    ...(opts.threads ? { threads: opts.threads } : {}),
  });
  const transcriber = new Transcriber({
    dims: ckpt.dims,
    tokenizer: WhisperTokenizer.fromVocab(ckpt.vocab, { multilingual: ckpt.multilingual }),
    ...(ckpt.alignmentHeads ? { alignmentHeads: ckpt.alignmentHeads } : {}),
    encoder,
    createSession,
    ...(deviceFallback ? { fallback: deviceFallback } : {}),
    // Word alignment needs cross-attention weights: WASM sessions return them (align()); when
    // decoding on WebGPU, whose sessions do not yet, a WASM session does the alignment pass.
    createAlignSession: wasmSession,
  });
  const info: EngineInfo = {
    decoder,
    adapter,
    encoder: `onnxruntime-web wasm fp32`,
    threads: encoder.info.threads,
    forms,
    calibrated: opts.forms !== null,
    notice,
  };
  void lostDevice?.then((lost) => {
    info.decoder = 'wasm';
    info.notice = `WebGPU device lost (${lost.message || lost.reason}): decoding on WASM`;
  });
  return {
    transcriber,
    info,
    dispose: async () => {
      transcriber.dispose();
      await encoder.dispose();
    },
  };
}
