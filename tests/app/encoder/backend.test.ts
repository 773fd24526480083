import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseBackend,
  isSoftwareAdapter,
  probeAdapter,
  type AdapterLike,
  type GpuLike,
} from '../../../app/encoder/backend.ts';

const NVIDIA = {
  vendor: 'nvidia',
  architecture: 'ampere',
  device: '',
  description: 'NVIDIA GeForce RTX 3060',
};
const SWIFTSHADER = { vendor: 'google', architecture: 'swiftshader', device: '', description: '' };
const LLVMPIPE = { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' };

test('chooseBackend: a real GPU adapter gets WebGPU, with the adapter named in the reason', () => {
  const c = chooseBackend({ adapterInfo: NVIDIA });
  assert.equal(c.backend, 'webgpu');
  assert.equal(c.softwareAdapter, false);
  assert.match(c.reason, /nvidia ampere/);
  assert.equal(chooseBackend({ preferred: 'webgpu', adapterInfo: NVIDIA }).backend, 'webgpu');
});

test('chooseBackend: software adapters (SwiftShader, llvmpipe, fallback, CPU type) get WASM unless WebGPU is asked for', () => {
  for (const input of [
    { adapterInfo: SWIFTSHADER },
    { adapterInfo: LLVMPIPE },
    { adapterInfo: { vendor: 'intel', description: 'some adapter' }, isFallbackAdapter: true },
    { adapterInfo: { vendor: 'x', isFallbackAdapter: true } },
    { adapterInfo: { vendor: 'google', type: 'CPU' } },
    { adapterInfo: { description: 'Microsoft Basic Render Driver' } },
  ]) {
    const c = chooseBackend(input);
    assert.equal(c.backend, 'wasm', JSON.stringify(input));
    assert.equal(c.softwareAdapter, true);
    assert.match(c.reason, /software renderer/);
    const forced = chooseBackend({ ...input, preferred: 'webgpu' });
    assert.equal(forced.backend, 'webgpu');
    assert.match(forced.reason, /requested.*slow/);
  }
});

test('chooseBackend: no adapter, or WASM asked for, gets WASM with the reason', () => {
  assert.deepEqual(chooseBackend({}), {
    backend: 'wasm',
    reason: 'no WebGPU adapter: using WASM',
    softwareAdapter: false,
  });
  const none = chooseBackend({ preferred: 'webgpu', adapterInfo: null });
  assert.equal(none.backend, 'wasm');
  assert.match(none.reason, /requested but no WebGPU adapter/);
  assert.equal(chooseBackend({ preferred: 'wasm', adapterInfo: NVIDIA }).backend, 'wasm');
});

test('isSoftwareAdapter does not flag real GPUs', () => {
  for (const info of [
    NVIDIA,
    { vendor: 'apple', architecture: 'metal-3' },
    { vendor: 'amd', type: 'discrete GPU' },
    {},
  ]) {
    assert.equal(isSoftwareAdapter(info), false, JSON.stringify(info));
  }
});

test('probeAdapter: reads info and isFallbackAdapter; missing WebGPU, no adapter or a throwing request give null', async () => {
  const gpu = (adapter: AdapterLike | null | Error): GpuLike => ({
    requestAdapter: async () => {
      if (adapter instanceof Error) throw adapter;
      return adapter;
    },
  });
  assert.deepEqual(await probeAdapter(gpu({ info: SWIFTSHADER, isFallbackAdapter: true })), {
    adapterInfo: SWIFTSHADER,
    isFallbackAdapter: true,
  });
  assert.deepEqual(await probeAdapter(gpu({ info: NVIDIA })), {
    adapterInfo: NVIDIA,
    isFallbackAdapter: false,
  });
  for (const g of [undefined, gpu(null), gpu(new Error('device lost'))]) {
    assert.deepEqual(await probeAdapter(g), { adapterInfo: null, isFallbackAdapter: false });
  }
});
