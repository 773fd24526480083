/**
 * Long-form on the real whisper-base: seven clips of ../shared/audio joined with known silences
 * (70 s, three windows) go through the sequential seek loop (greedy, word timestamps) and the
 * batched mode (greedy). Measured, and kept in the test's diagnostics: each clip's first/last
 * word against its speech bounds, the nearest segment bounds, and the word agreement of the
 * two modes. Slow (about 8 minutes on a busy 2-core machine, most of it the float64 alignment
 * passes while the WASM session has no align()): *.slow.test.ts.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readAudioFile } from '../../../app/audio/read.ts';
import { MelStream } from '../../../app/transcribe/mel-stream.ts';
import type { TranscriptionResult } from '../../../app/transcribe/types.ts';
import { sharedPath } from '../../helpers/shared.ts';
import { normalise, openRealModel, speechBounds, type RealModel } from './real-model.ts';

/** Clip, then the silence after it (s). */
const PARTS: Array<[string, number]> = [
  ['jfk.wav', 4],
  ['librispeech-1272-141231-0002.wav', 5],
  ['lj050-0131-22k.wav', 3],
  ['harvard-spk1_snt1.wav', 2.5],
  ['harvard-spk2_snt2.wav', 3],
  ['wizard.wav', 4],
  ['horizon.wav', 2],
];

let model: RealModel;
let audio: Float32Array;
/** Speech start and end (ms) of each clip in the joined audio. */
let known: Array<[number, number]>;
let sequential: TranscriptionResult;
let batched: TranscriptionResult;

async function join(): Promise<void> {
  const clips = [];
  for (const [file, gap] of PARTS)
    clips.push({ x: (await readAudioFile(sharedPath('audio', file))).samples, gap });
  audio = new Float32Array(clips.reduce((n, c) => n + c.x.length + Math.round(c.gap * 16000), 0));
  known = [];
  let at = 0;
  for (const c of clips) {
    audio.set(c.x, at);
    const mel = MelStream.fromSamples(c.x, { nMels: 80, windowFrames: 3000 });
    await mel.ensure(Infinity);
    const [first, last] = speechBounds(mel.energies(0, Infinity));
    known.push([at / 16 + first * 10, at / 16 + (last + 1) * 10]);
    at += c.x.length + Math.round(c.gap * 16000);
  }
}

before(async () => {
  model = await openRealModel();
  await join();
  sequential = await model.transcriber.transcribe(audio, { beamSize: null, wordTimestamps: true });
  batched = await model.transcriber.transcribe(audio, { beamSize: null, mode: 'batched' });
});

after(async () => {
  await model.encoder.dispose();
});

const nearest = (x: number, ys: readonly number[]): number => Math.min(...ys.map((y) => Math.abs(x - y)));

/** Word-level edit distance over the reference's word count. */
function wordErrorRate(ref: string, hyp: string): number {
  const r = ref.split(' ');
  const h = hyp.split(' ');
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[h.length]! / r.length;
}

/** Each clip's words: those starting between the midpoints of the silences around it. */
function wordsByClip(r: TranscriptionResult): Array<Array<{ startMs: number; endMs: number }>> {
  const words = r.segments.flatMap((s) => s.words!);
  return known.map(([s, e], i) => {
    const from = i === 0 ? -Infinity : (known[i - 1]![1] + s) / 2;
    const to = i === known.length - 1 ? Infinity : (e + known[i + 1]![0]) / 2;
    return words.filter((w) => w.startMs >= from && w.startMs < to);
  });
}

test("long-form, sequential with word timestamps: each clip's first and last word at its speech bounds", (t) => {
  const byClip = wordsByClip(sequential);
  const starts = known.map(([s], i) => Math.abs(byClip[i]![0]!.startMs - s));
  const ends = known.map(([, e], i) => Math.abs(byClip[i]![byClip[i]!.length - 1]!.endMs - e));
  const segStarts = known.map(([s]) =>
    nearest(
      s,
      sequential.segments.map((x) => x.startMs),
    ),
  );
  const segEnds = known.map(([, e]) =>
    nearest(
      e,
      sequential.segments.map((x) => x.endMs),
    ),
  );
  t.diagnostic(`first-word start errors (ms): ${starts.map(Math.round).join(' ')}`);
  t.diagnostic(`last-word end errors (ms): ${ends.map(Math.round).join(' ')}`);
  t.diagnostic(`nearest segment start errors (ms): ${segStarts.map(Math.round).join(' ')}`);
  t.diagnostic(`nearest segment end errors (ms): ${segEnds.map(Math.round).join(' ')}`);
  const all = [...starts, ...ends];
  // Measured with whisper-base: 11 of the 14 bounds within 0.5 s (median 0.2 s). The misses are
  // Whisper's own: a segment that spans a 3 s pause (DTW stretches a word across it) and a first
  // word pulled 1 s into the silence before it; timing.py's clamps only act at sentence ends.
  assert.ok(all.filter((e) => e <= 500).length >= 11, `within 0.5 s: ${all.map(Math.round).join(' ')}`);
  const sorted = [...all].sort((a, b) => a - b);
  assert.ok(sorted[sorted.length >> 1]! <= 300, `median ${sorted[sorted.length >> 1]} ms`);
  assert.ok(
    sequential.segments.every((s) => !s.flags.includes('repetition') && !s.flags.includes('silence')),
  );
});

test('long-form, batched mode: the same words as the sequential loop (clean speech)', (t) => {
  const wer = wordErrorRate(normalise(sequential.text), normalise(batched.text));
  t.diagnostic(`word difference between the modes: ${(100 * wer).toFixed(1)} %`);
  assert.ok(wer <= 0.03, `${(100 * wer).toFixed(1)} % of the words differ`);
  assert.equal(batched.durationMs, sequential.durationMs);
  for (const [s, e] of known) {
    const inside = batched.segments.filter((x) => x.endMs > s && x.startMs < e);
    assert.ok(inside.length > 0, `a batched segment covers the clip at ${s}–${e} ms`);
  }
});
