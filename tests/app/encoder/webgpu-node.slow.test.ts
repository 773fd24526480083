/**
 * The encoder on onnxruntime-web's WebGPU EP in Node (the `webgpu` package, Dawn on the
 * SwiftShader Vulkan driver that Debian's chromium ships), against its WASM EP and the float64
 * reference. SwiftShader JIT-compiles every shader on the first run: minutes on a loaded
 * 2-core machine even for this tiny model, so the model is the smallest that still has heads,
 * a residual block and the conv stem. Skipped where SwiftShader is not installed, or with
 * SLIM_SKIP_WEBGPU_TESTS=1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { AudioEncoder } from '../../../app/encoder/session.ts';
import { SWIFTSHADER_ICD } from '../../../kernels/webgpu/device-node.ts';
import { createGpuContext } from '../../../kernels/webgpu/device.ts';
import { SlimError } from '../../../models/errors.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { encodeReference } from '../../../models/reference/encoder.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { fmt, gap } from './compare.ts';

const skip = !existsSync(SWIFTSHADER_ICD)
  ? `SwiftShader not installed (${SWIFTSHADER_ICD})`
  : process.env.SLIM_SKIP_WEBGPU_TESTS === '1'
    ? 'SLIM_SKIP_WEBGPU_TESTS=1'
    : false;

test(
  'WebGPU EP (SwiftShader) equals the WASM EP; E stays on the GPU',
  { skip, timeout: 20 * 60_000 },
  async () => {
    const gpu = await createGpuContext({ swiftShader: true });
    const ckpt = makeFixtureCheckpoint({ seed: 11, dims: { nAudioCtx: 8, nAudioLayer: 1 } });
    const d = ckpt.dims;
    const mel = new Rng(12).normals(d.nMels * 2 * d.nAudioCtx, 0.5, -0.3);
    const ref = encodeReference(new Weights64(ckpt), d, Float64Array.from(mel));

    const wasm = await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp32' });
    const onCpu = await wasm.encode(mel);
    await wasm.dispose();

    // SwiftShader has no 'shader-f16': asking for fp16 arithmetic there is a clear error up front.
    assert.equal(gpu.f16, false);
    await assert.rejects(
      AudioEncoder.create(ckpt, {
        backend: 'webgpu',
        precision: 'fp16',
        compute: 'fp16',
        device: gpu.device,
      }),
      (e: unknown) => e instanceof SlimError && e.code === 'BACKEND' && /shader-f16/.test(e.message),
    );

    const enc = await AudioEncoder.create(ckpt, { backend: 'webgpu', precision: 'fp32', device: gpu.device });
    try {
      assert.equal(enc.info.backend, 'webgpu');
      const out = await enc.run(mel);
      assert.equal(out.location, 'gpu-buffer');
      assert.deepEqual(out.dims, [1, d.nAudioCtx, d.nAudioState]);
      assert.equal(out.gpuBuffer.size, d.nAudioCtx * d.nAudioState * 4);
      const onGpu = await out.getData();
      out.dispose();
      const vsWasm = gap(onGpu, onCpu);
      const vsRef = gap(onGpu, ref);
      // Measured: 2.8e-7 from WASM and from the float64 reference.
      assert.ok(vsWasm.rel <= 1e-5 && vsWasm.maxRel <= 1e-5, `WebGPU vs WASM: ${fmt(vsWasm)}`);
      assert.ok(vsRef.rel <= 1e-5 && vsRef.maxRel <= 1e-5, `WebGPU vs float64: ${fmt(vsRef)}`);
    } finally {
      await enc.dispose();
      gpu.device.destroy();
    }
  },
);
