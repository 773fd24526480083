/**
 * Live sessions inside the engine worker, free of worker globals (Node tests run it): one
 * session at a time; audio that arrives while the model loads waits for it; updates and errors
 * go out as LiveEvents.
 */
import { SlimError, toErrorData } from '../../models/errors.ts';
import type { LiveEvent, LiveRequest, LiveStartOptions } from './protocol.ts';
import { LiveSession, LiveTranscriber, type LiveModel } from './streaming.ts';

/** Default live audio context: 10 s (bench/live.ts measures its cost against 30 s). */
export const LIVE_AUDIO_CTX_S = 10;

export interface LiveHostDeps {
  post(ev: LiveEvent): void;
  /** The live model for `model` with an encoder of `audioCtxS` seconds (kept by the caller). */
  openModel(model: string, audioCtxS: number): Promise<LiveModel>;
}

interface Active {
  sessionId: string;
  /** Chunks that came before the session was ready. */
  early: Float32Array[];
  session: LiveSession | null;
  transcriber: LiveTranscriber | null;
  ready: Promise<void>;
  stopping: boolean;
}

export class LiveHost {
  private active: Active | null = null;

  constructor(private readonly deps: LiveHostDeps) {}

  handle(req: LiveRequest): void {
    switch (req.type) {
      case 'live:start':
        return this.start(req.sessionId, req.options);
      case 'live:audio': {
        const a = this.active;
        if (!a || a.sessionId !== req.sessionId || a.stopping) return; // late chunks of a stopped session
        if (a.session) a.session.push(req.samples);
        else a.early.push(req.samples);
        return;
      }
      case 'live:stop':
        void this.stop(req.sessionId);
        return;
    }
  }

  private start(sessionId: string, o: LiveStartOptions): void {
    if (this.active) {
      this.fail(sessionId, new SlimError('INVALID_ARGUMENT', 'a live session is already running'));
      return;
    }
    const a: Active = {
      sessionId,
      early: [],
      session: null,
      transcriber: null,
      ready: Promise.resolve(),
      stopping: false,
    };
    this.active = a;
    a.ready = (async () => {
      const model = await this.deps.openModel(o.model, o.audioCtxS ?? LIVE_AUDIO_CTX_S);
      const t = await LiveTranscriber.open(model, {
        language: o.language,
        task: o.task,
        ...(o.intervalMs ? { intervalMs: o.intervalMs } : {}),
      });
      a.transcriber = t;
      a.session = new LiveSession(
        t,
        (update) => this.deps.post({ type: 'live:update', sessionId, update }),
        (err) => this.fail(sessionId, err),
      );
      this.deps.post({
        type: 'live:started',
        sessionId,
        nAudioCtx: model.dims.nAudioCtx,
        intervalMs: t.intervalMs,
      });
      // As one piece: the first pass then sees all the audio that waited.
      const early = a.early.splice(0);
      const joined = new Float32Array(early.reduce((n, c) => n + c.length, 0));
      early.reduce((at, c) => (joined.set(c, at), at + c.length), 0);
      if (joined.length) a.session.push(joined);
    })();
    a.ready.catch((err) => {
      this.fail(sessionId, err);
      if (this.active === a) this.active = null;
    });
  }

  private async stop(sessionId: string): Promise<void> {
    const a = this.active;
    if (!a || a.sessionId !== sessionId || a.stopping) return;
    a.stopping = true;
    try {
      await a.ready;
      await a.session?.stop();
    } catch (err) {
      this.fail(sessionId, err);
    } finally {
      a.transcriber?.dispose();
      if (this.active === a) this.active = null;
      this.deps.post({ type: 'live:stopped', sessionId });
    }
  }

  private fail(sessionId: string, err: unknown): void {
    this.deps.post({ type: 'live:error', sessionId, error: toErrorData(err) });
  }
}
