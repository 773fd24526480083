/**
 * The transcription engine's front door: a fixed model (tokenizer, dimensions, alignment heads,
 * an encoder, a way to open decoder sessions) and per-job state made fresh for every call
 * (whisper.cpp's context/state split). transcribe() runs the sequential seek loop of
 * openai/whisper transcribe.py, or the batched mode, over audio in memory or streamed.
 */
import type { DecoderSession } from '../../kernels/decoder/types.ts';
import type { ModelDimensions, WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { SlimError } from '../../models/errors.ts';
import { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { ReferenceDecoderSession } from '../../kernels/decoder/reference-session.ts';
import { HOP_LENGTH, SAMPLE_RATE } from '../../models/features/log-mel.ts';
import type { AudioWindow } from '../audio/types.ts';
import { runBatched } from './batched.ts';
import { Job, type AudioEncoderLike } from './job.ts';
import { MelStream } from './mel-stream.ts';
import {
  resolveTranscribeOptions,
  type ResolvedTranscribeOptions,
  type TranscribeOptions,
} from './options.ts';
import { runSequential } from './sequential.ts';
import type { TranscribeEvent, TranscriptionResult } from './types.ts';

/** Opens a decoder session able to hold `maxBatch` sequences over `maxGroups` audio windows. */
export type SessionFactory = (size: {
  maxBatch: number;
  maxGroups: number;
}) => DecoderSession | Promise<DecoderSession>;

export interface TranscriberInit {
  dims: ModelDimensions;
  tokenizer: WhisperTokenizer;
  /** [layer, head] pairs for word timestamps; default: every head of the upper half of the layers (as model.py). */
  alignmentHeads?: ReadonlyArray<readonly [number, number]>;
  encoder: AudioEncoderLike;
  createSession: SessionFactory;
  /**
   * Word timestamps need a session with align(); when createSession's sessions have none, one
   * from here does the alignment pass (Transcriber.fromCheckpoint: the float64 reference).
   */
  createAlignSession?: SessionFactory;
  /** Where decoding goes on when a session's device is lost (WebGPU → WASM). */
  fallback?: DeviceFallback;
}

/**
 * A second decoder for when the first one's device goes away mid-job: the window being decoded
 * is redone on a session from `createSession`, the windows already finished are kept.
 */
export interface DeviceFallback {
  createSession: SessionFactory;
  /** Whether `err`, thrown by a session, means its device is lost (may wait for device.lost to settle). */
  isDeviceLost(err: unknown): Promise<boolean>;
}

/** 16 kHz mono samples: in memory, or streamed (chunks or app/audio windows). */
export type AudioInput = Float32Array | AsyncIterable<Float32Array | AudioWindow>;

export interface TranscribeHooks {
  onEvent?: (e: TranscribeEvent) => void;
  /** Aborting rejects the job with SlimError 'CANCELLED' at the next await point. */
  signal?: AbortSignal;
  /** Awaited between units of work (windows, encoder runs): a paused job waits here. */
  gate?: () => Promise<void>;
}

/** model.py's default alignment heads: all heads of the upper half of the decoder layers. */
export function defaultAlignmentHeads(dims: ModelDimensions): Array<[number, number]> {
  const heads: Array<[number, number]> = [];
  for (let l = Math.floor(dims.nTextLayer / 2); l < dims.nTextLayer; l++)
    for (let h = 0; h < dims.nTextHead; h++) heads.push([l, h]);
  return heads;
}

async function* samplesOf(input: AsyncIterable<Float32Array | AudioWindow>): AsyncGenerator<Float32Array> {
  for await (const x of input) yield x instanceof Float32Array ? x : x.samples;
}

export class Transcriber {
  readonly alignmentHeads: ReadonlyArray<readonly [number, number]>;
  /**
   * A finished job's session, kept for the next job of the same shape: a session holds the
   * decoder's weights and caches (~200 MB for base on WASM), and dropped ones are reclaimed only
   * when the garbage collector gets to them, so opening one per job grew memory job after job.
   */
  private readonly idle = new Map<string, DecoderSession>();

  constructor(private readonly init: TranscriberInit) {
    this.alignmentHeads = init.alignmentHeads ?? defaultAlignmentHeads(init.dims);
  }

  /**
   * A transcriber for a loaded checkpoint: its tokenizer and alignment heads, the given encoder
   * and session factory, and float64 reference sessions for word alignment when needed.
   */
  static fromCheckpoint(
    ckpt: WhisperCheckpoint,
    encoder: AudioEncoderLike,
    createSession: SessionFactory,
  ): Transcriber {
    if (!ckpt.vocab) throw new SlimError('TOKENIZER', 'the checkpoint carries no vocabulary');
    return new Transcriber({
      dims: ckpt.dims,
      tokenizer: WhisperTokenizer.fromVocab(ckpt.vocab, { multilingual: ckpt.multilingual }),
      ...(ckpt.alignmentHeads ? { alignmentHeads: ckpt.alignmentHeads } : {}),
      encoder,
      createSession,
      createAlignSession: () => new ReferenceDecoderSession(ckpt, 'slim', 1, 1),
    });
  }

  get tokenizer(): WhisperTokenizer {
    return this.init.tokenizer;
  }

  async transcribe(
    audio: AudioInput,
    options: TranscribeOptions = {},
    hooks: TranscribeHooks = {},
  ): Promise<TranscriptionResult> {
    const o = resolveTranscribeOptions(options);
    const emit = hooks.onEvent ?? ((): void => undefined);
    const inMemory = audio instanceof Float32Array;
    const melOpts = {
      nMels: this.init.dims.nMels,
      windowFrames: 2 * this.init.dims.nAudioCtx,
      signal: hooks.signal,
    };
    const mel = inMemory ? MelStream.fromSamples(audio, melOpts) : new MelStream(samplesOf(audio), melOpts);
    if (inMemory && o.durationMs === null) o.durationMs = (audio.length / SAMPLE_RATE) * 1000;
    this.checkLanguage(o, emit);
    const nGroup = Math.max(o.decode.beamSize ?? 1, o.decode.bestOf ?? 1);
    const batch = o.mode === 'batched' ? (o.batchSize ?? 8) : 1;
    const size = { maxBatch: batch * nGroup, maxGroups: batch };
    const session = await this.takeSession(size);
    const job = new Job({
      tokenizer: this.init.tokenizer,
      dims: this.init.dims,
      session,
      encoder: this.init.encoder,
      mel,
      options: o,
      alignmentHeads: this.alignmentHeads,
      ...(this.init.createAlignSession ? { alignSession: this.alignSessionFactory() } : {}),
      emit,
      ...(this.init.fallback ? { fallback: this.init.fallback } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(hooks.gate ? { gate: hooks.gate } : {}),
    });
    try {
      if (o.wordTimestamps && !session.align && !this.init.createAlignSession)
        throw new SlimError(
          'INVALID_ARGUMENT',
          'word timestamps need a decoder session with align() or createAlignSession',
        );
      await (o.mode === 'batched' ? runBatched(job, batch) : runSequential(job));
      this.keepSession(size, job.d.session, session);
    } catch (err) {
      if (err instanceof SlimError && err.code === 'CANCELLED')
        this.keepSession(size, job.d.session, session);
      else job.d.session.dispose(); // or the fallback session, if the job moved to one
      throw err;
    } finally {
      job.dispose();
    }
    return this.result(job, o, mel);
  }

  /** Frees the sessions kept between jobs. The transcriber stays usable (it opens new ones). */
  dispose(): void {
    for (const s of this.idle.values()) s.dispose();
    this.idle.clear();
  }

  private async takeSession(size: { maxBatch: number; maxGroups: number }): Promise<DecoderSession> {
    const key = `${size.maxBatch}x${size.maxGroups}`;
    const kept = this.idle.get(key);
    if (kept) {
      this.idle.delete(key);
      return kept;
    }
    return this.init.createSession(size);
  }

  /** Keeps the job's session for the next job, unless the job moved to a fallback session. */
  private keepSession(
    size: { maxBatch: number; maxGroups: number },
    used: DecoderSession,
    opened: DecoderSession,
  ): void {
    const key = `${size.maxBatch}x${size.maxGroups}`;
    if (used !== opened || this.idle.has(key)) used.dispose();
    else this.idle.set(key, used);
  }

  private alignSessionFactory(): () => Promise<DecoderSession> {
    return async () => this.init.createAlignSession!({ maxBatch: 1, maxGroups: 1 });
  }

  /** English-only models transcribe English (as the whisper command line corrects a wrong --language). */
  private checkLanguage(o: ResolvedTranscribeOptions, emit: (e: TranscribeEvent) => void): void {
    if (
      this.init.tokenizer.multilingual ||
      o.language === null ||
      o.language.toLowerCase() === 'en' ||
      o.language.toLowerCase() === 'english'
    )
      return;
    emit({
      type: 'warning',
      code: 'language',
      message: `an English-only model was asked for '${o.language}'; transcribing English`,
    });
    o.language = 'en';
  }

  private result(job: Job, o: ResolvedTranscribeOptions, mel: MelStream): TranscriptionResult {
    const frames = mel.contentFrames;
    const durationMs =
      frames !== null ? Math.round((mel.samplesRead / SAMPLE_RATE) * 1000) : (o.durationMs ?? 0);
    job.progress.setDuration(frames !== null ? frames * (HOP_LENGTH / SAMPLE_RATE) * 1000 : durationMs);
    job.progress.report(Infinity);
    return {
      text: job.segments.map((s) => s.text).join(''),
      segments: job.segments,
      language: job.language ?? 'en',
      languageProbs: job.languageProbs,
      durationMs,
      task: o.task,
      mode: o.mode,
    };
  }
}
