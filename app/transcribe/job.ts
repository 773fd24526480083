/**
 * Per-job state shared by the sequential and batched loops: the decoder session, the language,
 * the hallucination guard, progress, and the steps every decoded window goes through (segments
 * from its tokens, word timestamps, flags, emission).
 */
import type { AlignResult, DecoderSession } from '../../kernels/decoder/types.ts';
import type { ModelDimensions } from '../../models/checkpoint/types.ts';
import { SlimError } from '../../models/errors.ts';
import type { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { throwIfCancelled } from '../decoding/cancel.ts';
import { decodeWithFallback, type WindowOutcome, type WindowRequest } from '../decoding/fallback.ts';
import { sotSequence } from '../decoding/initial-tokens.ts';
import { detectLanguage, type LanguageProbability } from '../decoding/language.ts';
import type { DecodingOptions } from '../decoding/options.ts';
import { SeededRandom } from '../decoding/rng.ts';
import { findAlignment } from './alignment/find-alignment.ts';
import { snapWordsToSpeech, speechSpans, splitAtPauses } from './alignment/speech-snap.ts';
import { addWordTimestamps, type TimedWord } from './alignment/word-timestamps.ts';
import { HallucinationGuard, type WindowLevels } from './guard.ts';
import type { MelStream } from './mel-stream.ts';
import type { ResolvedTranscribeOptions } from './options.ts';
import type { DeviceFallback } from './transcriber.ts';
import { ProgressTracker } from './progress.ts';
import { splitWindow, type WindowSplit } from './segments.ts';
import {
  HALLUCINATION_FLAGS,
  type SegmentFlag,
  type TranscribeEvent,
  type TranscriptionSegment,
} from './types.ts';

/** Anything that turns a [nMels, 3000] log-mel window into E [nAudioCtx · nAudioState]. */
export interface AudioEncoderLike {
  encode(mel: Float32Array): Promise<Float32Array>;
}

/** A decoded window: where it is, its audio, and the decoding kept for it. */
export interface DecodedWindow {
  seek: number;
  frames: number;
  group: number;
  audio: Float32Array;
  levels: WindowLevels;
  outcome: WindowOutcome;
}

/** A segment on its way out, in seconds as transcribe.py keeps them. */
export interface WorkSegment {
  start: number;
  end: number;
  tokens: number[];
  textTokens: number[];
  text: string;
  words: TimedWord[];
}

export interface JobDeps {
  tokenizer: WhisperTokenizer;
  dims: ModelDimensions;
  session: DecoderSession;
  encoder: AudioEncoderLike;
  mel: MelStream;
  options: ResolvedTranscribeOptions;
  alignmentHeads: ReadonlyArray<readonly [number, number]>;
  /** A session with align(), when `session` has none (created on first use). */
  alignSession?: () => Promise<DecoderSession>;
  emit: (e: TranscribeEvent) => void;
  /** Takes over decoding when `session`'s device is lost (session is replaced, once). */
  fallback?: DeviceFallback;
  signal?: AbortSignal;
  gate?: () => Promise<void>;
}

export class Job {
  readonly rng: SeededRandom;
  readonly progress: ProgressTracker;
  readonly guard: HallucinationGuard;
  readonly segments: TranscriptionSegment[] = [];
  language: string | null;
  languageProbs: LanguageProbability[] = [];
  private alignFallback: DecoderSession | undefined;
  private movedToFallback = false;

  constructor(readonly d: JobDeps) {
    this.rng = new SeededRandom(d.options.seed);
    this.progress = new ProgressTracker(d.emit, d.options.durationMs);
    this.guard = new HallucinationGuard(d.options.guard);
    this.language = d.tokenizer.multilingual ? d.options.language : 'en';
  }

  /** Awaits the caller's pause gate and checks for cancellation: between units of work. */
  async checkpoint(): Promise<void> {
    throwIfCancelled(this.d.signal);
    await this.d.gate?.();
    throwIfCancelled(this.d.signal);
  }

  /**
   * Runs one window's decoder work (setAudio, language, decode). When the session's device is
   * lost, the job moves to the fallback session and the window is redone there: `work` must
   * read job.d.session afresh and leave no state behind when it throws. Windows finished
   * before are kept as they are.
   */
  async onDecoder<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const f = this.d.fallback;
      if (!f || this.movedToFallback || !(await f.isDeviceLost(err))) throw err;
      const lost = this.d.session;
      this.movedToFallback = true;
      this.d.session = await f.createSession({ maxBatch: lost.maxBatch, maxGroups: lost.maxGroups });
      try {
        lost.dispose();
      } catch {
        // a session on a destroyed device may fail to release its buffers: they are gone anyway
      }
      this.d.emit({
        type: 'notice',
        code: 'backend-fallback',
        message: `the ${lost.backend} decoder lost its device (${(err as Error).message}): continuing on ${this.d.session.backend} from window ${this.progress.windows + 1}, the ${this.progress.windows} before kept`,
      });
      return work();
    }
  }

  async encode(mel: Float32Array): Promise<Float32Array> {
    await this.checkpoint();
    const e = await this.d.encoder.encode(mel);
    const want = this.d.dims.nAudioCtx * this.d.dims.nAudioState;
    if (e.length !== want)
      throw new SlimError('INTERNAL', `encoder output holds ${e.length} values, expected ${want}`);
    return e;
  }

  /** Detects the language from audio group `group` unless it is known (transcribe.py: first window). */
  async ensureLanguage(group: number): Promise<void> {
    if (this.language !== null) return;
    const probs = await detectLanguage(this.d.session, this.d.tokenizer, group);
    this.language = probs[0]!.language;
    this.languageProbs = probs.slice(0, this.d.options.topLanguages);
    this.d.emit({ type: 'language', language: this.language, probabilities: this.languageProbs });
  }

  /** The per-window decoding options with the job's language. */
  decodeOptions(): DecodingOptions {
    return { ...this.d.options.decode, language: this.language ?? 'en' };
  }

  async decode(requests: WindowRequest[]): Promise<WindowOutcome[]> {
    await this.checkpoint();
    const ctx = {
      session: this.d.session,
      tokenizer: this.d.tokenizer,
      rng: this.rng,
      signal: this.d.signal,
    };
    const out = await decodeWithFallback(ctx, requests, this.decodeOptions(), this.d.options.fallback);
    this.progress.windows += requests.length;
    return out;
  }

  /** Segments of a decoded window (transcribe.py) with the split that decides the next seek. */
  workSegments(w: DecodedWindow): { work: WorkSegment[]; split: WindowSplit } {
    const tok = this.d.tokenizer;
    const split = splitWindow(w.outcome.result.tokens, w.seek, w.frames, tok.timestampBegin);
    const work = split.segments.map((s) => {
      const textTokens = s.tokens.filter((t) => t < tok.eot);
      return {
        start: s.startMs / 1000,
        end: s.endMs / 1000,
        tokens: s.tokens,
        textTokens,
        text: tok.decode(textTokens),
        words: [],
      };
    });
    return { work, split };
  }

  /** Word timestamps for a window's segments (timing.py); returns the new last-speech time. */
  async addWords(w: DecodedWindow, work: WorkSegment[], lastSpeech: number): Promise<number> {
    await this.checkpoint();
    const tok = this.d.tokenizer;
    const sot = sotSequence(tok, {
      language: this.language,
      task: this.d.options.task,
      withoutTimestamps: false,
    });
    const alignment = await findAlignment(
      {
        tokenizer: tok,
        sotSequence: sot,
        textTokens: work.flatMap((s) => s.textTokens),
        numFrames: w.frames,
        nHeads: this.d.alignmentHeads.length,
        nAudioCtx: this.d.dims.nAudioCtx,
        language: this.language ?? 'en',
      },
      (tokens) => this.alignPass(w, tokens),
    );
    const last = addWordTimestamps(work, alignment, {
      timeOffset: w.seek / 100,
      lastSpeechTimestamp: lastSpeech,
      prependPunctuations: this.d.options.prependPunctuations,
      appendPunctuations: this.d.options.appendPunctuations,
    });
    return this.refineWords(w, work) ?? last;
  }

  /**
   * Speech-snapped word times and segments cut at pauses (speech-snap.ts), in place; returns the
   * new last-speech time, or null when nothing changed.
   */
  private refineWords(w: DecodedWindow, work: WorkSegment[]): number | null {
    const o = this.d.options;
    if (!o.speechSnap && o.splitPauseMs === null) return null;
    if (o.speechSnap) {
      const spans = speechSpans(w.levels, o.vad);
      for (const s of work) {
        if (s.words.length === 0) continue;
        snapWordsToSpeech(s.words, spans);
        s.start = s.words[0]!.start;
        s.end = s.words[s.words.length - 1]!.end;
      }
    }
    if (o.splitPauseMs !== null) {
      const pause = o.splitPauseMs / 1000;
      const decode = (t: number[]): string => this.d.tokenizer.decode(t);
      const parts = work.flatMap((s) => splitAtPauses(s, pause, this.d.tokenizer.eot, decode));
      work.splice(0, work.length, ...parts);
    }
    const words = work.flatMap((s) => s.words);
    return words.length ? words[words.length - 1]!.end : null;
  }

  private async alignPass(w: DecodedWindow, tokens: number[]): Promise<AlignResult> {
    const req = { heads: this.d.alignmentHeads };
    const s = this.d.session;
    if (s.align) return s.align(0, w.group, tokens, req);
    if (!this.d.alignSession)
      throw new SlimError(
        'INVALID_ARGUMENT',
        'word timestamps need a decoder that returns cross-attention weights',
      );
    this.alignFallback ??= await this.d.alignSession();
    await this.alignFallback.setAudio([w.audio]);
    return this.alignFallback.align!(0, 0, tokens, req);
  }

  /**
   * Flags, guard, emission: the last step of every kept window. Returns the segments kept and
   * whether the guard suspected a hallucination among them.
   */
  finish(w: DecodedWindow, work: WorkSegment[]): { kept: TranscriptionSegment[]; hallucinated: boolean } {
    const kept: TranscriptionSegment[] = [];
    let hallucinated = false;
    for (const s of work) {
      if (s.start === s.end || s.text.trim() === '') continue; // transcribe.py clears these; we drop them
      const seg = this.toSegment(w, s);
      if (seg.flags.some((f) => HALLUCINATION_FLAGS.has(f))) {
        hallucinated = true;
        this.warnHallucination(seg);
        if (this.d.options.guard.action === 'skip') continue;
      }
      seg.id = this.segments.length;
      this.segments.push(seg);
      kept.push(seg);
      this.d.emit({ type: 'segment', segment: seg });
    }
    if (w.outcome.fallbackFailed && kept.length) this.warnFallback(kept);
    return { kept, hallucinated };
  }

  private toSegment(w: DecodedWindow, s: WorkSegment): TranscriptionSegment {
    const r = w.outcome.result;
    const seg: TranscriptionSegment = {
      id: -1,
      startMs: Math.round(s.start * 1000),
      endMs: Math.round(s.end * 1000),
      text: s.text,
      tokens: s.tokens,
      avgLogProb: r.avgLogProb,
      noSpeechProb: r.noSpeechProb,
      compressionRatio: r.compressionRatio,
      temperature: r.temperature,
      flags: this.qualityFlags(w.outcome),
    };
    const guardFlags = this.guard.check({ ...seg, textTokens: s.textTokens }, w.levels);
    seg.flags.push(...guardFlags);
    if (this.d.options.wordTimestamps) {
      seg.words = s.words.map((x) => ({
        text: x.word,
        startMs: Math.round(x.start * 1000),
        endMs: Math.round(x.end * 1000),
        probability: x.probability,
      }));
      if (isSegmentAnomaly(s.words, this.d.options.appendPunctuations + this.d.options.prependPunctuations))
        seg.flags.push('anomalous-words');
    }
    return seg;
  }

  private qualityFlags(o: WindowOutcome): SegmentFlag[] {
    const f = this.d.options.fallback;
    const flags: SegmentFlag[] = [];
    if (o.fallbackFailed) flags.push('fallback-failed');
    if (f.noSpeechThreshold !== null && o.result.noSpeechProb > f.noSpeechThreshold) flags.push('no-speech');
    if (f.logProbThreshold !== null && o.result.avgLogProb < f.logProbThreshold) flags.push('low-confidence');
    return flags;
  }

  private warnHallucination(seg: TranscriptionSegment): void {
    const kinds = seg.flags.filter((f) => HALLUCINATION_FLAGS.has(f)).join(', ');
    const what = this.d.options.guard.action === 'skip' ? 'skipped' : 'flagged';
    this.d.emit({
      type: 'warning',
      code: 'hallucination',
      message: `possible hallucination at ${clock(seg.startMs)}–${clock(seg.endMs)} (${kinds}), ${what}: ${JSON.stringify(seg.text.trim())}`,
      ...(what === 'flagged' ? { segmentId: this.segments.length } : {}),
      startMs: seg.startMs,
      endMs: seg.endMs,
    });
  }

  private warnFallback(kept: TranscriptionSegment[]): void {
    const first = kept[0]!;
    const last = kept[kept.length - 1]!;
    this.d.emit({
      type: 'warning',
      code: 'fallback-failed',
      message: `${clock(first.startMs)}–${clock(last.endMs)}: no temperature met the compression-ratio and log-prob thresholds; kept the last decoding`,
      startMs: first.startMs,
      endMs: last.endMs,
    });
  }

  dispose(): void {
    this.alignFallback?.dispose();
  }
}

/** timing-based anomaly (transcribe.py is_segment_anomaly): improbable, too short or too long words. */
export function isSegmentAnomaly(words: readonly TimedWord[], punctuation: string): boolean {
  const scored = words.filter((w) => !punctuation.includes(w.word)).slice(0, 8);
  if (scored.length === 0) return false;
  let score = 0;
  for (const w of scored) {
    const d = w.end - w.start;
    if (w.probability < 0.15) score += 1;
    if (d < 0.133) score += (0.133 - d) * 15;
    if (d > 2) score += d - 2;
  }
  return score >= 3 || score + 0.01 >= scored.length;
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  return `${mm}:${String(s % 60).padStart(2, '0')}.${String(Math.floor((ms % 1000) / 100))}`;
}
