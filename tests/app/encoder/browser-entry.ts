/**
 * Bundled (esbuild, ESM) for Chromium by browser.test.ts: onnxruntime-web's WebGPU build runs the
 * encoder graph served at /encoder.onnx on its WebGPU EP and on its WASM EP. Only web APIs here.
 */
import * as ort from 'onnxruntime-web/webgpu';

export interface EncoderPageResult {
  adapter: string;
  /** Whether onnxruntime-web set env.webgpu.device, i.e. its WebGPU EP really started. */
  webgpuDevice: boolean;
  webgpu: number[];
  wasm: number[];
  dims: number[];
  error?: string;
}

async function runOn(
  ep: 'webgpu' | 'wasm',
  model: Uint8Array,
  mel: Float32Array,
  shape: number[],
): Promise<{ data: number[]; dims: number[] }> {
  const session = await ort.InferenceSession.create(model, { executionProviders: [ep] });
  try {
    const out = await session.run({ mel: new ort.Tensor('float32', mel, shape) });
    const xa = out['xa']!;
    return { data: Array.from(xa.data as Float32Array), dims: [...xa.dims] };
  } finally {
    await session.release();
  }
}

export async function runEncoderInPage(mel: number[], shape: number[]): Promise<EncoderPageResult> {
  try {
    // Page globals, typed here: the Node tsconfig that checks tests has no DOM lib.
    const page = globalThis as unknown as { navigator?: { gpu?: GPU }; location: { origin: string } };
    const gpu = page.navigator?.gpu;
    if (!gpu) throw new Error('navigator.gpu is missing');
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null');
    const info = adapter.info;
    ort.env.wasm.wasmPaths = `${page.location.origin}/ort/`;
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    const model = new Uint8Array(await (await fetch('/encoder.onnx')).arrayBuffer());
    const input = Float32Array.from(mel);
    const g = await runOn('webgpu', model, input, shape);
    const webgpuDevice = !!(ort.env.webgpu as { device?: unknown }).device;
    const w = await runOn('wasm', model, input, shape);
    return {
      adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(),
      webgpuDevice,
      webgpu: g.data,
      wasm: w.data,
      dims: g.dims,
    };
  } catch (e) {
    return {
      adapter: '',
      webgpuDevice: false,
      webgpu: [],
      wasm: [],
      dims: [],
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    };
  }
}

(globalThis as unknown as { runEncoderInPage: typeof runEncoderInPage }).runEncoderInPage = runEncoderInPage;
