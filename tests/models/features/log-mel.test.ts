import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import wavefile from 'wavefile';
import { melFilterbank } from '../../../models/features/mel-filters.ts';
import { logMelSpectrogram, logMelWindow, N_FRAMES } from '../../../models/features/log-mel.ts';
import { readF32, readNpz, sharedPath } from '../../helpers/shared.ts';

test('mel filterbank equals openai/whisper mel_filters.npz (80 and 128 bins) to float32 precision', () => {
  const npz = readNpz(sharedPath('whisper-assets', 'mel_filters.npz'));
  for (const nMels of [80, 128]) {
    const ref = npz.get(`mel_${nMels}`)!;
    assert.deepEqual(ref.shape, [nMels, 201]);
    const ours = melFilterbank(16000, 400, nMels);
    let maxRel = 0;
    let peak = 0;
    for (let i = 0; i < ours.length; i++) peak = Math.max(peak, Math.abs(ref.data[i]!));
    for (let i = 0; i < ours.length; i++) maxRel = Math.max(maxRel, Math.abs(ours[i]! - ref.data[i]!) / peak);
    // The npz holds float32 values: agreement within a few float32 ulps of the largest weight.
    assert.ok(maxRel < 5e-7, `mel_${nMels}: max deviation ${maxRel} of the peak weight`);
  }
});

test('log-mel of jfk.wav equals the independent float64 reference run to float32 precision', () => {
  const wav = new wavefile.WaveFile(readFileSync(sharedPath('audio', 'jfk.wav')));
  const samples = wav.getSamples(false, Float64Array) as unknown as Float64Array;
  const audio = Float32Array.from(samples, (v) => v / 32768);
  const mel = logMelWindow(audio, 80);
  const ref = readF32(sharedPath('reference', 'jfk-base', 'mel.f32'));
  assert.equal(mel.length, ref.length);
  let maxAbs = 0;
  for (let i = 0; i < ref.length; i++) maxAbs = Math.max(maxAbs, Math.abs(mel[i]! - ref[i]!));
  assert.ok(maxAbs <= 2.5e-7, `max |Δ| = ${maxAbs}`); // values are O(1): two float32 ulps
});

test('log-mel: frame count, silence floor and tiny inputs', () => {
  const silent = logMelSpectrogram(new Float32Array(16000), 80);
  assert.equal(silent.nFrames, 100);
  // All-zero power clamps to 1e-10 → log10 = −10 everywhere → (−10 + 4) / 4.
  assert.ok(silent.mel.every((v) => Math.abs(v - -1.5) < 1e-6));
  const tiny = logMelWindow(new Float32Array(3).fill(0.1), 80);
  assert.equal(tiny.length, 80 * N_FRAMES);
  assert.ok(tiny.every(Number.isFinite));
});
