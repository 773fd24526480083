/**
 * Node-only: the compiled kernel module from build/kernels.wasm (npm run build:wasm). Browsers
 * and workers compile the same bytes themselves (WebAssembly.compileStreaming) and pass the
 * module to the session.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PackedDecoder } from '../decoder/weights.ts';
import { wasmApi, type WasmModule } from './wasm-api.ts';
import { createWasmDecoder, type WasmDecoderOptions, type WasmDecoderSession } from './session.ts';

export const WASM_FILE = fileURLToPath(new URL('./build/kernels.wasm', import.meta.url));

let cached: Promise<WasmModule> | null = null;

export function loadKernelModule(): Promise<WasmModule> {
  if (!existsSync(WASM_FILE)) {
    return Promise.reject(new Error(`${WASM_FILE} missing: run npm run build:wasm`));
  }
  cached ??= readFile(WASM_FILE).then((b) => wasmApi.compile(b));
  return cached;
}

/** A WASM decoder session in Node, with the module from build/kernels.wasm. */
export async function openWasmDecoder(
  packed: PackedDecoder,
  opts: Omit<WasmDecoderOptions, 'module'>,
): Promise<WasmDecoderSession> {
  return createWasmDecoder(packed, { ...opts, module: await loadKernelModule() });
}
