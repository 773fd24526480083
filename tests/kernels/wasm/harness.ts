/**
 * Test harness for the WASM kernels: builds the module if the sources changed, and a heap whose
 * buffers sit between guard zones filled with a sentinel, so out-of-bounds writes are caught.
 */
import assert from 'node:assert/strict';
import { buildWasm, wasmIsStale } from '../../../kernels/wasm/build.ts';
import { instantiateKernels, type KernelExports } from '../../../kernels/wasm/kernels.ts';
import { loadKernelModule } from '../../../kernels/wasm/load-node.ts';

let built: Promise<void> | null = null;

/** Builds build/kernels.wasm when missing or stale (tests need no prior npm run build:wasm). */
export function ensureWasm(): Promise<void> {
  built ??= wasmIsStale() ? buildWasm().then(() => undefined) : Promise.resolve();
  return built;
}

export async function kernels(): Promise<KernelExports> {
  await ensureWasm();
  return instantiateKernels(await loadKernelModule());
}

const GUARD = 64; // floats of sentinel on each side
const SENTINEL = 0x7fc0beef; // a NaN payload no kernel produces

export interface Buf {
  ptr: number;
  n: number;
}

export class GuardedHeap {
  private next: number;
  private bufs: Buf[] = [];
  constructor(
    readonly k: KernelExports,
    bytes = 64 << 20,
  ) {
    const base = k.memory.buffer.byteLength;
    k.memory.grow(Math.ceil(bytes / 65536));
    this.next = base;
  }

  /** A buffer of n floats (or i32s), initialised from `init` or zero, with guards around it. */
  alloc(n: number, init?: ArrayLike<number>): Buf {
    const start = this.next;
    const ptr = start + GUARD * 4;
    this.next = ptr + Math.ceil((n + GUARD) / 16) * 64;
    if (this.next > this.k.memory.buffer.byteLength) throw new Error('GuardedHeap: out of memory');
    const u = new Uint32Array(this.k.memory.buffer);
    u.fill(SENTINEL, start >> 2, this.next >> 2);
    const b = { ptr, n };
    this.f32(b).fill(0);
    if (init) this.f32(b).set(init);
    this.bufs.push(b);
    return b;
  }

  allocI32(values: ArrayLike<number>): Buf {
    const b = this.alloc(values.length);
    new Int32Array(this.k.memory.buffer, b.ptr, values.length).set(values);
    return b;
  }

  f32(b: Buf): Float32Array {
    return new Float32Array(this.k.memory.buffer, b.ptr, b.n);
  }

  i32(b: Buf): Int32Array {
    return new Int32Array(this.k.memory.buffer, b.ptr, b.n);
  }

  /** Asserts every guard zone still holds the sentinel. */
  checkGuards(): void {
    const u = new Uint32Array(this.k.memory.buffer);
    for (const b of this.bufs) {
      const lo = (b.ptr >> 2) - GUARD;
      const hi = (b.ptr >> 2) + b.n;
      for (let i = lo; i < b.ptr >> 2; i++)
        assert.equal(u[i], SENTINEL, `guard before buffer @${b.ptr} overwritten`);
      for (let i = hi; i < hi + GUARD; i++)
        assert.equal(u[i], SENTINEL, `guard after buffer @${b.ptr} overwritten`);
    }
  }
}

/** max |a − b| / max |b| over the whole array. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return den === 0 ? num : num / den;
}
