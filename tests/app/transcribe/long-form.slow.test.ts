/**
 * Long-form on the real whisper-base: seven clips of ../shared/audio joined with known silences
 * (70 s, three windows) go through the sequential seek loop (greedy, word timestamps) and the
 * batched mode (greedy). Every clip's speech start and end (frames within 15 dB of the clip's
 * loudest) must have a segment start and end within 0.5 s (measured: ≤ 0.44 s, median 0.21 s),
 * and the batched mode must give the sequential loop's words. Slow: *.slow.test.ts.
 */
import { readFileSync } from 'node:fs';
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readAudioFile } from '../../../app/audio/read.ts';
import { MelStream } from '../../../app/transcribe/mel-stream.ts';
import type { TranscriptionResult } from '../../../app/transcribe/types.ts';
import { wordErrorRate } from '../../../app/eval/wer.ts';
import { sharedPath } from '../../helpers/shared.ts';
import { openRealModel, speechBounds, type RealModel } from './real-model.ts';

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

/** file → reference transcript (../shared/audio/transcripts.tsv). */
const transcripts = new Map(
  readFileSync(sharedPath('audio', 'transcripts.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .map((c): [string, string] => [c[0]!, c[2]!]),
);

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
  // Segment bounds: word timing snapped to the speech and segments cut at pauses ≥ 1 s
  // (speech-snap.ts) put a segment start and end at every clip's speech bounds.
  const bounds = [...segStarts, ...segEnds];
  assert.ok(
    bounds.every((e) => e <= 500),
    `segment bounds within 0.5 s of the speech: ${bounds.map(Math.round).join(' ')}`,
  );
  const all = [...starts, ...ends];
  assert.ok(
    all.every((e) => e <= 500),
    `word bounds within 0.5 s: ${all.map(Math.round).join(' ')}`,
  );
  assert.ok(
    sequential.segments.every((s) => !s.flags.includes('repetition') && !s.flags.includes('silence')),
  );
});

test('long-form, batched mode: the same words as the sequential loop (clean speech)', (t) => {
  // Whisper's English normalizer on both; the modes see different windows (30 s seeks with the
  // previous text as prompt, against VAD chunks without), so a word may differ at a chunk edge.
  const between = wordErrorRate([{ reference: sequential.text, hypothesis: batched.text }]);
  const u = between.utterances[0]!;
  t.diagnostic(
    `words differing between the modes: ${between.substitutions} substituted, ${between.deletions} deleted, ${between.insertions} inserted of ${between.referenceWords} (${(100 * between.wer).toFixed(1)} %)`,
  );
  if (between.wer > 0)
    t.diagnostic(`sequential: ${u.reference.join(' ')}\nbatched:    ${u.hypothesis.join(' ')}`);
  assert.ok(between.wer <= 0.02, `${(100 * between.wer).toFixed(1)} % of the words differ`);
  // and neither drops speech: WER against the clips' own transcripts
  const reference = PARTS.map(([file]) => transcripts.get(file)!).join(' ');
  const werSeq = wordErrorRate([{ reference, hypothesis: sequential.text }]).wer;
  const werBat = wordErrorRate([{ reference, hypothesis: batched.text }]).wer;
  t.diagnostic(
    `WER against the transcripts: sequential ${(100 * werSeq).toFixed(1)} %, batched ${(100 * werBat).toFixed(1)} %`,
  );
  assert.ok(werSeq <= 0.1 && werBat <= 0.1, `WER ${werSeq} / ${werBat}`);
  assert.equal(batched.durationMs, sequential.durationMs);
  for (const [s, e] of known) {
    const inside = batched.segments.filter((x) => x.endMs > s && x.startMs < e);
    assert.ok(inside.length > 0, `a batched segment covers the clip at ${s}–${e} ms`);
  }
});
