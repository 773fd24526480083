/**
 * Bundled (esbuild) into the headless-Chromium smoke test's page: builds a fixture decoder from its
 * seed, runs setAudio, a prefill and one step on navigator.gpu, returns the logits as plain arrays.
 */
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { convertDecoder } from '../../../models/slim/convert.ts';
import type { SelfForm } from '../../../models/slim/decoder64.ts';
import { packDecoder } from '../../../kernels/decoder/weights.ts';
import { createGpuContext } from '../../../kernels/webgpu/device.ts';
import { WebGPUDecoderSession } from '../../../kernels/webgpu/session.ts';

export interface SmokeResult {
  adapter: string;
  prefill: number[];
  step: number[];
  topIds: number[];
}

export const SMOKE = {
  seed: 2,
  forms: ['k-cache', 'x-cache'] as SelfForm[],
  prompt: [1, 2, 3],
  step: [9, 10],
};

export async function runSmoke(gpu: { device: GPUDevice; adapter: GPUAdapter } | null): Promise<SmokeResult> {
  const ckpt = makeFixtureCheckpoint({ seed: SMOKE.seed, dims: { nTextLayer: 2 } });
  const layers = convertDecoder(new Weights64(ckpt), ckpt);
  const packed = packDecoder(ckpt, 'slim', { layers, forms: SMOKE.forms });
  const ctx = gpu ? { ...gpu, f16: false, software: true, lost: null } : await createGpuContext();
  const session = new WebGPUDecoderSession(ctx, packed, { maxBatch: 2, maxGroups: 1 });
  try {
    await session.setAudio([new Rng(11).normals(ckpt.dims.nAudioCtx * ckpt.dims.nTextState)]);
    const prefill = await session.prefill(0, 0, SMOKE.prompt);
    await session.prefill(1, 0, SMOKE.prompt.slice(0, 2));
    const r = await session.step(Int32Array.from(SMOKE.step), { logits: true, topK: 3 });
    const info = ctx.adapter.info;
    return {
      adapter: `${info.vendor} ${info.architecture} ${info.description}`,
      prefill: [...prefill],
      step: [...r.logits!],
      topIds: [...r.topIds!],
    };
  } finally {
    session.dispose();
  }
}
