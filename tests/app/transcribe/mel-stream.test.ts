import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Fft } from '../../../app/transcribe/fft.ts';
import { MelStream } from '../../../app/transcribe/mel-stream.ts';
import { logMelSpectrogram, N_SAMPLES } from '../../../models/features/log-mel.ts';
import { sharedPath } from '../../helpers/shared.ts';
import { Rng } from '../../../models/fixtures/random.ts';

function wavSamples(path: string): Float32Array {
  const b = readFileSync(path);
  // jfk.wav: 16-bit PCM mono at 16 kHz with a 44-byte header
  const pcm = new Int16Array(
    b.buffer.slice(b.byteOffset + 44, b.byteOffset + b.byteLength - ((b.byteLength - 44) % 2)),
  );
  return Float32Array.from(pcm, (v) => v / 32768);
}

async function* chunks(x: Float32Array, size: number): AsyncGenerator<Float32Array> {
  for (let i = 0; i < x.length; i += size) yield x.subarray(i, i + size);
}

test('FFT equals the direct DFT (400 points = 5·5·4·4)', () => {
  const n = 400;
  const rng = new Rng(3);
  const re = Float64Array.from(rng.normals(n));
  const im = Float64Array.from(rng.normals(n));
  const [r0, i0] = [re.slice(), im.slice()];
  new Fft(n).transform(re, im);
  let err = 0;
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      sr += r0[t]! * Math.cos(a) - i0[t]! * Math.sin(a);
      si += r0[t]! * Math.sin(a) + i0[t]! * Math.cos(a);
    }
    err = Math.max(err, Math.abs(sr - re[k]!), Math.abs(si - im[k]!));
  }
  assert.ok(err < 1e-10, `${err}`);
});

test("windows equal transcribe.py's: whole-file log-mel (30 s zero padding, global max), cut, zero-padded", async () => {
  const audio = wavSamples(sharedPath('audio', 'jfk.wav'));
  const padded = new Float32Array(audio.length + N_SAMPLES);
  padded.set(audio);
  const ref = logMelSpectrogram(padded, 80); // normalised with the max over the whole padded mel
  const content = Math.floor(audio.length / 160);
  const mel = MelStream.fromSamples(audio, { nMels: 80, windowFrames: 3000 });
  const w = (await mel.window(0))!;
  assert.equal(w.frames, content);
  assert.equal(mel.contentFrames, content);
  let err = 0;
  for (let m = 0; m < 80; m++) {
    for (let f = 0; f < 3000; f++) {
      const want = f < content ? ref.mel[m * ref.nFrames + f]! : 0; // pad_or_trim pads the mel with 0
      err = Math.max(err, Math.abs(w.mel[m * 3000 + f]! - want));
    }
  }
  assert.ok(err < 1e-5, `max abs error ${err}`);
  // a later window starts mid-file and holds only what is left
  const w2 = (await mel.window(500))!;
  assert.equal(w2.frames, content - 500);
  assert.ok(Math.abs(w2.mel[0]! - w.mel[500]!) < 1e-6);
  assert.equal(await mel.window(content), null);
});

test('a stream gives the same windows (loudest part early: the running max is the global max)', async () => {
  const audio = wavSamples(sharedPath('audio', 'jfk.wav'));
  const a = MelStream.fromSamples(audio, { nMels: 80, windowFrames: 3000 });
  const b = new MelStream(chunks(audio, 12345), { nMels: 80, windowFrames: 3000 });
  const [wa, wb] = [(await a.window(0))!, (await b.window(0))!];
  assert.equal(wa.frames, wb.frames);
  let err = 0;
  wa.mel.forEach((v, i) => (err = Math.max(err, Math.abs(v - wb.mel[i]!))));
  assert.ok(err < 1e-5, `${err}`);
});

test('bounded memory: frames behind the seek point are released, reading stays one chunk ahead', async () => {
  const minutes = 3;
  const n = minutes * 60 * 16000;
  const rng = new Rng(9);
  let served = 0;
  async function* source(): AsyncGenerator<Float32Array> {
    for (let i = 0; i < n; i += 160000) {
      served = i + 160000;
      yield Float32Array.from(rng.normals(Math.min(160000, n - i), 0.1));
    }
  }
  const mel = new MelStream(source(), { nMels: 80, windowFrames: 3000 });
  let maxAhead = 0;
  for (let seek = 0; ; seek += 2500) {
    const w = await mel.window(seek);
    if (!w) break;
    maxAhead = Math.max(maxAhead, served - (seek + 3000) * 160);
  }
  assert.equal(mel.contentFrames, n / 160);
  assert.ok(mel.maxHeldFrames <= 3000 + 1000 + 500, `held ${mel.maxHeldFrames} frames`);
  assert.ok(maxAhead <= 160000, `read ${maxAhead} samples past the window`);
});
