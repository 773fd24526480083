/**
 * Our engine in the page, built from its web-compatible parts as open-engine.ts builds it in
 * Node: the checkpoint from the model's file bytes (served at /models/), our encoder graph on
 * onnxruntime-web's WASM EP (files at /ort/), the Slim decoder (X-cache forms) on the WASM
 * kernels compiled from /kernels.wasm, and the Transcriber on top.
 */
import * as ort from 'onnxruntime-web';
import { AudioEncoder } from '../../../app/encoder/session.ts';
import { Transcriber } from '../../../app/transcribe/transcriber.ts';
import type { DecoderSession } from '../../../kernels/decoder/types.ts';
import { packDecoder } from '../../../kernels/decoder/weights.ts';
import { createWasmDecoder } from '../../../kernels/wasm/session.ts';
import { wasmApi } from '../../../kernels/wasm/wasm-api.ts';
import { transformersJsCheckpointFromBytes, transformersJsFileNames } from '../../../models/import/bytes.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { convertDecoder } from '../../../models/slim/convert.ts';
import type { SelfForm } from '../../../models/slim/decoder64.ts';
import { WhisperTokenizer } from '../../../models/tokenizer/tokenizer.ts';
import { fetchAudio, type BenchPage, type PageConfig } from './protocol.ts';

const MODEL = '/models/Xenova/whisper-base';

let transcriber: Transcriber;
let encoder: AudioEncoder;
let audio: { clips: Float32Array[]; long: Float32Array };
let config: PageConfig;
const sessions: DecoderSession[] = [];

async function modelFiles(): Promise<Map<string, Uint8Array>> {
  const listing = (await (await fetch(`${MODEL}/files.json`)).json()) as string[];
  const files = new Map<string, Uint8Array>();
  for (const name of transformersJsFileNames(listing, MODEL))
    files.set(name, new Uint8Array(await (await fetch(`${MODEL}/${name}`)).arrayBuffer()));
  return files;
}

const page: BenchPage = {
  async load(c) {
    config = c;
    audio = await fetchAudio(c.clips);
    const t0 = performance.now();
    ort.env.wasm.wasmPaths = '/ort/';
    const ckpt = transformersJsCheckpointFromBytes(await modelFiles(), MODEL);
    const module = await wasmApi.compile(await (await fetch('/kernels.wasm')).arrayBuffer());
    const forms = Array<SelfForm>(ckpt.dims.nTextLayer).fill('x-cache');
    const packed = packDecoder(ckpt, 'slim', { layers: convertDecoder(new Weights64(ckpt), ckpt), forms });
    encoder = await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp32', threads: c.threads });
    transcriber = new Transcriber({
      dims: ckpt.dims,
      tokenizer: WhisperTokenizer.fromVocab(ckpt.vocab!, { multilingual: ckpt.multilingual }),
      ...(ckpt.alignmentHeads ? { alignmentHeads: ckpt.alignmentHeads } : {}),
      encoder,
      createSession: async (size) => {
        const s = await createWasmDecoder(packed, { ...size, module });
        sessions.push(s);
        return s;
      },
    });
    const g = globalThis as unknown as { crossOriginIsolated: boolean };
    return {
      loadSeconds: (performance.now() - t0) / 1000,
      threads: encoder.info.threads,
      crossOriginIsolated: g.crossOriginIsolated,
      notes: [
        `in Chromium: our fp32 encoder graph on onnxruntime-web ${ort.env.versions.web} WASM EP, ${encoder.info.threads} threads; decoder Slim on WASM (kernels.wasm), forms ${forms.join(',')}`,
      ],
    };
  },
  async transcribe(i) {
    const samples = i < 0 ? audio.long : audio.clips[i]!;
    const t0 = performance.now();
    const r = await transcriber.transcribe(samples, {
      language: 'en',
      task: 'transcribe',
      beamSize: null,
      bestOf: null,
      temperatures: [0],
      sampleLen: config.maxNewTokens,
    });
    return {
      seconds: (performance.now() - t0) / 1000,
      text: r.text,
      pieces: r.segments.map((s) => ({ startS: s.startMs / 1000, endS: s.endMs / 1000, text: s.text })),
    };
  },
  cacheBytes: () => {
    const m = sessions[0]?.memory();
    return m ? m.cacheBytesPerSequence + m.audioBytes : NaN;
  },
};

(globalThis as unknown as { bench: BenchPage }).bench = page;
