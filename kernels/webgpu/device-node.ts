/**
 * A GPUAdapter in Node through the `webgpu` package (Dawn). On Linux Dawn uses Vulkan: it opens
 * the Vulkan loader (libvulkan.so.1) and the driver that VK_ICD_FILENAMES names, or the system's.
 * For tests without a GPU, `swiftShader: true` selects the SwiftShader driver that Debian's
 * chromium package ships, and loads chromium's own Vulkan loader when the system has none.
 */
import { existsSync } from 'node:fs';
import { SlimError } from '../../models/errors.ts';

export const CHROMIUM_DIR = '/usr/lib/chromium';
export const SWIFTSHADER_ICD = `${CHROMIUM_DIR}/vk_swiftshader_icd.json`;

export interface NodeAdapterOptions {
  /** Use SwiftShader's Vulkan driver (software; for tests). */
  swiftShader?: boolean;
  powerPreference?: GPUPowerPreference;
}

const RTLD_NOW = 2;
const RTLD_GLOBAL = 256;
const RTLD_NODELETE = 0x1000; // glibc: keep the library loaded though Node closes the handle

/**
 * Makes `libvulkan.so.1` resolvable for Dawn: the system's if present, else chromium's copy,
 * loaded by absolute path and kept (a later dlopen by soname finds the loaded one).
 */
function preloadVulkanLoader(): void {
  for (const path of ['libvulkan.so.1', `${CHROMIUM_DIR}/libvulkan.so.1`]) {
    if (path.startsWith('/') && !existsSync(path)) continue;
    try {
      process.dlopen({ exports: {} }, path, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
      return;
    } catch (err) {
      // Not a Node addon: "did not self-register" means the library itself loaded (and stays).
      if (err instanceof Error && /self-register/.test(err.message)) return;
    }
  }
}

let gpuPromise: Promise<GPU> | undefined;

async function nodeGpu(): Promise<GPU> {
  const mod = await import('webgpu');
  Object.assign(globalThis, mod.globals);
  return mod.create([]);
}

export async function requestNodeAdapter(opts: NodeAdapterOptions = {}): Promise<GPUAdapter> {
  if (process.platform === 'linux') {
    if (opts.swiftShader) {
      if (!existsSync(SWIFTSHADER_ICD)) {
        throw new SlimError(
          'BACKEND',
          `SwiftShader Vulkan driver not found at ${SWIFTSHADER_ICD} (install chromium)`,
        );
      }
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    }
    preloadVulkanLoader();
  }
  gpuPromise ??= nodeGpu();
  const gpu = await gpuPromise;
  const adapter = await gpu.requestAdapter(
    opts.powerPreference ? { powerPreference: opts.powerPreference } : {},
  );
  if (!adapter) {
    throw new SlimError(
      'BACKEND',
      opts.swiftShader
        ? 'no WebGPU adapter on SwiftShader (Dawn/Vulkan): is chromium installed?'
        : 'no WebGPU adapter (Dawn found no Vulkan/Metal/D3D12 device)',
    );
  }
  return adapter;
}
