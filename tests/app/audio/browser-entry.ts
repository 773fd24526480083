/**
 * Bundled for Chromium by browser.test.ts: the renderer's audio path (decodeWavBytes and the
 * WASM resampler) run in a page and in a worker. Only web APIs here.
 */
import { decodeWavBytes } from '../../../app/audio/wav-decode.ts';
import { resampleTo16k } from '../../../app/audio/resample.ts';
import { tone, writeWav, rms, db } from './helpers-web.ts';

export interface BrowserResult {
  length: number;
  levelDb: number;
  stopbandDb: number;
  warnings: string[];
  error?: string;
}

async function run(): Promise<BrowserResult> {
  const x = tone(1000, 44100, 88200, 0.5);
  x[100] = NaN;
  const wav = writeWav({ rate: 44100, channels: [x, x], coding: 'float32' });
  const out = await decodeWavBytes(wav, 'page.wav');
  const hf = await resampleTo16k(Float32Array.from(tone(12000, 48000, 48000, 0.5)), 48000);
  return {
    length: out.samples.length,
    levelDb: db(rms(out.samples, 1600, out.samples.length - 1600) / (0.5 / Math.SQRT2)),
    stopbandDb: db(rms(hf, 1600, hf.length - 1600) / (0.5 / Math.SQRT2)),
    warnings: out.warnings,
  };
}

const result = run().catch((e: unknown) => ({
  length: 0,
  levelDb: 0,
  stopbandDb: 0,
  warnings: [],
  error: String(e),
}));
const scope = globalThis as unknown as {
  audioResult?: Promise<BrowserResult>;
  document?: unknown;
  postMessage?: (m: unknown) => void;
};
scope.audioResult = result;
if (!scope.document && scope.postMessage) void result.then((r) => scope.postMessage!(r));
