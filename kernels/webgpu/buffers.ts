/**
 * GPU buffers with a ledger: every allocation a session makes is recorded with its purpose, so
 * memory() reports real buffer sizes, and dispose() destroys exactly what was created.
 */
export type BufferKind = 'weights' | 'cache' | 'audio' | 'scratch';

export interface Allocation {
  label: string;
  kind: BufferKind;
  bytes: number;
}

/** GPUBufferUsage bits (WebGPU spec values; the Node globals may be installed after this loads). */
const USAGE = {
  storage: 0x80 | 0x08 | 0x04, // STORAGE | COPY_DST | COPY_SRC
  uniform: 0x40 | 0x08, // UNIFORM | COPY_DST
  read: 0x01 | 0x08, // MAP_READ | COPY_DST
};

export class BufferLedger {
  readonly allocations: Allocation[] = [];
  private readonly buffers: GPUBuffer[] = [];
  constructor(readonly device: GPUDevice) {}

  private make(label: string, kind: BufferKind, bytes: number, usage: number): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const b = this.device.createBuffer({ label, size, usage });
    this.buffers.push(b);
    this.allocations.push({ label, kind, bytes: size });
    return b;
  }

  /** A storage buffer (copyable both ways). */
  storage(label: string, kind: BufferKind, bytes: number): GPUBuffer {
    return this.make(label, kind, bytes, USAGE.storage);
  }

  /** A storage buffer holding `data` (Float32Array, Uint32Array, Int32Array). */
  upload(label: string, kind: BufferKind, data: ArrayBufferView): GPUBuffer {
    const b = this.storage(label, kind, data.byteLength);
    this.device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    return b;
  }

  uniform(label: string, words: Uint32Array): GPUBuffer {
    const b = this.make(label, 'scratch', words.byteLength, USAGE.uniform);
    this.device.queue.writeBuffer(b, 0, words.buffer, words.byteOffset, words.byteLength);
    return b;
  }

  readback(label: string, bytes: number): GPUBuffer {
    return this.make(label, 'scratch', bytes, USAGE.read);
  }

  bytes(kind: BufferKind): number {
    return this.allocations.filter((a) => a.kind === kind).reduce((s, a) => s + a.bytes, 0);
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
  }
}

/** Uniform words: u32 values and f32 values (as bits), in declaration order. */
export function words(values: Array<number | { f32: number }>): Uint32Array {
  const n = Math.max(4, Math.ceil(values.length / 4) * 4);
  const u = new Uint32Array(n);
  const f = new Float32Array(u.buffer);
  values.forEach((v, i) => {
    if (typeof v === 'number') u[i] = v >>> 0;
    else f[i] = v.f32;
  });
  return u;
}

export interface ReadRange {
  src: GPUBuffer;
  offset: number;
  bytes: number;
}

/**
 * Reads several buffer ranges back with one staging buffer and one map: each mapAsync waits for
 * the browser's (or dawn.node's) event loop to see the GPU finish, several milliseconds apiece,
 * so a decoding step reads everything it needs in one round trip.
 */
export async function readBuffers(device: GPUDevice, ranges: readonly ReadRange[]): Promise<ArrayBuffer[]> {
  const at: number[] = [];
  let size = 0;
  for (const r of ranges) {
    at.push(size);
    size += Math.ceil(r.bytes / 4) * 4;
  }
  const staging = device.createBuffer({ size: Math.max(4, size), usage: USAGE.read });
  const enc = device.createCommandEncoder();
  ranges.forEach((r, i) =>
    enc.copyBufferToBuffer(r.src, r.offset, staging, at[i]!, Math.ceil(r.bytes / 4) * 4),
  );
  device.queue.submit([enc.finish()]);
  try {
    await staging.mapAsync(0x0001);
    const all = staging.getMappedRange();
    return ranges.map((r, i) => all.slice(at[i]!, at[i]! + r.bytes));
  } finally {
    staging.destroy();
  }
}

/** Reads a buffer back (copy to a mappable buffer, map, copy out). */
export async function readBuffer(
  device: GPUDevice,
  src: GPUBuffer,
  offset: number,
  bytes: number,
): Promise<ArrayBuffer> {
  const size = Math.ceil(bytes / 4) * 4;
  const staging = device.createBuffer({ size, usage: USAGE.read });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, offset, staging, 0, size);
  device.queue.submit([enc.finish()]);
  try {
    await staging.mapAsync(0x0001);
    return staging.getMappedRange().slice(0, bytes);
  } finally {
    staging.destroy();
  }
}
