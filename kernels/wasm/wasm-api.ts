/**
 * The few members of the WebAssembly JS API used here, typed locally: the Node project's libs
 * (ES2023 + @types/node 20) declare no WebAssembly namespace, the web project's DOM lib does;
 * these declarations fit both (a DOM WebAssembly.Module is a WasmModule).
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

/** A compiled module, opaque here. */
export type WasmModule = object;

interface WasmApi {
  compile(bytes: ArrayBuffer | ArrayBufferView): Promise<WasmModule>;
  instantiate(
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ exports: Record<string, unknown> }>;
}

export const wasmApi: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
