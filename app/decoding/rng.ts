/**
 * A small seeded generator for temperature sampling, so that a transcription with T > 0 is
 * reproducible from its seed (PyTorch's global generator plays this part in openai/whisper).
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed = 0) {
    // splitmix32 spreads the seed over the 128-bit state of xoshiro128**.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** Uniform in [0, 1) with 32 random bits. */
  next(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r / 4294967296;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * One draw from softmax(logits / temperature) (torch Categorical(logits=logits / T).sample()):
 * masked (−Infinity) tokens are never drawn.
 */
export function sampleCategorical(logits: ArrayLike<number>, temperature: number, rng: SeededRandom): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  const weights = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const w = logits[i] === -Infinity ? 0 : Math.exp((logits[i]! - max) / temperature);
    weights[i] = w;
    total += w;
  }
  const u = rng.next() * total;
  let acc = 0;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] === 0) continue;
    acc += weights[i]!;
    last = i;
    if (u < acc) return i;
  }
  return last; // rounding at the very top of the range
}
