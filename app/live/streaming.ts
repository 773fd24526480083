/**
 * Streaming transcription for live captions (whisper_streaming's online processor, on our
 * engine): audio at 16 kHz is appended to a buffer; each pass encodes the whole buffer, decodes
 * it with the confirmed text that has left the buffer as the prompt, and LocalAgreement-2
 * (agreement.ts) confirms what two passes in a row agree on. The buffer is cut at the end of
 * the last segment whose words are all confirmed, so a pass re-decodes only recent speech;
 * its length is bounded by the encoder's window (2 · nAudioCtx frames: 30 s, or less with a
 * shorter audio context, see audio-context.ts).
 *
 * Words heard in silence never reach the agreement: prompted with the confirmed text, the decoder
 * tends to repeat it over a pause or the silence after the speech ("Yeah.", the last sentence
 * again), and two passes over the same silence agree on that as readily as on speech. Each
 * hypothesis keeps only the words that overlap speech in the buffer (the energy mask of
 * app/transcribe/vad.ts, padded as for chunking); a pass that Whisper's no-speech test calls
 * silent confirms nothing from itself.
 */
import type { DecoderSession } from '../../kernels/decoder/types.ts';
import type { ModelDimensions } from '../../models/checkpoint/types.ts';
import { SlimError } from '../../models/errors.ts';
import { HOP_LENGTH, SAMPLE_RATE } from '../../models/features/log-mel.ts';
import type { Task, WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { decodeWithFallback, looksSilent, type FallbackOptions } from '../decoding/fallback.ts';
import { detectLanguage } from '../decoding/language.ts';
import { SeededRandom } from '../decoding/rng.ts';
import type { AudioEncoderLike } from '../transcribe/job.ts';
import { DEFAULT_VAD } from '../transcribe/options.ts';
import { FRAME_MS } from '../transcribe/segments.ts';
import { speechMask, speechRegions } from '../transcribe/vad.ts';
import { LocalAgreement, restatedLength, wordKey } from './agreement.ts';
import { hypothesisSegments, type HypothesisSegment } from './hypothesis.ts';
import { MelBuffer } from './mel-buffer.ts';
import type { LiveUpdate, LiveWord } from './types.ts';

/** The engine parts a live session runs on; dims.nAudioCtx is the encoder's context. */
export interface LiveModel {
  dims: ModelDimensions;
  tokenizer: WhisperTokenizer;
  encoder: AudioEncoderLike;
  createSession(size: { maxBatch: number; maxGroups: number }): DecoderSession | Promise<DecoderSession>;
}

export interface LiveOptions {
  /** A language code; null or 'auto': detected once, from the first pass with a second of audio. */
  language?: string | null;
  task?: Task;
  /** A pass runs once this much audio arrived since the last one (default 1000 ms). */
  intervalMs?: number;
  /** Beam search width (default null: greedy, the fastest). */
  beamSize?: number | null;
  /** Characters of confirmed text given as the prompt (default 200, as whisper_streaming). */
  promptChars?: number;
}

/** Whisper's thresholds, at T = 0 only: sampling would make passes disagree at random. */
const LIVE_FALLBACK: FallbackOptions = {
  temperatures: [0],
  compressionRatioThreshold: 2.4,
  logProbThreshold: -1,
  noSpeechThreshold: 0.6,
};
/** Audio kept when a pass hears no speech (a word may be starting at the end). */
const KEEP_AFTER_SILENCE_MS = 1000;
/**
 * A final hypothesis whose new words are this many or more, mostly found in the recent confirmed
 * text, is the prompt said again, not speech (a short repeat may be genuine).
 */
const MIN_RESTATED_WORDS = 3;

const msOf = (samples: number): number => (samples / SAMPLE_RATE) * 1000;

export class LiveTranscriber {
  private readonly mel: MelBuffer;
  private readonly agreement = new LocalAgreement();
  private readonly rng = new SeededRandom(0);
  private language: string | null;
  private received = 0;
  private decodedUpTo = 0;
  /** The last pass heard no speech (Whisper's no-speech test). */
  private silent = false;
  /** The last pass fell into a repetition loop: it has no hypothesis, but that says nothing of the audio. */
  private looped = false;
  /** Speech in the buffer at the last pass, as [startMs, endMs] spans from the session start. */
  private speech: Array<[number, number]> = [];
  private disposed = false;

  private constructor(
    private readonly model: LiveModel,
    private readonly session: DecoderSession,
    private readonly o: Required<Omit<LiveOptions, 'language'>>,
    language: string | null,
  ) {
    this.mel = new MelBuffer(model.dims.nMels);
    this.language = model.tokenizer.multilingual ? language : 'en';
  }

  static async open(model: LiveModel, options: LiveOptions = {}): Promise<LiveTranscriber> {
    const intervalMs = options.intervalMs ?? 1000;
    if (!(intervalMs > 0))
      throw new SlimError('INVALID_ARGUMENT', `intervalMs must be > 0, got ${intervalMs}`);
    const beamSize = options.beamSize ?? null;
    const session = await model.createSession({ maxBatch: beamSize ?? 1, maxGroups: 1 });
    const language =
      options.language === undefined || options.language === null || options.language === 'auto'
        ? null
        : options.language;
    const o = {
      task: options.task ?? 'transcribe',
      intervalMs,
      beamSize,
      promptChars: options.promptChars ?? 200,
    };
    return new LiveTranscriber(model, session, o as Required<Omit<LiveOptions, 'language'>>, language);
  }

  /** Longest buffer a pass can decode: the encoder's window. */
  get maxBufferMs(): number {
    return 2 * this.model.dims.nAudioCtx * (HOP_LENGTH / SAMPLE_RATE) * 1000;
  }

  get intervalMs(): number {
    return this.o.intervalMs;
  }

  /** Audio received since the last pass. */
  get pendingMs(): number {
    return msOf(this.received - this.decodedUpTo);
  }

  get confirmed(): readonly LiveWord[] {
    return this.agreement.confirmed;
  }

  push(samples: Float32Array): void {
    if (this.disposed) throw new SlimError('INVALID_ARGUMENT', 'the live transcriber was disposed');
    this.mel.append(samples);
    this.received += samples.length;
  }

  /** Decodes the buffer once and confirms what this pass and the one before agree on. */
  async pass(): Promise<LiveUpdate> {
    const t0 = performance.now();
    this.decodedUpTo = this.received;
    this.silent = false;
    this.looped = false;
    let segments = await this.decode();
    // Past the confirmed words, the decoder says the recent captions again: its prompt repeated
    // over hum or noise the VAD calls sound (a looped hallucination), not new speech.
    let words = segments.flatMap((s) => s.words);
    if (this.restatesConfirmed(words.slice(restatedLength(this.agreement.committedInBuffer, words)))) {
      this.looped = true;
      segments = [];
      words = [];
    }
    const before = this.agreement.tentative;
    const step = this.agreement.insert(words);
    const confirmed = [...step.confirmed];
    // This pass said nothing past the confirmed words, the one before did: Whisper left out an
    // unfinished sentence, and its audio must stay for the next pass to hear it again.
    const leftOutMs = step.confirmed.length + step.tentative.length === 0 ? before[0]?.startMs : undefined;
    if (this.silent) confirmed.push(...this.afterSilence());
    else if (segments.length === 0) this.trimOverflow();
    else confirmed.push(...this.trim(segments, step.restated + step.confirmed.length, leftOutMs));
    return this.update(confirmed, this.agreement.tentative, performance.now() - t0, false);
  }

  /**
   * The end of the audio: a last pass, then its hypothesis is confirmed as it stands (there is
   * no next pass to agree with), as far as it has speech under it. Nothing new is confirmed from
   * a last pass that hears no speech, loops, adds nothing or only says the recent confirmed text
   * again: the previous pass's tail is, as far as it still has speech under it and does not
   * itself repeat the confirmed text.
   */
  async finish(): Promise<LiveUpdate> {
    const t0 = performance.now();
    const confirmed: LiveWord[] = [];
    if (this.received > this.decodedUpTo || this.agreement.tentative.length) {
      this.decodedUpTo = this.received;
      this.silent = false;
      this.looped = false;
      const hypothesis = (await this.decode()).flatMap((s) => s.words);
      const fresh = hypothesis.slice(restatedLength(this.agreement.committedInBuffer, hypothesis));
      // A last pass that says nothing past the confirmed words (Whisper often leaves out an
      // unfinished last sentence), hears silence or loops does not unsay the previous pass's tail.
      if (fresh.length === 0 || this.looped || this.restatesConfirmed(fresh)) {
        this.agreement.keepTentative((w) => this.heard(w));
        if (this.restatesConfirmed(this.agreement.tentative)) this.agreement.forgetTentative();
      } else confirmed.push(...this.agreement.insert(hypothesis).confirmed);
    }
    confirmed.push(...this.agreement.flush().confirmed);
    return this.update(confirmed, [], performance.now() - t0, true);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.session.dispose();
  }

  private update(
    confirmed: LiveWord[],
    tentative: readonly LiveWord[],
    decodeMs: number,
    final: boolean,
  ): LiveUpdate {
    return {
      confirmed,
      tentative: [...tentative],
      audioMs: Math.round(msOf(this.received)),
      bufferStartMs: Math.round(msOf(this.mel.startSample)),
      decodeMs: Math.round(decodeMs),
      final,
    };
  }

  /** One pass over the buffer: its hypothesis as segments (none when it hears no speech). */
  private async decode(): Promise<HypothesisSegment[]> {
    const { dims, tokenizer, encoder } = this.model;
    const win = this.mel.window(2 * dims.nAudioCtx);
    if (win.frames === 0) return [];
    this.speech = this.speechSpans(win.frames);
    // No frame loud enough for speech: silent without asking the model (a pass costs nothing).
    if (this.speech.length === 0) {
      this.silent = true;
      return [];
    }
    const audio = await encoder.encode(win.mel);
    if (audio.length !== dims.nAudioCtx * dims.nAudioState)
      throw new SlimError(
        'INTERNAL',
        `encoder output holds ${audio.length} values, expected ${dims.nAudioCtx * dims.nAudioState}`,
      );
    await this.session.setAudio([audio]);
    if (this.language === null) {
      if (msOf(this.mel.sampleCount) < 1000) return [];
      this.language = (await detectLanguage(this.session, tokenizer, 0))[0]!.language;
    }
    const [outcome] = await decodeWithFallback(
      { session: this.session, tokenizer, rng: this.rng },
      [{ group: 0, prompt: this.prompt() }],
      { task: this.o.task, language: this.language, beamSize: this.o.beamSize },
      LIVE_FALLBACK,
    );
    const r = outcome!.result;
    // Silence: nothing to agree on this time.
    if (looksSilent(r, LIVE_FALLBACK)) {
      this.silent = true;
      return [];
    }
    // A repetition loop: no hypothesis this time, but the audio stays (the next pass has more).
    if (r.compressionRatio > LIVE_FALLBACK.compressionRatioThreshold!) {
      this.looped = true;
      return [];
    }
    const offsetMs = msOf(this.mel.startSample);
    const segments = hypothesisSegments(tokenizer, r.tokens, offsetMs, win.frames * FRAME_MS, this.language);
    // Words in silence are dropped, segments left without words with them (trim() cuts at the
    // ends of segments that hold words).
    return segments.map((s) => ({ ...s, words: this.heardRun(s.words) })).filter((s) => s.words.length > 0);
  }

  /**
   * A segment's words from the first to the last with speech under it. Word times are spread
   * over the segment by length (hypothesis.ts), so a word between two heard ones may be placed
   * in a pause it was not said in: only the runs at the ends, past the speech, are dropped.
   */
  private heardRun(words: LiveWord[]): LiveWord[] {
    let first = 0;
    let last = words.length - 1;
    while (first <= last && !this.heard(words[first]!)) first++;
    while (last >= first && !this.heard(words[last]!)) last--;
    return words.slice(first, last + 1);
  }

  /** Speech regions of the buffer's first `frames` frames (vad.ts), padded, in session time. */
  private speechSpans(frames: number): Array<[number, number]> {
    const offsetMs = msOf(this.mel.startSample);
    const padMs = DEFAULT_VAD.padMs;
    return speechRegions(speechMask(this.mel.levels(frames), DEFAULT_VAD)).map((r) => [
      offsetMs + r.start * FRAME_MS - padMs,
      offsetMs + r.end * FRAME_MS + padMs,
    ]);
  }

  /** Some speech lies under the word (the mask, padded, at the last pass). */
  private heard(w: LiveWord): boolean {
    return this.speech.some(([a, b]) => w.startMs < b && w.endMs > a);
  }

  /**
   * The words (not yet confirmed) mostly say again what the recent confirmed text said: at least
   * half of their word trigrams are found in it. The decoder repeating its prompt over the end of
   * the audio does so in loops and pieces ("… for you, ask not what your country …" again), so
   * a contiguous match would miss it; speech that truly repeats that much is rare.
   */
  private restatesConfirmed(words: readonly LiveWord[]): boolean {
    if (words.length < MIN_RESTATED_WORDS) return false;
    const recent: string[] = [];
    let chars = 0;
    const all = this.agreement.confirmed;
    for (let i = all.length - 1; i >= 0 && chars < this.o.promptChars; i--) {
      recent.unshift(wordKey(all[i]!.text));
      chars += all[i]!.text.length;
    }
    const trigrams = new Set<string>();
    for (let i = 0; i + 3 <= recent.length; i++) trigrams.add(recent.slice(i, i + 3).join(' '));
    const t = words.map((w) => wordKey(w.text));
    let found = 0;
    for (let i = 0; i + 3 <= t.length; i++) if (trigrams.has(t.slice(i, i + 3).join(' '))) found++;
    return 2 * found >= t.length - 2;
  }

  /** The confirmed text whose audio has left the buffer, its last promptChars characters. */
  private prompt(): number[] {
    const text = this.agreement.scrolledAway.map((w) => w.text).join('');
    const tail = text.length > this.o.promptChars ? text.slice(text.length - this.o.promptChars) : text;
    return tail.trim() === '' ? [] : this.model.tokenizer.encode(' ' + tail.trim());
  }

  /**
   * Cuts the buffer at the end of the last closed segment whose words are all confirmed
   * (`confirmedWords`: leading words of the hypothesis that are). When the next pass would not
   * fit the encoder's window and no such segment exists, the hypothesis is confirmed up to its
   * last closed segment (or whole) and cut there: audio must leave the bounded window, and
   * dropping it unheard would lose speech. No cut passes `leftOutMs`, the start of words the pass
   * before had and this one left out. Returns the words confirmed that way.
   */
  private trim(segments: HypothesisSegment[], confirmedWords: number, leftOutMs?: number): LiveWord[] {
    let words = 0;
    let cut: { ms: number; words: number } | null = null;
    for (const s of segments) {
      words += s.words.length;
      if (words > confirmedWords) break;
      if (s.closed && !(leftOutMs !== undefined && s.endMs > leftOutMs)) cut = { ms: s.endMs, words };
    }
    const startMs = msOf(this.mel.startSample);
    if (cut && cut.ms > startMs) {
      this.cutAt(cut.ms);
      this.agreement.scrolled(cut.words);
      return [];
    }
    if (msOf(this.mel.sampleCount) + this.o.intervalMs <= this.maxBufferMs) return [];
    let through = segments.filter((s) => s.closed).pop() ?? segments[segments.length - 1]!;
    if (through.endMs <= startMs) through = segments[segments.length - 1]!;
    const upTo = segments.indexOf(through);
    const total = segments.slice(0, upTo + 1).reduce((n, s) => n + s.words.length, 0);
    const forced = this.agreement.confirmTentative(Math.max(0, total - confirmedWords));
    this.cutAt(Math.max(startMs, through.endMs));
    this.agreement.scrolled(total);
    return forced;
  }

  /** No usable hypothesis and the window is full: its older half goes, so the stream moves on. */
  private trimOverflow(): void {
    if (msOf(this.mel.sampleCount) + this.o.intervalMs <= this.maxBufferMs) return;
    this.agreement.forgetTentative();
    this.cutAt(msOf(this.mel.startSample) + this.maxBufferMs / 2);
    this.agreement.trimmed(msOf(this.mel.startSample));
  }

  /**
   * The buffer heard no speech: all but its last second goes. The tentative words from before,
   * heard over speech by the previous pass, would leave without a pass to agree with: they are
   * confirmed as they stand where speech is still under them (the speaker paused; as finish()
   * does at the end), the others dropped. Returns the words confirmed that way.
   */
  private afterSilence(): LiveWord[] {
    const keep = (KEEP_AFTER_SILENCE_MS / 1000) * SAMPLE_RATE;
    if (this.mel.sampleCount <= 2 * keep) return [];
    this.agreement.keepTentative((w) => this.heard(w));
    const forced = this.agreement.flush().confirmed;
    this.cutAt(msOf(this.mel.startSample + this.mel.sampleCount - keep));
    this.agreement.trimmed(msOf(this.mel.startSample));
    return forced;
  }

  private cutAt(ms: number): void {
    const samples = Math.round((ms / 1000) * SAMPLE_RATE) - this.mel.startSample;
    this.mel.cut(samples);
  }
}

/**
 * Runs passes as audio arrives: a pass starts when `intervalMs` of new audio is there and no
 * pass is running (audio that arrives during a pass waits for the next one, as in
 * whisper_streaming's online mode). stop() ends with a final pass.
 */
export class LiveSession {
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly t: LiveTranscriber,
    private readonly onUpdate: (u: LiveUpdate) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  push(samples: Float32Array): void {
    if (this.stopped) return;
    this.t.push(samples);
    this.kick();
  }

  /** Waits for the running pass, runs the final one and returns its update. */
  async stop(): Promise<LiveUpdate> {
    this.stopped = true;
    while (this.running) await this.running;
    const u = await this.t.finish();
    this.onUpdate(u);
    return u;
  }

  private kick(): void {
    if (this.running || this.stopped || this.t.pendingMs < this.t.intervalMs) return;
    this.running = this.t
      .pass()
      .then(this.onUpdate, this.onError)
      .catch(this.onError)
      // The next pass starts from a fresh task, so that messages waiting in the worker's queue
      // (audio, stop) are handled between passes.
      .then(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))
      .finally(() => {
        this.running = null;
        this.kick();
      });
  }
}
