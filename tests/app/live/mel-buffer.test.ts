import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAudioFile } from '../../../app/audio/read.ts';
import { MelBuffer } from '../../../app/live/mel-buffer.ts';
import { MelStream } from '../../../app/transcribe/mel-stream.ts';
import { sharedPath } from '../../helpers/shared.ts';

const W = 1000; // a 10 s window

async function jfk(): Promise<Float32Array> {
  return (await readAudioFile(sharedPath('audio', 'jfk.wav'))).samples;
}

async function reference(
  samples: Float32Array,
): Promise<{ mel: Float32Array; frames: number; levels: Float32Array }> {
  const stream = MelStream.fromSamples(samples, { nMels: 80, windowFrames: W });
  const w = await stream.window(0);
  return { mel: w!.mel, frames: w!.frames, levels: stream.energies(0, w!.frames) };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('frames computed chunk by chunk equal the whole-clip log-mel of the same samples', async () => {
  const audio = (await jfk()).subarray(0, 4 * 16000 + 123);
  const buf = new MelBuffer(80);
  for (let i = 0; i < audio.length; i += 1600) {
    buf.append(audio.subarray(i, i + 1600));
    if (i % 8000 === 0) buf.window(W); // passes in between leave zero-padded tail frames behind
  }
  const got = buf.window(W);
  const want = await reference(audio);
  assert.equal(got.frames, want.frames);
  assert.ok(maxDiff(got.mel, want.mel) < 1e-5, `max diff ${maxDiff(got.mel, want.mel)}`);
  const levels = buf.levels(got.frames);
  assert.ok(maxDiff(levels, want.levels) < 1e-3, `levels: max diff ${maxDiff(levels, want.levels)}`);
});

test('after a cut the window is the log-mel of the samples from the cut on', async () => {
  const audio = (await jfk()).subarray(0, 6 * 16000);
  const buf = new MelBuffer(80);
  buf.append(audio.subarray(0, 3 * 16000));
  buf.window(W);
  const cut = buf.cut(16000 + 100); // rounded down to whole frames
  assert.equal(cut, 16000);
  assert.equal(buf.startSample, 16000);
  buf.append(audio.subarray(3 * 16000));
  const got = buf.window(W);
  const want = await reference(audio.subarray(16000));
  assert.equal(got.frames, want.frames);
  assert.ok(maxDiff(got.mel, want.mel) < 1e-5, `max diff ${maxDiff(got.mel, want.mel)}`);
  const levels = buf.levels(got.frames);
  assert.ok(maxDiff(levels, want.levels) < 1e-3, `levels: max diff ${maxDiff(levels, want.levels)}`);
});

test('a buffer longer than the window gives its first window of frames', async () => {
  const audio = (await jfk()).subarray(0, 11 * 16000);
  const buf = new MelBuffer(80);
  buf.append(audio);
  const got = buf.window(W);
  assert.equal(got.frames, W);
  assert.equal(got.mel.length, 80 * W);
});
