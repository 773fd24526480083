/**
 * The transcription engine inside the worker. The worker owns messages, audio decoding,
 * pause/resume/cancel and progress; the engine owns everything from log-mel to text.
 *
 * loadEngine builds it from the chosen model's files, which the main process serves
 * (models:files / models:read, only files of an installed model) and the page hands over
 * ('need-model' → 'model'): the byte-based loader (models/import/bytes.ts) parses them, the
 * decoder is converted to Slim and packed here (app/engine/assemble.ts), the encoder runs on
 * onnxruntime-web (its WASM files from ../ort/), the decoder on WebGPU (navigator.gpu in the
 * worker) or on the WASM kernels (assets/kernels.wasm). The checkpoint and packed decoder are
 * kept per model, the engine per model and backend, for the worker's lifetime.
 */
import type { WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { checkpointFromBytes } from '../../models/import/bytes.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import type { PackedDecoder } from '../../kernels/decoder/weights.ts';
import { wasmApi, type WasmModule } from '../../kernels/wasm/wasm-api.ts';
import { assembleEngine, packSlimDecoder, type Engine } from '../engine/assemble.ts';
import type { BackendStatus, EngineNoticeCode, JobStage, ModelData, TranscribeOptions } from './protocol.ts';
import { transcriberEngine } from './transcriber-engine.ts';
import { audioContextOf, decoderWithAudioContext, withAudioContext } from '../live/audio-context.ts';
import type { LiveModel } from '../live/streaming.ts';
import { AudioEncoder } from '../encoder/session.ts';
import { createWasmDecoder } from '../../kernels/wasm/session.ts';
import { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import type { TranscriptSegment } from '../ipc/transcript.ts';

import { SlimError } from '../../models/errors.ts';
import type { GpuContext } from '../../kernels/webgpu/device.ts';

export interface EngineHooks {
  /** Report progress: `processedS` counts from the start of the file. */
  progress(stage: JobStage, processedS: number, window: number, windows: number): void;
  /** Hand finished segments over (they are journaled at once: a crash loses none). */
  segments(segments: TranscriptSegment[]): void;
  /** The job goes on differently than it started; `backend`: where the engine runs now (null: unchanged). */
  notice(code: EngineNoticeCode, message: string, backend: BackendStatus | null): void;
  /** Await between units of work: waits while the job is paused, throws CANCELLED when cancelled. */
  gate(): Promise<void>;
  signal: AbortSignal;
}

export interface EngineInput {
  /** 16 kHz mono, starting `offsetS` seconds into the file (a resumed job skips what it has). */
  samples: Float32Array;
  offsetS: number;
  /** Length of the whole file in seconds. */
  totalS: number;
}

export interface TranscriptionEngine {
  transcribe(input: EngineInput, options: TranscribeOptions, hooks: EngineHooks): Promise<void>;
  /** Where it really runs, when that differs from the probe's choice (WebGPU failed or was lost: WASM). */
  readonly backend?: BackendStatus;
}

/** What loadEngine needs from its surroundings (the worker's; tests may give their own). */
export interface EngineEnv {
  /** The model's files, asked of the page (which asks the main process). */
  fetchModel(model: string): Promise<ModelData>;
  /** Told when a model starts and finishes loading (for the UI). */
  onStatus?(model: string, state: 'loading' | 'ready', detail: string): void;
  /** The compiled kernel module; default: assets/kernels.wasm beside the worker script. */
  kernels?: () => Promise<WasmModule>;
  /** The WebGPU device to decode on; default: one of the engine's own (navigator.gpu). */
  gpu?: GpuContext;
}

/** The worker script's URL (assets/engine-worker.js): kernels.wasm and ../ort/ are beside it. */
function scriptUrl(): string {
  return (globalThis as unknown as { location: { href: string } }).location.href;
}

let kernelModule: Promise<WasmModule> | null = null;

function kernelsFromAssets(): Promise<WasmModule> {
  kernelModule ??= (async () => {
    const res = await fetch(new URL('./kernels.wasm', scriptUrl()));
    if (!res.ok) throw new SlimError('BACKEND', `kernels.wasm could not be loaded (HTTP ${res.status})`);
    return wasmApi.compile(await res.arrayBuffer());
  })();
  kernelModule.catch(() => (kernelModule = null));
  return kernelModule;
}

let ortConfigured = false;

/** onnxruntime-web fetches its .wasm (and thread workers' .mjs) from dist/renderer/ort/. */
async function configureOrt(): Promise<void> {
  if (ortConfigured || typeof process !== 'undefined') return; // Node resolves its own files
  const ort = await import('onnxruntime-web');
  ort.env.wasm.wasmPaths = new URL('../ort/', scriptUrl()).href;
  ort.env.logLevel = 'error';
  ortConfigured = true;
}

interface Prepared {
  model: string;
  ckpt: WhisperCheckpoint;
  packed: { packed: PackedDecoder; forms: SelfForm[] };
  calibrated: boolean;
}

let prepared: Promise<Prepared> | null = null;
/** `status` is where the engine runs: it changes when a job loses the WebGPU device. */
const engines = new Map<string, Promise<{ engine: Engine; status: BackendStatus }>>();

/** Parses, converts and packs a model once (one model is kept: a new one replaces it). */
function prepare(model: string, env: EngineEnv): Promise<Prepared> {
  if (prepared) {
    const p = prepared;
    return p.then((x) => (x.model === model ? x : fresh()));
  }
  return fresh();

  function fresh(): Promise<Prepared> {
    const dropped = new Set<Promise<{ engine: Engine }>>(); // an engine moved to WASM has two keys
    for (const [key, e] of engines)
      if (key.startsWith(`${model}|`) === false) {
        engines.delete(key);
        dropped.add(e);
      }
    for (const e of dropped) void e.then((x) => x.engine.dispose()).catch(() => undefined);
    prepared = (async () => {
      const data = await env.fetchModel(model);
      const ckpt = await checkpointFromBytes(data.format, new Map(Object.entries(data.files)), model);
      return { model, ckpt, packed: packSlimDecoder(ckpt, data.forms), calibrated: data.forms !== null };
    })();
    prepared.catch(() => (prepared = null));
    return prepared;
  }
}

/** The badge's line: where each part runs, and the Slim form of each decoder layer ('k,k,k,x,k,k'). */
export function describe(engine: Engine): string {
  const i = engine.info;
  const dec = i.decoder === 'webgpu' ? `WebGPU (${i.adapter ?? 'GPU'})` : 'WASM kernels';
  const forms = i.forms.map((f) => (f === 'k-cache' ? 'k' : 'x')).join(',');
  const threads = `${i.threads} thread${i.threads === 1 ? '' : 's'}`;
  const measured = i.calibrated ? 'measured forms' : 'X-cache: no measured forms';
  return `encoder on ${i.encoder} (${threads}), Slim decoder on ${dec} (Slim ${forms}, ${measured})`;
}

/**
 * The engine for `model` on the probed backend. Where WebGPU was chosen but its decoder cannot
 * start, the engine runs on WASM and says so (its `backend` carries the fallback and the reason).
 */
export async function loadEngine(
  model: string,
  backend: BackendStatus,
  env: EngineEnv,
): Promise<TranscriptionEngine> {
  const key = `${model}|${backend.backend}|${backend.threads}`;
  let entry = engines.get(key);
  if (!entry) {
    entry = (async () => {
      const startMs = performance.now();
      env.onStatus?.(model, 'loading', 'Loading the model…');
      await configureOrt();
      const p = await prepare(model, env);
      const engine = await assembleEngine(
        p.ckpt,
        {
          // A software adapter reaches here only when WebGPU was asked for by name.
          backend: backend.backend === 'wasm' ? 'wasm' : backend.softwareAdapter ? 'webgpu' : 'auto',
          // The encoder runs on WASM either way: on WebGPU it gets every core (the badge's count is WASM's).
          ...(backend.backend === 'wasm' ? { threads: backend.threads } : {}),
          // null where none were measured: the engine reports its forms as not calibrated.
          forms: p.calibrated ? p.packed.forms : null,
          wasmModule: env.kernels ?? kernelsFromAssets,
          ...(env.gpu ? { gpu: env.gpu } : {}),
          fallback: true,
        },
        p.packed,
      );
      const fellBack = backend.backend === 'webgpu' && engine.info.decoder === 'wasm';
      const status: BackendStatus = fellBack
        ? {
            ...backend,
            backend: 'wasm',
            fellBack: true,
            threads: engine.info.threads,
            reason: engine.info.notice ?? 'WebGPU could not start: using WASM',
          }
        : { ...backend, threads: engine.info.decoder === 'wasm' ? engine.info.threads : backend.threads };
      const loadS = (performance.now() - startMs) / 1000;
      env.onStatus?.(model, 'ready', `${describe(engine)} (loaded in ${loadS.toFixed(0)} s)`);
      return { engine, status };
    })();
    entry.catch(() => engines.delete(key));
    engines.set(key, entry);
  }
  const loaded = await entry;
  const loadedEntry = entry;
  const inner = transcriberEngine(loaded.engine.transcriber);
  return {
    get backend() {
      return loaded.status;
    },
    transcribe: (input, options, hooks) =>
      inner.transcribe(input, options, {
        ...hooks,
        notice: (code, message) => {
          // A lost device: this engine decodes on WASM from now on, this job and later ones.
          if (code === 'backend-fallback' && loaded.status.backend === 'webgpu') {
            // The encoder keeps its threads (on WebGPU it had every core): the badge counts them.
            const threads = loaded.engine.info.threads;
            loaded.status = { ...loaded.status, backend: 'wasm', fellBack: true, reason: message, threads };
            // Later jobs ask for WASM: this engine is one now (its sessions open on WASM), build no other.
            const movedKey = `${model}|wasm|${threads}`;
            if (!engines.has(movedKey)) engines.set(movedKey, loadedEntry);
          }
          hooks.notice(code, message, loaded.status);
        },
      }),
  };
}

const liveModels = new Map<string, Promise<LiveModel>>();

/**
 * The live-caption model (app/live): the prepared checkpoint with an encoder of `audioCtxS`
 * seconds (a shorter context than 30 s makes each live pass cheaper, app/live/audio-context.ts)
 * and the WASM Slim decoder, kept per model and context.
 */
export function loadLiveModel(
  model: string,
  audioCtxS: number,
  backend: BackendStatus,
  env: EngineEnv,
): Promise<LiveModel> {
  const key = `${model}|${audioCtxS}`;
  let entry = liveModels.get(key);
  if (!entry) {
    entry = (async () => {
      await configureOrt();
      const p = await prepare(model, env);
      const nAudioCtx = audioContextOf(p.ckpt, audioCtxS);
      const view = withAudioContext(p.ckpt, nAudioCtx);
      const packed = decoderWithAudioContext(p.packed.packed, nAudioCtx);
      const encoder = await AudioEncoder.create(view, {
        backend: 'wasm',
        precision: 'fp32',
        threads: backend.threads,
      });
      const kernels = env.kernels ?? kernelsFromAssets;
      return {
        dims: view.dims,
        tokenizer: WhisperTokenizer.fromVocab(p.ckpt.vocab!, { multilingual: p.ckpt.multilingual }),
        encoder,
        createSession: async (s) => createWasmDecoder(packed, { ...s, module: await kernels() }),
      };
    })();
    entry.catch(() => liveModels.delete(key));
    liveModels.set(key, entry);
  }
  return entry;
}
