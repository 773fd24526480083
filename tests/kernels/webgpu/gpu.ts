/**
 * The test GPU: Dawn (the `webgpu` package) on SwiftShader's Vulkan driver from Debian's
 * chromium, set up inside the test process. No adapter is a failure, never a skip.
 * SLIM_WHISPER_TEST_GPU=hardware runs the same tests on the system's real GPU instead (a device
 * machine); a software adapter is then a failure.
 */
import assert from 'node:assert/strict';
import { createGpuContext, type GpuContext } from '../../../kernels/webgpu/device.ts';
import { BufferLedger, readBuffer } from '../../../kernels/webgpu/buffers.ts';
import type { Bound, RunShape } from '../../../kernels/webgpu/kernel.ts';
import { Rng } from '../../../models/fixtures/random.ts';

let ctxPromise: Promise<GpuContext> | undefined;

export const HARDWARE_GPU = process.env.SLIM_WHISPER_TEST_GPU === 'hardware';

/** The options of the test device: SwiftShader, or the real GPU (SLIM_WHISPER_TEST_GPU=hardware). */
export const TEST_GPU_OPTIONS = HARDWARE_GPU
  ? ({ powerPreference: 'high-performance' } as const)
  : ({ swiftShader: true } as const);

/** One test device per test process; validation errors throw. */
export function testGpu(): Promise<GpuContext> {
  ctxPromise ??= createGpuContext(TEST_GPU_OPTIONS).then((ctx) => {
    if (HARDWARE_GPU) assert.ok(!ctx.software, `SLIM_WHISPER_TEST_GPU=hardware got a software adapter`);
    ctx.device.onuncapturederror = (e) => {
      throw new Error(`WebGPU error: ${e.error.message}`);
    };
    return ctx;
  });
  return ctxPromise;
}

export const GUARD = 1234.5;
export const GUARD_N = 64;

/** A buffer holding GUARD_N guard values, then `n` values (data or guards), then GUARD_N guards. */
export function guarded(ledger: BufferLedger, n: number, data?: Float32Array): GPUBuffer {
  const a = new Float32Array(n + 2 * GUARD_N).fill(GUARD);
  if (data) a.set(data, GUARD_N);
  return ledger.upload('guarded', 'scratch', a);
}

/** Reads a guarded buffer; asserts its guards are intact; returns the n values. */
export async function readGuarded(ledger: BufferLedger, b: GPUBuffer, n: number): Promise<Float32Array> {
  const all = new Float32Array(await readBuffer(ledger.device, b, 0, (n + 2 * GUARD_N) * 4));
  for (let i = 0; i < GUARD_N; i++) {
    assert.equal(all[i], GUARD, `guard before the output overwritten at −${GUARD_N - i}`);
    assert.equal(all[n + GUARD_N + i], GUARD, `guard after the output overwritten at +${i}`);
  }
  return all.slice(GUARD_N, GUARD_N + n);
}

export function runBuffer(ledger: BufferLedger, run: RunShape, outFirst = 0): GPUBuffer {
  return ledger.uniform('run', new Uint32Array([run.rows, outFirst, run.outCount, 0]));
}

export async function dispatch(device: GPUDevice, ops: Bound[], run: RunShape): Promise<void> {
  device.pushErrorScope('validation');
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  for (const op of ops) op.dispatch(pass, run);
  pass.end();
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`WebGPU validation: ${err.message}`);
  await device.queue.onSubmittedWorkDone();
}

export function randn(rng: Rng, n: number, scale = 1): Float32Array {
  return rng.normals(n, scale);
}

/** max |a − b| / (max |b| + floor): one number for a whole output. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
  let m = 0;
  let s = floor;
  for (let i = 0; i < b.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return s === 0 ? m : m / s;
}

/** The output range of a guarded buffer, as a binding (GUARD_N floats = 256 bytes in). */
export function inside(b: GPUBuffer): GPUBufferBinding {
  return { buffer: b, offset: GUARD_N * 4 };
}
