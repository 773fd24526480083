/**
 * The microphone's AudioWorklet (bundled to assets/capture-worklet.js): collects the first
 * channel at the device's rate into ~100 ms blocks and posts them to the page, which resamples
 * them to 16 kHz (app/audio/resample.ts, libsamplerate's sinc converter) for the engine worker.
 * Blocks are transferred, not copied; the audio thread does nothing else.
 */

// The AudioWorkletGlobalScope's names (not in TypeScript's DOM lib).
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: new () => AudioWorkletProcessor): void;

export const CAPTURE_PROCESSOR = 'slim-capture';
const BLOCK_SECONDS = 0.1;

class CaptureProcessor extends AudioWorkletProcessor {
  private block = new Float32Array(Math.round(sampleRate * BLOCK_SECONDS));
  private filled = 0;
  private running = true;

  constructor() {
    super();
    this.port.onmessage = (e: MessageEvent<{ type: string }>) => {
      if (e.data.type === 'stop') {
        this.flush();
        this.running = false;
        this.port.postMessage({ type: 'end' });
      }
    };
  }

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    if (input) {
      let at = 0;
      while (at < input.length) {
        const n = Math.min(input.length - at, this.block.length - this.filled);
        this.block.set(input.subarray(at, at + n), this.filled);
        this.filled += n;
        at += n;
        if (this.filled === this.block.length) this.flush();
      }
    }
    return this.running;
  }

  private flush(): void {
    if (this.filled === 0) return;
    const out = this.block.slice(0, this.filled);
    this.port.postMessage({ type: 'block', sampleRate, samples: out }, [out.buffer]);
    this.filled = 0;
  }
}

registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
