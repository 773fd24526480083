/**
 * The sequential 30 s seek loop of openai/whisper transcribe.py: decode the window at `seek`,
 * cut its tokens into segments, and move `seek` to the last complete segment's end (or past the
 * window when the speech ended inside it), conditioned on the text so far. Frames are computed
 * as the audio streams in and released behind `seek` (mel-stream.ts).
 */
import { shouldSkipAsSilence } from '../decoding/fallback.ts';
import type { DecodedWindow, Job, WorkSegment } from './job.ts';
import type { MelWindow } from './mel-stream.ts';
import { PromptState } from './prompt.ts';
import { applySilenceSkip, lastWordEnd } from './silence-skip.ts';
import { FRAME_MS, type WindowSplit } from './segments.ts';

const FRAMES_PER_SECOND = 100;

/** transcribe.py clip_timestamps as [start, end) frame pairs; an open end runs to the audio's end. */
export function seekClips(clipTimestamps: readonly number[]): Array<[number, number]> {
  const points = clipTimestamps.map((t) => Math.round(t * FRAMES_PER_SECOND));
  if (points.length === 0) points.push(0);
  if (points.length % 2 === 1) points.push(Infinity);
  const clips: Array<[number, number]> = [];
  for (let i = 0; i < points.length; i += 2) clips.push([points[i]!, points[i + 1]!]);
  return clips;
}

interface LoopState {
  seek: number;
  lastSpeech: number;
}

export async function runSequential(job: Job): Promise<void> {
  const o = job.d.options;
  const W = 2 * job.d.dims.nAudioCtx;
  const clips = seekClips(o.clipTimestamps);
  const prompt = new PromptState(job.d.tokenizer, o.initialPrompt, o.carryInitialPrompt, job.d.dims.nTextCtx);
  const st: LoopState = { seek: clips[0]![0], lastSpeech: 0 };
  let clip = 0;
  while (clip < clips.length) {
    const [start, end] = clips[clip]!;
    if (st.seek < start) st.seek = start;
    if (st.seek >= end) {
      clip++;
      if (clip < clips.length) st.seek = clips[clip]![0];
      continue;
    }
    await job.checkpoint();
    const win = await job.d.mel.window(st.seek, Math.min(W, end - st.seek));
    if (!win) break;
    await decodeAndAdvance(job, win, st, prompt);
    job.progress.report(st.seek * FRAME_MS);
  }
}

async function decodeWindow(job: Job, win: MelWindow, prompt: number[]): Promise<DecodedWindow> {
  const audio = await job.encode(win.mel);
  // transcribe.py detects the language on mel[:, :3000] of the audio padded with 30 s of silence,
  // not on the zero-padded window it decodes: when the audio ends inside the first window the two
  // differ (and so do the probabilities), so that mel is encoded for the detection on its own.
  const padded = job.language === null ? job.d.mel.silencePadded(win) : null;
  const detectAudio = padded ? await job.encode(padded) : null;
  const [outcome] = await job.onDecoder(async () => {
    if (detectAudio && job.language === null) {
      await job.d.session.setAudio([detectAudio]);
      await job.ensureLanguage(0);
    }
    await job.d.session.setAudio([audio]);
    await job.ensureLanguage(0);
    return job.decode([{ group: 0, prompt }]);
  });
  const levels = { seek: win.seek, energyDb: job.d.mel.energies(win.seek, win.seek + win.frames) };
  return { seek: win.seek, frames: win.frames, group: 0, audio, levels, outcome: outcome! };
}

/** One iteration of the seek loop: decode, segment, words, guard, emit, advance. */
async function decodeAndAdvance(job: Job, win: MelWindow, st: LoopState, prompt: PromptState): Promise<void> {
  const o = job.d.options;
  const w = await decodeWindow(job, win, prompt.current());
  if (shouldSkipAsSilence(w.outcome.result, o.fallback)) {
    st.seek += w.frames; // fast-forward to the next window
    return;
  }
  const previousSeek = st.seek;
  const { work, split } = job.workSegments(w);
  st.seek = split.nextSeek;
  let segments = work;
  if (o.wordTimestamps) {
    const r = await wordsAndSeek(job, w, work, split, st, previousSeek);
    if (r === null) return;
    segments = r;
  }
  const { kept, hallucinated } = job.finish(w, segments);
  prompt.add(kept.flatMap((s) => s.tokens));
  // transcribe.py: no prompt after a high temperature; the guard: none after a suspected loop.
  if (!o.conditionOnPreviousText || w.outcome.result.temperature > 0.5 || hallucinated) prompt.reset();
}

/**
 * Word timestamps and what transcribe.py does with them: seek to the last word's end, and with
 * hallucination_silence_threshold skip silence before likely hallucinations. Returns the
 * segments to keep, or null when the window is dropped (seek already moved).
 */
async function wordsAndSeek(
  job: Job,
  w: DecodedWindow,
  work: WorkSegment[],
  split: WindowSplit,
  st: LoopState,
  previousSeek: number,
): Promise<WorkSegment[] | null> {
  const o = job.d.options;
  await job.addWords(w, work, st.lastSpeech);
  const timeOffset = w.seek / FRAMES_PER_SECOND;
  if (!split.singleTimestampEnding) {
    const end = lastWordEnd(work);
    if (end !== null && end > timeOffset) st.seek = Math.round(end * FRAMES_PER_SECOND);
  }
  let segments = work;
  if (o.hallucinationSilenceThreshold !== null) {
    const content = job.d.mel.contentFrames;
    const r = applySilenceSkip({
      segments: work,
      threshold: o.hallucinationSilenceThreshold,
      timeOffset,
      windowEnd: (w.seek + 2 * job.d.dims.nAudioCtx) / FRAMES_PER_SECOND,
      segmentDuration: w.frames / FRAMES_PER_SECOND,
      contentDuration: content === null ? Infinity : content / FRAMES_PER_SECOND,
      previousSeek,
      seek: st.seek,
      singleTimestampEnding: split.singleTimestampEnding,
      lastSpeech: st.lastSpeech,
      punctuation: o.prependPunctuations + o.appendPunctuations,
    });
    st.seek = r.seek;
    if (r.skipWindow) return null;
    segments = r.segments;
  }
  const end = lastWordEnd(segments);
  if (end !== null) st.lastSpeech = end;
  return segments;
}
