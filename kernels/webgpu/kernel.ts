/**
 * The shape every launcher shares: a kernel is a cached pipeline; binding it to buffers gives a
 * `Bound` that records its dispatch into a compute pass for a call's row counts.
 */
export interface RunShape {
  /** Rows of the call (batch size of a step, tokens of a prefill chunk). */
  rows: number;
  /** Rows whose logits are wanted. */
  outCount: number;
}

export type Grid = (run: RunShape) => [number, number, number];

export interface Bound {
  readonly label: string;
  dispatch(pass: GPUComputePassEncoder, run: RunShape): void;
}

/** A whole buffer, or a range of one (offsets are multiples of 256 bytes). */
export type BufferRef = GPUBuffer | GPUBufferBinding;

/** Binds `buffers` to bindings 0 … n−1 of group 0. */
export function bindBuffers(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  label: string,
  buffers: BufferRef[],
): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((b, binding) => ({ binding, resource: 'buffer' in b ? b : { buffer: b } })),
  });
}

export function bound(label: string, pipeline: GPUComputePipeline, group: GPUBindGroup, grid: Grid): Bound {
  return {
    label,
    dispatch(pass, run) {
      const [x, y, z] = grid(run);
      if (x === 0 || y === 0 || z === 0) return;
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(x, y, z);
    },
  };
}

export function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}
