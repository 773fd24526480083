/**
 * Which backend runs the encoder: WebGPU on a real GPU adapter, WASM otherwise. A software
 * WebGPU adapter (SwiftShader, llvmpipe, WARP) is not a GPU: it is ~50× slower than WASM, so
 * it gets WASM unless WebGPU is asked for by name. The reason comes back for the UI and logs.
 */

export type EncoderBackend = 'wasm' | 'webgpu';
export type BackendPreference = EncoderBackend | 'auto';

/**
 * The fields of GPUAdapterInfo we read (WebGPU spec; Dawn's Node binding adds `type`). Newer
 * specs also carry `isFallbackAdapter` here instead of on the adapter.
 */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** Dawn: 'discrete GPU' | 'integrated GPU' | 'CPU' | 'unknown'. */
  type?: string;
  isFallbackAdapter?: boolean;
}

export interface BackendChoiceInput {
  preferred?: BackendPreference;
  /** The adapter's info, or null/undefined when WebGPU is missing or gave no adapter. */
  adapterInfo?: AdapterInfoLike | null;
  /** GPUAdapter.isFallbackAdapter, where the runtime still has it there. */
  isFallbackAdapter?: boolean;
}

export interface BackendChoice {
  backend: EncoderBackend;
  /** One sentence for the UI: why this backend. */
  reason: string;
  /** Whether a WebGPU adapter was seen and judged a software renderer. */
  softwareAdapter: boolean;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

/** A readable name of the adapter for messages ('nvidia ampere', 'google swiftshader'). */
export function adapterLabel(info: AdapterInfoLike): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p) => p && p.trim());
  return parts.length ? [...new Set(parts)].join(' ') : 'unnamed adapter';
}

/** Whether the adapter is a CPU rasterizer rather than a GPU. */
export function isSoftwareAdapter(info: AdapterInfoLike, isFallbackAdapter = false): boolean {
  if (isFallbackAdapter || info.isFallbackAdapter) return true;
  if (info.type && /\bcpu\b/i.test(info.type)) return true;
  return [info.vendor, info.architecture, info.device, info.description].some(
    (f) => f && SOFTWARE_NAMES.test(f),
  );
}

export function chooseBackend(input: BackendChoiceInput): BackendChoice {
  const preferred = input.preferred ?? 'auto';
  const info = input.adapterInfo;
  if (preferred === 'wasm') return { backend: 'wasm', reason: 'WASM was requested', softwareAdapter: false };
  if (!info) {
    const why =
      preferred === 'webgpu'
        ? 'WebGPU was requested but no WebGPU adapter is available'
        : 'no WebGPU adapter';
    return { backend: 'wasm', reason: `${why}: using WASM`, softwareAdapter: false };
  }
  const label = adapterLabel(info);
  if (isSoftwareAdapter(info, input.isFallbackAdapter)) {
    if (preferred === 'webgpu') {
      return {
        backend: 'webgpu',
        reason: `WebGPU was requested; the adapter (${label}) is a software renderer and will be slow`,
        softwareAdapter: true,
      };
    }
    return {
      backend: 'wasm',
      reason: `the WebGPU adapter (${label}) is a software renderer, slower than WASM: using WASM`,
      softwareAdapter: true,
    };
  }
  return { backend: 'webgpu', reason: `GPU adapter: ${label}`, softwareAdapter: false };
}

/** The parts of navigator.gpu / GPUAdapter that probing needs (typed here: no DOM lib in Node). */
export interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: 'low-power' | 'high-performance';
  }): Promise<AdapterLike | null>;
}
export interface AdapterLike {
  readonly info?: AdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
}

export interface ProbedAdapter {
  adapterInfo: AdapterInfoLike | null;
  isFallbackAdapter: boolean;
}

/** Asks `gpu` (navigator.gpu, or the `webgpu` package's) for an adapter; never throws. */
export async function probeAdapter(gpu: GpuLike | undefined): Promise<ProbedAdapter> {
  if (!gpu) return { adapterInfo: null, isFallbackAdapter: false };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { adapterInfo: null, isFallbackAdapter: false };
    return { adapterInfo: adapter.info ?? {}, isFallbackAdapter: adapter.isFallbackAdapter === true };
  } catch {
    return { adapterInfo: null, isFallbackAdapter: false };
  }
}
