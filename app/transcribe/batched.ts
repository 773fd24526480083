/**
 * Batched mode: the audio is cut at pauses into chunks of at most one window (vad.ts), and
 * several chunks are decoded at once, one audio group each, through the decoder's batch
 * dimension. A chunk's tokens are cut into segments as in the seek loop; when its last segment
 * is unfinished, the rest of the chunk is decoded again as a window of its own (as the seek loop
 * would), in the next round. Windows do not see each other's text (no previous-text prompt:
 * they are decoded together); the initial prompt goes to the first one (to all with
 * carryInitialPrompt). Memory holds the frames being planned plus one batch of windows.
 */
import { shouldSkipAsSilence } from '../decoding/fallback.ts';
import { SlimError } from '../../models/errors.ts';
import type { DecodedWindow, Job, WorkSegment } from './job.ts';
import { PromptState } from './prompt.ts';
import { FRAME_MS } from './segments.ts';
import { lookahead, planChunk } from './vad.ts';

/** A window waiting for decoding: its frames, normalised mel and frame levels. */
interface PendingWindow {
  seek: number;
  frames: number;
  mel: Float32Array;
  energyDb: Float32Array;
  prompt: number[];
}

interface Decoded {
  w: DecodedWindow;
  work: WorkSegment[];
}

export async function runBatched(job: Job, batchSize: number): Promise<void> {
  if (job.d.options.clipTimestamps.length)
    throw new SlimError('INVALID_ARGUMENT', 'clipTimestamps apply to the sequential mode only');
  const o = job.d.options;
  const prompt = new PromptState(job.d.tokenizer, o.initialPrompt, o.carryInitialPrompt, job.d.dims.nTextCtx);
  const planner = { next: 0, done: false, first: true };
  if (job.language === null) await detectOnFirstWindow(job);
  while (!planner.done) {
    const batch: PendingWindow[] = [];
    while (batch.length < batchSize && !planner.done) {
      const w = await nextChunk(job, planner);
      if (!w) continue;
      w.prompt = planner.first || o.carryInitialPrompt ? prompt.initialTokens : [];
      planner.first = false;
      batch.push(w);
    }
    if (batch.length === 0) break;
    const decoded = await decodeRound(job, batch);
    decoded.sort((a, b) => a.w.seek - b.w.seek);
    for (const d of decoded) job.finish(d.w, d.work);
    job.progress.report(planner.next * FRAME_MS);
  }
}

/**
 * The language, detected as transcribe.py (and the sequential mode, sequential.ts) does: on the
 * first 30 s of the audio padded with silence, not on the first chunk, which starts after any
 * leading silence, ends at the first long pause and is padded with zeros.
 */
async function detectOnFirstWindow(job: Job): Promise<void> {
  await job.checkpoint();
  const win = await job.d.mel.window(0, 2 * job.d.dims.nAudioCtx);
  if (!win) return; // no audio: no chunk will ask either
  const audio = await job.encode(job.d.mel.silencePadded(win) ?? win.mel);
  await job.onDecoder(async () => {
    await job.d.session.setAudio([audio]);
    await job.ensureLanguage(0);
  });
}

/** Plans from `planner.next`; returns the next chunk's window, or null (silence skipped, or the end). */
async function nextChunk(job: Job, planner: { next: number; done: boolean }): Promise<PendingWindow | null> {
  await job.checkpoint();
  const mel = job.d.mel;
  const W = 2 * job.d.dims.nAudioCtx;
  const ahead = lookahead(W, job.d.options.vad);
  await mel.ensure(planner.next + ahead);
  const content = mel.contentFrames;
  const energy = mel.energies(planner.next, planner.next + ahead);
  const ended = content !== null && planner.next + energy.length >= content;
  if (energy.length === 0) {
    planner.done = true;
    return null;
  }
  const plan = planChunk(energy, planner.next, ended, W, job.d.options.vad);
  const chunkEnergy = plan.chunk
    ? energy.slice(plan.chunk.start - planner.next, plan.chunk.end - planner.next)
    : null;
  planner.next = plan.next;
  if (ended && (content === null || planner.next >= content)) planner.done = true;
  if (!plan.chunk || !chunkEnergy) {
    mel.release(planner.next);
    return null;
  }
  const win = await mel.window(plan.chunk.start, plan.chunk.end - plan.chunk.start);
  if (!win) return null;
  return { seek: win.seek, frames: win.frames, mel: win.mel, energyDb: chunkEnergy, prompt: [] };
}

/** Encodes and decodes windows together; unfinished tails go round again. */
async function decodeRound(job: Job, windows: PendingWindow[]): Promise<Decoded[]> {
  const audio: Float32Array[] = [];
  for (const w of windows) audio.push(await job.encode(w.mel));
  const outcomes = await job.onDecoder(async () => {
    await job.d.session.setAudio(audio);
    await job.ensureLanguage(0);
    return job.decode(windows.map((w, group) => ({ group, prompt: w.prompt })));
  });
  const out: Decoded[] = [];
  const tails: PendingWindow[] = [];
  for (const [group, p] of windows.entries()) {
    const outcome = outcomes[group]!;
    if (shouldSkipAsSilence(outcome.result, job.d.options.fallback)) continue;
    const w: DecodedWindow = {
      seek: p.seek,
      frames: p.frames,
      group,
      audio: audio[group]!,
      levels: { seek: p.seek, energyDb: p.energyDb },
      outcome,
    };
    const { work, split } = job.workSegments(w);
    if (job.d.options.wordTimestamps) await job.addWords(w, work, 0);
    out.push({ w, work });
    if (split.nextSeek > p.seek && split.nextSeek < p.seek + p.frames)
      tails.push(tail(job, p, split.nextSeek));
  }
  if (tails.length) out.push(...(await decodeRound(job, tails)));
  return out;
}

/** The rest of a window from frame `seek` on, as a window of its own (zero-padded like any). */
function tail(job: Job, p: PendingWindow, seek: number): PendingWindow {
  const W = 2 * job.d.dims.nAudioCtx;
  const nMels = job.d.dims.nMels;
  const skip = seek - p.seek;
  const frames = p.frames - skip;
  const mel = new Float32Array(nMels * W);
  for (let m = 0; m < nMels; m++) mel.set(p.mel.subarray(m * W + skip, m * W + skip + frames), m * W);
  return { seek, frames, mel, energyDb: p.energyDb.slice(skip), prompt: [] };
}
