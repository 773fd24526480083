/**
 * Assembles the engine for a model: our encoder graph on onnxruntime-web, the Slim decoder on
 * WebGPU or WASM (forms from the model's measured conversion record; the inverse-free X-cache
 * form where none was measured), and the Transcriber on top. Fixed weights here; per-job state
 * lives in the Transcriber's jobs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { checkpointFingerprint } from '../../models/checkpoint/fingerprint.ts';
import { SlimError } from '../../models/errors.ts';
import { Weights64 } from '../../models/reference/weights64.ts';
import { convertDecoder } from '../../models/slim/convert.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import type { DecoderSession } from '../../kernels/decoder/types.ts';
import { packDecoder } from '../../kernels/decoder/weights.ts';
import { openWasmDecoder } from '../../kernels/wasm/load-node.ts';
import type { GpuContext } from '../../kernels/webgpu/device.ts';
import { AudioEncoder } from '../encoder/session.ts';
import { isDeviceLost } from './device-lost.ts';
import { CONVERSION_VERSION, defaultCacheDir, type ConversionRecord } from '../models/conversion.ts';
import { Transcriber, type DeviceFallback } from '../transcribe/transcriber.ts';

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

/** The forms of a measured conversion record of these weights, if one is stored. */
export function storedForms(ckpt: WhisperCheckpoint, cacheDir = defaultCacheDir()): SelfForm[] | null {
  const path = join(cacheDir, `${checkpointFingerprint(ckpt)}.json`);
  if (!existsSync(path)) return null;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as ConversionRecord;
    if (r.version !== CONVERSION_VERSION || !r.calibration) return null;
    return r.selfAttention.map((l) => l.form);
  } catch {
    return null;
  }
}

async function webgpuFactory(
  ckpt: WhisperCheckpoint,
  packed: ReturnType<typeof packDecoder>,
  request: BackendRequest,
  given: GpuContext | undefined,
): Promise<
  | {
      factory: (s: { maxBatch: number; maxGroups: number }) => Promise<DecoderSession>;
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
    const adapter = `${info.vendor} ${info.architecture} ${info.description}`.trim() || 'WebGPU adapter';
    if (gpu.software && request === 'auto') {
      if (!given) gpu.device.destroy();
      return { notice: `WebGPU adapter "${adapter}" is a software rasteriser: using WASM` };
    }
    return {
      factory: (s) => createWebGPUDecoder(packed, { ...s, gpu }),
      gpu,
      adapter,
      notice: gpu.software
        ? `WebGPU adapter "${adapter}" is a software rasteriser: expect it to be slow`
        : null,
    };
  } catch (e) {
    if (request === 'webgpu')
      throw new SlimError('BACKEND', `WebGPU is not available: ${(e as Error).message}`);
    return { notice: `WebGPU unavailable (${(e as Error).message}): using WASM` };
  }
}

export interface OpenEngineOptions {
  backend?: BackendRequest;
  threads?: number;
  cacheDir?: string;
  /** The WebGPU device to decode on (default: one of its own). */
  gpu?: GpuContext;
  /** Sees every decoder session the engine opens (benchmarks read memory()). */
  onSession?: (session: DecoderSession) => void;
}

export async function openEngine(ckpt: WhisperCheckpoint, opts: OpenEngineOptions = {}): Promise<Engine> {
  if (!ckpt.vocab) throw new SlimError('TOKENIZER', `${ckpt.source.path}: the model has no vocabulary`);
  const request = opts.backend ?? 'auto';
  const measured = storedForms(ckpt, opts.cacheDir);
  const forms = measured ?? Array<SelfForm>(ckpt.dims.nTextLayer).fill('x-cache');
  const packed = packDecoder(ckpt, 'slim', { layers: convertDecoder(new Weights64(ckpt), ckpt), forms });
  let decoder: EngineInfo['decoder'] = 'wasm';
  let adapter: string | null = null;
  let notice: string | null = null;
  const onSession = (session: DecoderSession): DecoderSession => {
    opts.onSession?.(session);
    return session;
  };
  const wasmSession = async (s: { maxBatch: number; maxGroups: number }): Promise<DecoderSession> =>
    onSession(await openWasmDecoder(packed, s));
  let createSession = wasmSession;
  let fallback: DeviceFallback | undefined;
  let gpuCtx: GpuContext | null = null;
  if (request !== 'wasm') {
    const gpu = await webgpuFactory(ckpt, packed, request, opts.gpu);
    notice = gpu.notice;
    if ('factory' in gpu) {
      decoder = 'webgpu';
      adapter = gpu.adapter;
      const ctx = gpu.gpu;
      gpuCtx = ctx;
      createSession = async (s) => (ctx.lost ? wasmSession(s) : onSession(await gpu.factory(s)));
      fallback = { createSession: wasmSession, isDeviceLost: (err) => isDeviceLost(ctx, err) };
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
    ...(fallback ? { fallback } : {}),
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
    calibrated: measured !== null,
    notice,
  };
  void gpuCtx?.device.lost.then((lost) => {
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
