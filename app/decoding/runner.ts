/**
 * Runs decode tasks on one DecoderSession: every task owns a contiguous block of sequences
 * (its beams or samples) attending to its audio group, all blocks step together through the
 * batch dimension, and a finished task's block is dropped by reordering the rest forward.
 */
import type { DecoderSession } from '../../kernels/decoder/types.ts';
import { SlimError } from '../../models/errors.ts';
import { throwIfCancelled } from './cancel.ts';
import type { DecodeTask } from './task.ts';

export interface TaskJob {
  task: DecodeTask;
  /** The audio group (window) of the session the task decodes. */
  group: number;
}

function rowsOf(logits: Float32Array, n: number, nVocab: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) => logits.subarray(i * nVocab, (i + 1) * nVocab));
}

function isIdentity(src: readonly number[]): boolean {
  return src.every((s, i) => s === i);
}

/**
 * Feeds each task's initial tokens. Up to <|startoftranscript|> by prefill (its logits give the
 * no-speech probability), the rest of the start sequence by steps, so every task's first
 * sampling logits come out of the same call. Returns one logits row per sequence.
 */
async function startTasks(
  session: DecoderSession,
  jobs: readonly TaskJob[],
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  const tasks = jobs.map((j) => j.task);
  const total = tasks.reduce((n, t) => n + t.nGroup, 0);
  if (total > session.maxBatch)
    throw new SlimError(
      'INVALID_ARGUMENT',
      `${total} sequences exceed the decoder's batch of ${session.maxBatch}`,
    );
  const rests = tasks.map((t) => t.initialTokens.slice(t.sotIndex + 1));
  if (rests.some((r) => r.length !== rests[0]!.length))
    throw new SlimError('INTERNAL', 'tasks decoded together need start sequences of one length');
  const src: number[] = [];
  const sotLogits: Float32Array[] = [];
  for (const [i, { task, group }] of jobs.entries()) {
    throwIfCancelled(signal);
    const base = src.length;
    const logits = await session.prefill(base, group, task.initialTokens.slice(0, task.sotIndex + 1));
    task.recordNoSpeech(logits);
    sotLogits[i] = logits;
    for (let j = 0; j < task.nGroup; j++) src.push(base);
  }
  if (!isIdentity(src)) await session.reorder(src); // beams and samples start as copies
  if (rests[0]!.length === 0)
    return tasks.flatMap((t, i) => Array.from({ length: t.nGroup }, () => sotLogits[i]!.slice()));
  let rows: Float32Array[] = [];
  for (let r = 0; r < rests[0]!.length; r++) {
    throwIfCancelled(signal);
    const tokens = Int32Array.from(tasks.flatMap((t, i) => Array<number>(t.nGroup).fill(rests[i]![r]!)));
    const out = await session.step(tokens, { logits: true });
    rows = rowsOf(out.logits!, total, session.dims.nVocab);
  }
  return rows;
}

/** One selection step of every active task; the next tokens and cache sources of those still running. */
function advanceAll(
  active: readonly DecodeTask[],
  rows: readonly Float32Array[],
): { tokens: number[]; source: number[]; still: DecodeTask[] } {
  const tokens: number[] = [];
  const source: number[] = [];
  const still: DecodeTask[] = [];
  let offset = 0;
  for (const task of active) {
    const out = task.advance(rows.slice(offset, offset + task.nGroup));
    if (!task.done) {
      still.push(task);
      out.next.forEach((t, j) => {
        tokens.push(t);
        source.push(offset + (out.source ? out.source[j]! : j));
      });
    }
    offset += task.nGroup;
  }
  return { tokens, source, still };
}

/** Decodes every job to completion (then read task.result()). */
export async function runDecodeTasks(
  session: DecoderSession,
  jobs: readonly TaskJob[],
  signal?: AbortSignal,
): Promise<void> {
  let rows = await startTasks(session, jobs, signal);
  let active = jobs.map((j) => j.task);
  for (;;) {
    const { tokens, source, still } = advanceAll(active, rows);
    if (still.length === 0) return;
    if (!isIdentity(source)) await session.reorder(source);
    throwIfCancelled(signal);
    const out = await session.step(Int32Array.from(tokens), { logits: true });
    rows = rowsOf(out.logits!, tokens.length, session.dims.nVocab);
    active = still;
  }
}
