/**
 * Streaming resampler to 16 kHz: libsamplerate's band-limited sinc converter
 * (@alexanderolsen/libsamplerate-js, libsamplerate compiled to WASM, MIT). The WASM is inlined in
 * the package's JS, so Node, the renderer and a worker load it the same way, with no fetch.
 *
 * SRC_SINC_MEDIUM_QUALITY: measured here (tests/app/audio/resample.test.ts) flat to 0.3 dB up to
 * 7 kHz and ≥ 115 dB down above 8.2 kHz, at ~100× real time for 44.1/48 kHz input. BEST_QUALITY
 * (flat to 7.6 kHz) runs at ~15× real time — too slow for hours of audio, and Whisper's mel
 * filters put little weight between 7 and 8 kHz.
 */
import * as libsamplerate from '@alexanderolsen/libsamplerate-js';
import { SlimError } from '../../models/errors.ts';
import { TARGET_RATE } from './types.ts';

type Lib = typeof libsamplerate;
type Src = Awaited<ReturnType<Lib['create']>>;

// The package is a UMD bundle: Node's ESM loader exposes it as `default`, bundlers as the namespace.
const lib: Lib = (libsamplerate as Lib & { default?: Lib }).default ?? libsamplerate;

const MEDIUM_QUALITY = 1; // ConverterType.SRC_SINC_MEDIUM_QUALITY
/** libsamplerate-js accepts rates in [1, 192000]. */
export const MAX_INPUT_RATE = 192000;
/** Input per WASM call: its I/O buffers hold ~1M floats, and output = input × ratio. */
const MAX_BLOCK = 65536;

export interface StreamResampler {
  readonly inputRate: number;
  /** Resamples the next input samples; returns what is ready (the filter holds back a few). */
  push(input: Float32Array): Float32Array;
  /** Ends the stream: returns the held-back tail so that the total is round(inputs × 16000 / rate). */
  flush(): Float32Array;
}

/** Output length for `inputSamples` at `inputRate`: the rule every decoder path here follows. */
export function resampledLength(inputSamples: number, inputRate: number): number {
  return Math.round((inputSamples * TARGET_RATE) / inputRate);
}

function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

class Passthrough implements StreamResampler {
  readonly inputRate = TARGET_RATE;
  push(input: Float32Array): Float32Array {
    return input;
  }
  flush(): Float32Array {
    return new Float32Array(0);
  }
}

class SincResampler implements StreamResampler {
  private consumed = 0;
  private produced = 0;
  private done = false;
  constructor(
    readonly inputRate: number,
    private readonly src: Src,
  ) {}

  push(input: Float32Array): Float32Array {
    if (this.done) throw new SlimError('INTERNAL', 'resampler used after flush()');
    const parts: Float32Array[] = [];
    for (let i = 0; i < input.length; i += MAX_BLOCK)
      parts.push(this.src.full(input.subarray(i, i + MAX_BLOCK)));
    this.consumed += input.length;
    const out = parts.length ? concat(parts) : new Float32Array(0);
    this.produced += out.length;
    return out;
  }

  flush(): Float32Array {
    const target = resampledLength(this.consumed, this.inputRate);
    const zeros = new Float32Array(Math.ceil(this.inputRate / 10));
    const parts: Float32Array[] = [];
    // libsamplerate-js never sets end_of_input: zeros push the filter's tail out instead.
    for (let i = 0; this.produced < target; i++) {
      if (i > 100) throw new SlimError('INTERNAL', `resampler from ${this.inputRate} Hz did not drain`);
      const y = this.src.full(zeros);
      parts.push(y.subarray(0, Math.min(y.length, target - this.produced)));
      this.produced += parts[parts.length - 1]!.length;
    }
    this.done = true;
    this.src.destroy();
    return parts.length ? concat(parts) : new Float32Array(0);
  }
}

/** A resampler from `inputRate` Hz to 16 kHz (a passthrough at 16 kHz). */
export async function createResampler(inputRate: number, where = 'audio'): Promise<StreamResampler> {
  if (inputRate === TARGET_RATE) return new Passthrough();
  if (!(inputRate >= 1 && inputRate <= MAX_INPUT_RATE && Number.isInteger(inputRate)))
    throw new SlimError(
      'AUDIO_FORMAT',
      `${where}: cannot resample from ${inputRate} Hz (supported: 1 to ${MAX_INPUT_RATE} Hz)`,
    );
  const src = await lib.create(1, inputRate, TARGET_RATE, { converterType: MEDIUM_QUALITY });
  return new SincResampler(inputRate, src);
}

/** Whole-buffer convenience over the streaming resampler. */
export async function resampleTo16k(input: Float32Array, inputRate: number): Promise<Float32Array> {
  const r = await createResampler(inputRate);
  const head = r.push(input);
  const tail = r.flush();
  return tail.length ? concat([head, tail]) : head;
}
