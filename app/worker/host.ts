/**
 * The worker's message handling, free of worker globals so that it runs in Node tests: it
 * probes the backend on 'init', runs 'transcribe' requests one at a time, and routes pause,
 * resume and cancel to the running or queued job.
 */
import { chooseBackend, probeAdapter, adapterLabel, type GpuLike } from '../encoder/backend.ts';
import { hardwareThreads, threadsAvailable } from '../encoder/runtime.ts';
import { fromErrorData, SlimError, toErrorData } from '../../models/errors.ts';
import type { BackendSetting } from '../ipc/settings.ts';
import type { EngineEnv, EngineHooks, TranscriptionEngine } from './engine.ts';
import { decodePayload, JobControl, runEngine } from './job.ts';
import { isLiveRequest } from '../live/protocol.ts';
import type { LiveModel } from '../live/streaming.ts';
import { LiveHost } from '../live/worker-live.ts';
import type { BackendStatus, ModelData, WorkerEvent, WorkerRequest } from './protocol.ts';

export interface HostDeps {
  post(event: WorkerEvent): void;
  /** navigator.gpu in a worker; undefined in Node tests or where WebGPU is missing. */
  gpu: GpuLike | undefined;
  loadEngine(model: string, backend: BackendStatus, env: EngineEnv): Promise<TranscriptionEngine | null>;
  /** Live captions: the model with an encoder of `audioCtxS` seconds (absent: live requests fail). */
  loadLiveModel?(
    model: string,
    audioCtxS: number,
    backend: BackendStatus,
    env: EngineEnv,
  ): Promise<LiveModel>;
}

export async function probeBackend(
  gpu: GpuLike | undefined,
  preferred: BackendSetting,
  threadsWanted: number,
): Promise<BackendStatus> {
  const probed = await probeAdapter(gpu);
  const choice = chooseBackend({
    preferred,
    adapterInfo: probed.adapterInfo,
    isFallbackAdapter: probed.isFallbackAdapter,
  });
  const isolated = threadsAvailable();
  const threads = isolated ? (threadsWanted > 0 ? threadsWanted : await hardwareThreads()) : 1;
  return {
    backend: choice.backend,
    reason: choice.reason,
    adapter: probed.adapterInfo ? adapterLabel(probed.adapterInfo) : null,
    softwareAdapter: choice.softwareAdapter,
    fellBack: preferred !== 'wasm' && choice.backend === 'wasm',
    threads: choice.backend === 'wasm' ? threads : 1,
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
  };
}

export class EngineHost {
  private backend: Promise<BackendStatus> | null = null;
  private readonly controls = new Map<string, JobControl>();
  private queue: Promise<void> = Promise.resolve();
  /** Models asked of the page ('need-model') and not answered yet. */
  private readonly modelWaiters = new Map<
    string,
    Array<{ resolve: (d: ModelData) => void; reject: (e: unknown) => void }>
  >();
  private readonly env: EngineEnv = {
    fetchModel: (model) =>
      new Promise<ModelData>((resolve, reject) => {
        const waiting = this.modelWaiters.get(model);
        if (waiting) return void waiting.push({ resolve, reject });
        this.modelWaiters.set(model, [{ resolve, reject }]);
        this.deps.post({ type: 'need-model', model });
      }),
    onStatus: (model, state, detail) => this.deps.post({ type: 'engine', model, state, detail }),
  };

  private readonly live = new LiveHost({
    post: (ev) => this.deps.post(ev),
    openModel: async (model, audioCtxS) => {
      if (!this.deps.loadLiveModel) throw new SlimError('BACKEND', 'this engine has no live captions');
      const backend = await (this.backend ?? (this.backend = probeBackend(this.deps.gpu, 'auto', 0)));
      return this.deps.loadLiveModel(model, audioCtxS, backend, this.env);
    },
  });

  constructor(private readonly deps: HostDeps) {}

  handle(req: WorkerRequest): void {
    if (isLiveRequest(req)) return this.live.handle(req);
    switch (req.type) {
      case 'init':
        this.backend = probeBackend(this.deps.gpu, req.backend, req.threads);
        void this.backend.then((b) => this.deps.post({ type: 'ready', backend: b }));
        return;
      case 'model': {
        const waiters = this.modelWaiters.get(req.model) ?? [];
        this.modelWaiters.delete(req.model);
        for (const w of waiters)
          if (req.data) w.resolve(req.data);
          else
            w.reject(
              fromErrorData(
                req.error ?? { code: 'MODEL_NOT_FOUND', message: `model ${req.model}: no files` },
              ),
            );
        return;
      }
      case 'transcribe':
        return this.enqueue(req);
      case 'pause':
        return this.withControl(req.jobId, (c) => {
          c.pause();
          this.deps.post({ type: 'paused', jobId: req.jobId });
        });
      case 'resume':
        return this.withControl(req.jobId, (c) => {
          c.resume();
          this.deps.post({ type: 'resumed', jobId: req.jobId });
        });
      case 'cancel':
        return this.withControl(req.jobId, (c) => c.cancel());
    }
  }

  /** Finishes when every accepted job has ended (tests wait on this). */
  idle(): Promise<void> {
    return this.queue;
  }

  private withControl(jobId: string, f: (c: JobControl) => void): void {
    const c = this.controls.get(jobId);
    if (c) f(c);
    else
      this.deps.post({
        type: 'error',
        jobId,
        error: { code: 'INVALID_ARGUMENT', message: `no job ${jobId} in the worker` },
      });
  }

  private enqueue(req: Extract<WorkerRequest, { type: 'transcribe' }>): void {
    if (this.controls.has(req.jobId)) {
      this.deps.post({
        type: 'error',
        jobId: req.jobId,
        error: { code: 'INVALID_ARGUMENT', message: `job ${req.jobId} is already running` },
      });
      return;
    }
    const control = new JobControl(req.jobId);
    this.controls.set(req.jobId, control);
    this.queue = this.queue.then(() => this.run(req, control)).finally(() => this.controls.delete(req.jobId));
  }

  private async run(req: Extract<WorkerRequest, { type: 'transcribe' }>, control: JobControl): Promise<void> {
    const { jobId } = req;
    const post = this.deps.post;
    try {
      await control.gate();
      const backend = await (this.backend ?? (this.backend = probeBackend(this.deps.gpu, 'auto', 0)));
      const audio = await decodePayload(req.audio, control.abort.signal);
      // A copy for playback: the worker keeps its own samples for the engine.
      post({
        type: 'audio',
        jobId,
        durationS: audio.durationS,
        source: audio.source,
        warnings: audio.warnings,
        playback: audio.samples.slice(),
      });
      post({
        type: 'progress',
        jobId,
        progress: { stage: 'decoding', processedS: 0, totalS: audio.durationS, window: 0, windows: 0 },
      });
      post({
        type: 'progress',
        jobId,
        progress: { stage: 'loading-model', processedS: 0, totalS: audio.durationS, window: 0, windows: 0 },
      });
      const engine = await this.deps.loadEngine(req.options.model, backend, this.env);
      if (engine?.backend && JSON.stringify(engine.backend) !== JSON.stringify(backend)) {
        // The engine could not use what the probe chose (WebGPU failed): the indicator must say so.
        this.backend = Promise.resolve(engine.backend);
        post({ type: 'ready', backend: engine.backend });
      }
      const hooks: EngineHooks = {
        progress: (stage, processedS, window, windows) =>
          post({
            type: 'progress',
            jobId,
            progress: { stage, processedS, totalS: audio.durationS, window, windows },
          }),
        segments: (segments) => post({ type: 'segments', jobId, segments }),
        notice: (code, message, moved) => {
          // Where the engine now runs is where later jobs run: the indicator must follow.
          if (moved) this.backend = Promise.resolve(moved);
          post({ type: 'notice', jobId, code, message, backend: moved });
        },
        gate: () => control.gate(),
        signal: control.abort.signal,
      };
      await runEngine(engine, audio, req.options, hooks);
      post({ type: 'done', jobId });
    } catch (err) {
      if (control.abort.signal.aborted || (err instanceof SlimError && err.code === 'CANCELLED'))
        post({ type: 'cancelled', jobId });
      else post({ type: 'error', jobId, error: toErrorData(err) });
    }
  }
}
