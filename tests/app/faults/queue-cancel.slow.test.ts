/**
 * The worker's job queue and cancellation with the real base model behind EngineHost (the
 * engine worker's message handling): two jobs queued while one runs finish after it, in order,
 * each with its own clip's text; a job cancelled while the encoder runs, and one cancelled in
 * the middle of decoding, end 'cancelled' with no segments and no decoder step after the
 * cancel, and the job queued behind them still transcribes correctly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import type { TranscriptSegment } from '../../../app/ipc/transcript.ts';
import { Transcriber } from '../../../app/transcribe/transcriber.ts';
import { EngineHost } from '../../../app/worker/host.ts';
import type { WorkerEvent, WorkerRequest } from '../../../app/worker/protocol.ts';
import { transcriberEngine } from '../../../app/worker/transcriber-engine.ts';
import type { DecoderSession } from '../../../kernels/decoder/types.ts';
import { WhisperTokenizer } from '../../../models/tokenizer/tokenizer.ts';
import { sharedPath } from '../../helpers/shared.ts';
import { normalise, openRealModel, type RealModel } from '../transcribe/real-model.ts';

const OPTIONS = {
  model: 'bundled-whisper-base',
  language: 'en',
  task: 'transcribe' as const,
  resumeFromMs: 0,
  firstSegmentId: 0,
};

function wav(jobId: string, name: string): WorkerRequest {
  const bytes = new Uint8Array(readFileSync(sharedPath('audio', name)));
  return { type: 'transcribe', jobId, audio: { kind: 'wav', name, bytes }, options: OPTIONS };
}

/** What the engine did, in order: encoder runs and decoder steps, tagged by job. */
interface Trace {
  job: string | null;
  log: string[];
}

let real: RealModel;

before(async () => {
  real = await openRealModel();
});

/**
 * A host on the real model whose encoder and decoder sessions report to `trace` (and run
 * `onEncode` / `onStep` hooks: where a test cancels).
 */
function instrumentedHost(
  trace: Trace,
  hooks: { onEncode?: (job: string) => void; onStep?: (job: string, n: number) => void } = {},
) {
  const events: WorkerEvent[] = [];
  const encoder = {
    encode: (mel: Float32Array): Promise<Float32Array> => {
      const job = trace.job!;
      trace.log.push(`${job}:encode`);
      const out = real.encoder.encode(mel);
      hooks.onEncode?.(job); // while the encoder runs
      return out.then((e) => (trace.log.push(`${job}:encoded`), e));
    },
  };
  const createSession = async (size: { maxBatch: number; maxGroups: number }): Promise<DecoderSession> => {
    const s = await real.createSession(size);
    let steps = 0;
    const step = s.step.bind(s);
    s.step = (tokens, want) => {
      const job = trace.job!;
      trace.log.push(`${job}:step`);
      hooks.onStep?.(job, ++steps);
      return step(tokens, want);
    };
    return s;
  };
  const transcriber = new Transcriber({
    dims: real.ckpt.dims,
    tokenizer: WhisperTokenizer.fromVocab(real.ckpt.vocab!, { multilingual: real.ckpt.multilingual }),
    ...(real.ckpt.alignmentHeads ? { alignmentHeads: real.ckpt.alignmentHeads } : {}),
    encoder,
    createSession,
  });
  const engine = transcriberEngine(transcriber);
  const host = new EngineHost({
    post: (e) => {
      if (e.type === 'audio' && 'jobId' in e) trace.job = e.jobId; // the job now running
      events.push(e);
    },
    gpu: undefined,
    loadEngine: async () => engine,
  });
  return { host, events };
}

const textOf = (events: WorkerEvent[], jobId: string): string =>
  normalise(
    events
      .flatMap((e) => (e.type === 'segments' && e.jobId === jobId ? (e.segments as TranscriptSegment[]) : []))
      .map((s) => s.text)
      .join(' '),
  );

const ends = (events: WorkerEvent[]): string[] =>
  events.flatMap((e) =>
    (e.type === 'done' || e.type === 'cancelled' || e.type === 'error') && e.jobId
      ? [`${e.jobId}:${e.type}`]
      : [],
  );

test('two jobs queued while one runs: all three finish, in order, each with its own text', async () => {
  const trace: Trace = { job: null, log: [] };
  let queued = false;
  const { host, events } = instrumentedHost(trace, {
    onStep: (job) => {
      if (job !== 'a' || queued) return;
      queued = true; // A is decoding: queue B and C behind it
      host.handle(wav('b', 'harvard-spk1_snt1.wav'));
      host.handle(wav('c', 'harvard-spk1_snt2.wav'));
    },
  });
  host.handle(wav('a', 'jfk.wav'));
  await host.idle();
  await host.idle(); // B and C were queued behind A's promise
  assert.deepEqual(ends(events), ['a:done', 'b:done', 'c:done']);
  // One at a time: every engine call of a job comes before the next job's first.
  const order = trace.log.map((l) => l.split(':')[0]);
  assert.deepEqual([...new Set(order)], ['a', 'b', 'c']);
  assert.equal(
    order.lastIndexOf('a') < order.indexOf('b') && order.lastIndexOf('b') < order.indexOf('c'),
    true,
  );
  assert.match(textOf(events, 'a'), /ask not what your country can do for you/);
  assert.match(textOf(events, 'b'), /the child almost hurt the small dog/);
  assert.match(textOf(events, 'c'), /drop the two when you add the figures/);
});

test('cancelled while encoding, cancelled while decoding: no step after the cancel, the next job runs', async () => {
  const trace: Trace = { job: null, log: [] };
  const cancelAt: Record<string, number> = {};
  const { host, events } = instrumentedHost(trace, {
    onEncode: (job) => {
      if (job !== 'enc') return;
      cancelAt[job] = trace.log.length;
      host.handle({ type: 'cancel', jobId: job });
    },
    onStep: (job, n) => {
      if (job !== 'dec' || n !== 5) return;
      cancelAt[job] = trace.log.length;
      host.handle({ type: 'cancel', jobId: job });
    },
  });
  host.handle(wav('enc', 'jfk.wav'));
  host.handle(wav('dec', 'jfk.wav'));
  host.handle(wav('next', 'harvard-spk1_snt3.wav'));
  for (let i = 0; i < 3; i++) await host.idle();
  assert.deepEqual(ends(events), ['enc:cancelled', 'dec:cancelled', 'next:done']);
  for (const job of ['enc', 'dec']) {
    assert.ok(cancelAt[job] !== undefined, `${job} was cancelled from its hook`);
    const after = trace.log.slice(cancelAt[job]).filter((l) => l === `${job}:step`);
    assert.deepEqual(after, [], `${job}: decoder steps after the cancel`);
    assert.equal(textOf(events, job), '', `${job}: no segments`);
  }
  assert.ok(!trace.log.includes('enc:step'), 'cancelled during encoding: never decoded');
  assert.ok(trace.log.filter((l) => l === 'dec:step').length >= 5, 'cancelled during decoding');
  assert.match(textOf(events, 'next'), /at that high level the air is pure/);
});
