/**
 * The session's WASM linear memory, laid out once: a bump allocator over regions reserved at
 * creation (weights, caches, scratch), grown in one memory.grow, never freed piecemeal. Every
 * region is tagged, so memory accounting reads the real allocations.
 */

import type { WasmMemory } from './wasm-api.ts';

export type RegionTag = 'weights' | 'sequence-cache' | 'audio' | 'staging' | 'scratch';

export interface Region {
  ptr: number;
  bytes: number;
  tag: RegionTag;
}

const ALIGN = 64; // one cache line: SIMD rows of W start on line boundaries
const PAGE = 65536;

export class Heap {
  private next: number;
  private end: number;
  readonly regions: Region[] = [];

  constructor(readonly memory: WasmMemory) {
    this.next = align(memory.buffer.byteLength);
    this.end = this.next;
  }

  /** Grows the memory once to hold `bytes` more (sum of the planned regions, aligned). */
  reserve(bytes: number): void {
    const want = this.next + bytes;
    const have = this.memory.buffer.byteLength;
    if (want > have) {
      const pages = Math.ceil((want - have) / PAGE);
      if (have / PAGE + pages > 65536)
        throw new Error(`WASM decoder needs ${want} bytes: over the 4 GiB of wasm32`);
      this.memory.grow(pages);
    }
    this.end = want;
  }

  alloc(bytes: number, tag: RegionTag): Region {
    const ptr = this.next;
    const size = align(bytes);
    if (ptr + size > this.end)
      throw new Error(`WASM heap: ${tag} region of ${bytes} bytes past the reservation`);
    this.next = ptr + size;
    const r: Region = { ptr, bytes, tag };
    this.regions.push(r);
    return r;
  }

  /** Float view of a region (re-created per call: views die when memory grows). */
  f32(r: Region, offsetFloats = 0, count = (r.bytes >> 2) - offsetFloats): Float32Array {
    return new Float32Array(this.memory.buffer, r.ptr + offsetFloats * 4, count);
  }

  i32(r: Region, count = r.bytes >> 2): Int32Array {
    return new Int32Array(this.memory.buffer, r.ptr, count);
  }

  bytesTagged(tag: RegionTag): number {
    return this.regions.reduce((n, r) => (r.tag === tag ? n + r.bytes : n), 0);
  }
}

export function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
