/**
 * Compute pipelines cached per device and per generated WGSL source (the source carries every
 * compile-time parameter: tile sizes, workgroup size, weight precision).
 */
const cache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export function computePipeline(device: GPUDevice, label: string, code: string): GPUComputePipeline {
  let perDevice = cache.get(device);
  if (!perDevice) {
    perDevice = new Map();
    cache.set(device, perDevice);
  }
  const key = `${label}\n${code}`;
  let p = perDevice.get(key);
  if (!p) {
    const module = device.createShaderModule({ label, code });
    p = device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint: 'main' } });
    perDevice.set(key, p);
  }
  return p;
}

/** Number of pipelines compiled so far on this device (for tests of the cache). */
export function pipelineCount(device: GPUDevice): number {
  return cache.get(device)?.size ?? 0;
}
