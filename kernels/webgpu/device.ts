/**
 * One GPUDevice for the decoder (and, later, the encoder): navigator.gpu in a browser or
 * worker, the `webgpu` package (Dawn) in Node. Requests the adapter's own buffer-size limits
 * (caches of large batches exceed the 128 MiB default binding size) and 'shader-f16' when
 * present. Device loss is recorded; sessions turn it into SlimError('DEVICE_LOST').
 */
import { SlimError } from '../../models/errors.ts';
import type { NodeAdapterOptions } from './device-node.ts';

export interface GpuDeviceOptions extends NodeAdapterOptions {
  /** Ask for 'shader-f16' when the adapter has it (default true). */
  f16?: boolean;
}

export interface GpuContext {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** Whether the device was created with 'shader-f16'. */
  f16: boolean;
  /** A software rasteriser (SwiftShader, llvmpipe): not a GPU. */
  software: boolean;
  /** Set once the device is lost. */
  lost: GPUDeviceLostInfo | null;
}

function browserGpu(): GPU | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu;
}

async function requestAdapter(opts: GpuDeviceOptions): Promise<GPUAdapter> {
  const gpu = browserGpu();
  if (gpu) {
    const a = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : {});
    if (!a) throw new SlimError('BACKEND', 'navigator.gpu gave no adapter');
    return a;
  }
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) throw new SlimError('BACKEND', 'WebGPU is not available here');
  const { requestNodeAdapter } = await import('./device-node.ts');
  return requestNodeAdapter(opts);
}

const WANTED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

function isSoftware(adapter: GPUAdapter): boolean {
  const info = adapter.info;
  const text = `${info?.vendor ?? ''} ${info?.architecture ?? ''} ${info?.device ?? ''} ${info?.description ?? ''}`;
  return (
    /swiftshader|llvmpipe|lavapipe|software|microsoft basic/i.test(text) || info?.isFallbackAdapter === true
  );
}

export async function createGpuContext(opts: GpuDeviceOptions = {}): Promise<GpuContext> {
  const adapter = await requestAdapter(opts);
  const f16 = (opts.f16 ?? true) && adapter.features.has('shader-f16');
  const requiredLimits: Record<string, number> = {};
  for (const k of WANTED_LIMITS) requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({
    requiredFeatures: f16 ? ['shader-f16'] : [],
    requiredLimits,
  });
  const ctx: GpuContext = {
    device,
    adapter,
    f16,
    software: isSoftware(adapter) || !!opts.swiftShader,
    lost: null,
  };
  void device.lost.then((info) => {
    ctx.lost = info;
  });
  return ctx;
}

/** Throws SlimError('DEVICE_LOST') once the context's device is gone. */
export function assertAlive(ctx: GpuContext): void {
  if (ctx.lost) {
    throw new SlimError('DEVICE_LOST', `WebGPU device lost (${ctx.lost.reason}): ${ctx.lost.message}`);
  }
}
