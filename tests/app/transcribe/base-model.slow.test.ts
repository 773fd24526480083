/**
 * End to end on the real whisper-base: jfk.wav through the ONNX encoder and the WASM Slim decoder
 * with Whisper's decoding policy (beam 5, timestamps, fallback) and word timestamps; and the
 * batched mode. Slow (model load, Slim conversion, encoder runs): *.slow.test.ts.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readAudioFile } from '../../../app/audio/read.ts';
import { MelStream } from '../../../app/transcribe/mel-stream.ts';
import type { TranscribeEvent } from '../../../app/transcribe/types.ts';
import { sharedPath } from '../../helpers/shared.ts';
import { normalise, openRealModel, speechBounds, type RealModel } from './real-model.ts';

const JFK =
  'And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.';

let model: RealModel;
let audio: Float32Array;
let bounds: [number, number];

before(async () => {
  model = await openRealModel();
  audio = (await readAudioFile(sharedPath('audio', 'jfk.wav'))).samples;
  const mel = MelStream.fromSamples(audio, { nMels: 80, windowFrames: 3000 });
  await mel.ensure(3000);
  const [first, last] = speechBounds(mel.energies(0, 3000));
  bounds = [first * 10, (last + 1) * 10];
});

after(async () => {
  await model.encoder.dispose();
});

test('jfk.wav, sequential, beam 5, word timestamps: the sentence, English, speech boundaries within 0.5 s', async () => {
  const events: TranscribeEvent[] = [];
  const r = await model.transcriber.transcribe(
    audio,
    { wordTimestamps: true },
    { onEvent: (e) => events.push(e) },
  );
  assert.equal(normalise(r.text), normalise(JFK));
  assert.equal(r.language, 'en');
  assert.ok(r.languageProbs[0]!.probability > 0.8, JSON.stringify(r.languageProbs));
  const first = r.segments[0]!;
  const last = r.segments[r.segments.length - 1]!;
  assert.ok(
    Math.abs(first.startMs - bounds[0]) <= 500,
    `starts at ${first.startMs} ms, speech at ${bounds[0]} ms`,
  );
  assert.ok(
    Math.abs(last.endMs - bounds[1]) <= 500,
    `ends at ${last.endMs} ms, speech until ${bounds[1]} ms`,
  );
  const words = r.segments.flatMap((s) => s.words!);
  assert.equal(normalise(words.map((w) => w.text).join('')), normalise(JFK));
  words.forEach((w, i) => {
    assert.ok(w.startMs <= w.endMs && w.probability > 0 && w.probability <= 1, JSON.stringify(w));
    if (i > 0) assert.ok(w.startMs >= words[i - 1]!.startMs, 'words in order');
  });
  assert.ok(r.segments.every((s) => !s.flags.includes('repetition') && !s.flags.includes('silence')));
  assert.ok(events.some((e) => e.type === 'progress' && e.fraction === 1));
  assert.equal(r.durationMs, 11000);
});

test('jfk.wav, batched mode (greedy): the same sentence', async () => {
  const r = await model.transcriber.transcribe(audio, { mode: 'batched', beamSize: null });
  assert.equal(normalise(r.text), normalise(JFK));
  assert.ok(Math.abs(r.segments[0]!.startMs - bounds[0]) <= 500);
});
