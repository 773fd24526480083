/**
 * Batched mode detects the language where the sequential mode and transcribe.py do: on the first
 * 30 s of the audio padded with silence, not on its first VAD chunk (which starts after the
 * leading silence, ends at the first pause and is padded with zeros). leopard-ja.wav: 5.4 s of
 * Japanese in two chunks, the first from 0.55 s to 4.9 s. Real base model (slow).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readAudioFile } from '../../../app/audio/read.ts';
import { MelStream } from '../../../app/transcribe/mel-stream.ts';
import { DEFAULT_VAD } from '../../../app/transcribe/options.ts';
import type { TranscribeEvent } from '../../../app/transcribe/types.ts';
import { lookahead, planChunk } from '../../../app/transcribe/vad.ts';
import { sharedPath } from '../../helpers/shared.ts';
import { openRealModel, type RealModel } from './real-model.ts';

let model: RealModel;
let audio: Float32Array;

before(async () => {
  model = await openRealModel();
  audio = (await readAudioFile(sharedPath('audio', 'leopard-ja.wav'))).samples;
});

after(async () => {
  await model.encoder.dispose();
});

test('batched mode detects the language on the first 30 s padded with silence, as sequential mode does', async () => {
  // The case at hand: the first chunk is not the audio's first 30 s (it starts later and ends earlier).
  const mel = MelStream.fromSamples(audio, { nMels: 80, windowFrames: 3000 });
  const ahead = lookahead(3000, DEFAULT_VAD);
  await mel.ensure(ahead);
  const plan = planChunk(mel.energies(0, ahead), 0, true, 3000, DEFAULT_VAD);
  assert.ok(plan.chunk && plan.chunk.start > 0 && plan.chunk.end < mel.contentFrames!, JSON.stringify(plan));

  const detected = async (mode: 'sequential' | 'batched') => {
    const events: TranscribeEvent[] = [];
    await model.transcriber.transcribe(
      audio,
      { mode, beamSize: null, temperatures: [0] },
      { onEvent: (e) => events.push(e) },
    );
    const lang = events.filter((e) => e.type === 'language');
    assert.equal(lang.length, 1, `${mode}: one detection`);
    return lang[0]!;
  };
  const sequential = await detected('sequential');
  const batched = await detected('batched');
  assert.equal(sequential.language, 'ja');
  assert.equal(batched.language, sequential.language);
  assert.equal(batched.probabilities.length, sequential.probabilities.length);
  for (const [i, p] of batched.probabilities.entries()) {
    const q = sequential.probabilities[i]!;
    assert.equal(p.language, q.language, `rank ${i}`);
    assert.ok(
      Math.abs(p.probability - q.probability) < 1e-6,
      `${p.language}: ${p.probability} vs ${q.probability}`,
    );
  }
});
