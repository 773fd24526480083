/**
 * Telling a lost WebGPU device from other decoder errors, for the Transcriber's fallback to
 * WASM (open-engine.ts in Node, assemble.ts in the worker). No Node APIs.
 */
import { SlimError } from '../../models/errors.ts';
import type { GpuContext } from '../../kernels/webgpu/device.ts';

/**
 * Whether a WebGPU session's error means the device is gone. The session says so itself once
 * device.lost has settled; an error that comes first (a destroyed device's failed readback)
 * waits a moment for device.lost.
 */
export async function isDeviceLost(gpu: GpuContext, err: unknown, waitMs = 1000): Promise<boolean> {
  if ((err instanceof SlimError && err.code === 'DEVICE_LOST') || gpu.lost) return true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), waitMs);
  });
  const lost = await Promise.race([gpu.device.lost.then(() => true), late]);
  clearTimeout(timer);
  return lost;
}
