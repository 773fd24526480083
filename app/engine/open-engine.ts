/**
 * The engine in Node (CLI, benchmarks): assembleEngine (assemble.ts) with the WASM kernel module
 * from build/kernels.wasm and the Slim forms of the model's measured conversion record, if one is
 * stored or bundled (else the inverse-free X-cache form everywhere).
 */
import type { WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { checkpointFingerprint } from '../../models/checkpoint/fingerprint.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import type { DecoderSession } from '../../kernels/decoder/types.ts';
import { loadKernelModule } from '../../kernels/wasm/load-node.ts';
import type { GpuContext } from '../../kernels/webgpu/device.ts';
import { defaultCacheDir, findRecord, recordForms } from '../models/conversion-records.ts';
import { assembleEngine, type BackendRequest, type Engine } from './assemble.ts';

export type { BackendRequest, Engine, EngineInfo } from './assemble.ts';

/**
 * The forms of a measured conversion record of these weights: one in the user's cache, else one
 * shipped with the app (the embedded model's); null where none is known.
 */
export function storedForms(
  ckpt: WhisperCheckpoint,
  cacheDir: string | null = defaultCacheDir(),
): SelfForm[] | null {
  const r = findRecord(checkpointFingerprint(ckpt), cacheDir);
  return r ? recordForms(r) : null;
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
