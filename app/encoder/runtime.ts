/**
 * Loading onnxruntime-web once per process (or worker) and setting up its WASM threads.
 * The thread count only takes effect before the first session is created: later requests
 * for a different count are recorded, not applied, and every session reports what it got.
 */
import type * as OrtModule from 'onnxruntime-web';
import { SlimError } from '../../models/errors.ts';
import type { EncoderBackend } from './backend.ts';

export type Ort = typeof OrtModule;
/** GPUDevice where WebGPU types are loaded, `unknown` otherwise (onnxruntime-web's own typing). */
export type GpuDevice = Awaited<Ort['env']['webgpu']['device']>;

interface Loaded {
  ort: Ort;
  /** WASM threads the runtime was initialised with, once a session exists. */
  threads?: number;
  /** The GPUDevice handed to the WebGPU EP. */
  device?: GpuDevice;
}

const loaded = new Map<EncoderBackend, Promise<Loaded>>();

/**
 * The onnxruntime-web build for a backend: the plain one (WASM EP; in Node its `node` export)
 * or the WebGPU one, which also has the WASM EP. Two builds are two separate WASM runtimes.
 */
export function loadOrt(backend: EncoderBackend): Promise<Loaded> {
  let p = loaded.get(backend);
  if (!p) {
    p = backend === 'webgpu' ? loadWebGpuBuild() : import('onnxruntime-web').then((m) => ({ ort: m as Ort }));
    loaded.set(backend, p);
  }
  return p;
}

async function loadWebGpuBuild(): Promise<Loaded> {
  if (!isNode()) return { ort: (await import('onnxruntime-web/webgpu')) as Ort };
  const shim = await import('./node-webgpu.ts');
  await shim.prepareNodeWebGpuGlobals();
  const ort = (await import('onnxruntime-web/webgpu')) as Ort;
  shim.provideWasmBinary(ort);
  // The browser bundle cannot start WASM worker threads in Node: one thread (the GPU does the work).
  ort.env.wasm.numThreads = 1;
  return { ort, threads: 1 };
}

function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

/** Hardware threads: navigator.hardwareConcurrency (browsers, Node ≥ 21), else node:os. */
export async function hardwareThreads(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  if (isNode()) {
    const os = await import('node:os');
    return os.availableParallelism();
  }
  return 1;
}

/**
 * Whether WASM threads can run here: they need SharedArrayBuffer, which browsers only give
 * cross-origin isolated pages (COOP/COEP); Node always has it.
 */
export function threadsAvailable(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
  if (isNode()) return true;
  return g.crossOriginIsolated === true && typeof g.SharedArrayBuffer === 'function';
}

/**
 * Sets `env.wasm.numThreads` before the runtime's first session (default: every core, or 1
 * where threads are unavailable) and returns the count in force.
 */
export async function configureThreads(state: Loaded, requested: number | undefined): Promise<number> {
  if (state.threads !== undefined) return state.threads;
  const wanted = threadsAvailable() ? (requested ?? (await hardwareThreads())) : 1;
  const threads = Math.max(1, Math.floor(wanted));
  state.ort.env.wasm.numThreads = threads;
  state.threads = threads;
  return threads;
}

/**
 * Hands the WebGPU EP the device the decoder kernels use (one device: E never leaves it).
 * onnxruntime-web takes one device per process, before its first WebGPU session.
 */
export function useDevice(state: Loaded, device: GpuDevice): void {
  if (state.device === device) return;
  if (state.device !== undefined) {
    throw new SlimError('BACKEND', 'onnxruntime-web already runs on another GPUDevice (one per process)');
  }
  state.ort.env.webgpu.device = device;
  state.device = device;
}
