import type { WhisperCheckpoint } from '../checkpoint/types.ts';

/** The checkpoint's tensors as float64, converted once on first use. */
export class Weights64 {
  private cache = new Map<string, Float64Array>();
  constructor(readonly ckpt: WhisperCheckpoint) {}

  get(name: string): Float64Array {
    let w = this.cache.get(name);
    if (!w) {
      const t = this.ckpt.tensors.get(name);
      if (!t) throw new Error(`reference: tensor ${name} missing`);
      w = Float64Array.from(t.data);
      this.cache.set(name, w);
    }
    return w;
  }
}
