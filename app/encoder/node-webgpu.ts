/**
 * What onnxruntime-web's WebGPU build needs to run in Node (its browser bundle assumes a page):
 * - `navigator.gpu` must exist before the module is imported: the `webgpu` package's (Dawn);
 * - the WASM binary as bytes: the bundle fetches it by URL, and Node's fetch has no file: URLs;
 * - one WASM thread: the bundle cannot start its worker threads from Node ("fetch failed");
 * - GPUQueue.writeBuffer given ordinary memory: Dawn's Node binding rejects views of a
 *   SharedArrayBuffer (the WASM heap) with "Invalid argument", so those are copied first.
 * Seen working on SwiftShader (Dawn/Vulkan) with onnxruntime-web 1.30.0.
 */
import { readFileSync } from 'node:fs';
import type { Ort } from './runtime.ts';

/** The WASM binary of onnxruntime-web's WebGPU build (1.30: the asyncify one). */
const WEBGPU_WASM = 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm';

let prepared: Promise<void> | undefined;

/** Sets up navigator.gpu and the writeBuffer copy; call before importing 'onnxruntime-web/webgpu'. */
export function prepareNodeWebGpuGlobals(): Promise<void> {
  prepared ??= (async () => {
    const g = globalThis as { navigator?: { gpu?: unknown }; GPUQueue?: unknown };
    if (!g.navigator?.gpu || !g.GPUQueue) {
      const mod = await import('webgpu');
      Object.assign(globalThis, mod.globals);
      if (!g.navigator?.gpu) {
        Object.defineProperty(globalThis, 'navigator', {
          value: { ...(g.navigator ?? {}), gpu: mod.create([]) },
          configurable: true,
          writable: true,
        });
      }
    }
    copySharedWrites();
  })();
  return prepared;
}

/** Gives the runtime its WASM binary as bytes (before its first session). */
export function provideWasmBinary(ort: Ort): void {
  if (ort.env.wasm.wasmBinary) return;
  const url = new URL(import.meta.resolve(WEBGPU_WASM));
  ort.env.wasm.wasmBinary = readFileSync(url);
}

type WriteBuffer = (
  buffer: GPUBuffer,
  offset: number,
  data: ArrayBufferView | ArrayBuffer | SharedArrayBuffer,
  dataOffset?: number,
  size?: number,
) => void;

function copySharedWrites(): void {
  const proto = (globalThis as unknown as { GPUQueue: { prototype: { writeBuffer: WriteBuffer } } }).GPUQueue
    .prototype;
  const original = proto.writeBuffer;
  if ((original as { slimCopies?: boolean }).slimCopies) return;
  const wrapped: WriteBuffer = function (this: GPUQueue, buffer, offset, data, dataOffset, size) {
    if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
      // dataOffset and size count elements of a typed array (bytes for a DataView).
      const unit =
        'BYTES_PER_ELEMENT' in data ? (data as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT : 1;
      const start = (dataOffset ?? 0) * unit;
      const length = size !== undefined ? size * unit : data.byteLength - start;
      const copy = new Uint8Array(length);
      copy.set(new Uint8Array(data.buffer, data.byteOffset + start, length));
      return original.call(this, buffer, offset, copy);
    }
    return original.call(this, buffer, offset, data, dataOffset, size);
  };
  (wrapped as { slimCopies?: boolean }).slimCopies = true;
  proto.writeBuffer = wrapped;
}
