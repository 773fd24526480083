/**
 * The engine in Node (CLI, benchmarks): assembleEngine (assemble.ts) with the WASM kernel module
 * from build/kernels.wasm and the Slim forms of the model's measured conversion record, if one is
 * stored (else the inverse-free X-cache form everywhere).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { checkpointFingerprint } from '../../models/checkpoint/fingerprint.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import type { DecoderSession } from '../../kernels/decoder/types.ts';
import { loadKernelModule } from '../../kernels/wasm/load-node.ts';
import type { GpuContext } from '../../kernels/webgpu/device.ts';
import { CONVERSION_VERSION, defaultCacheDir, type ConversionRecord } from '../models/conversion.ts';
import { assembleEngine, type BackendRequest, type Engine } from './assemble.ts';

export type { BackendRequest, Engine, EngineInfo } from './assemble.ts';

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

export interface OpenEngineOptions {
  backend?: BackendRequest;
  threads?: number;
  cacheDir?: string;
  /** The WebGPU device to decode on (default: one of its own). */
  gpu?: GpuContext;
  /** Sees every decoder session the engine opens (benchmarks read memory()). */
  onSession?: (session: DecoderSession) => void;
}

export function openEngine(ckpt: WhisperCheckpoint, opts: OpenEngineOptions = {}): Promise<Engine> {
  return assembleEngine(ckpt, {
    forms: storedForms(ckpt, opts.cacheDir),
    wasmModule: loadKernelModule,
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
    ...(opts.gpu ? { gpu: opts.gpu } : {}),
    ...(opts.onSession ? { onSession: opts.onSession } : {}),
  });
}
