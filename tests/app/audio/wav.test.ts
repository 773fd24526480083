import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { SlimError } from '../../../models/errors.ts';
import { sharedPath } from '../../helpers/shared.ts';
import { decodeWavBytes } from '../../../app/audio/wav-decode.ts';
import { probeAudioFile, readAudioFile, streamAudioFile } from '../../../app/audio/read.ts';
import {
  db,
  ffmpegMake,
  maxAbsDiff,
  monoOf,
  rms,
  tempDir,
  tone,
  type WavCoding,
  type WavSpec,
  writeWav,
} from './helpers.ts';

const dir = tempDir();

/** Distinct content per channel, so a wrong channel order or average shows. */
function channels(n: number, frames: number, rate = 16000): Float64Array[] {
  return Array.from({ length: n }, (_, c) => {
    const x = tone(220 * (c + 1), rate, frames, 0.6 / n);
    for (let i = 0; i < frames; i++) x[i]! += (c % 2 ? -0.05 : 0.05) * (c + 1);
    return x;
  });
}

/** One quantisation step of the coding: the tolerance of a decoded sample. */
const LSB: Record<WavCoding, number> = {
  uint8: 1 / 128,
  int16: 1 / 32768,
  int24: 1 / 8388608,
  int32: 1e-7, // float32 output resolution, not the coding's
  float32: 1e-7,
  float64: 1e-7,
};

async function expectError(p: Promise<unknown>, code: string, pattern: RegExp): Promise<SlimError> {
  const err = await p.then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SlimError, `not a SlimError: ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.match(err.message, pattern);
  return err;
}

function saveWav(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const layouts: { name: string; spec: Omit<WavSpec, 'channels' | 'rate'>; nch: number }[] = [
  { name: '8-bit PCM mono', spec: { coding: 'uint8' }, nch: 1 },
  { name: '16-bit PCM stereo', spec: { coding: 'int16' }, nch: 2 },
  { name: '24-bit PCM stereo', spec: { coding: 'int24' }, nch: 2 },
  { name: '32-bit PCM mono', spec: { coding: 'int32' }, nch: 1 },
  { name: '32-bit float stereo', spec: { coding: 'float32' }, nch: 2 },
  { name: '64-bit float mono', spec: { coding: 'float64' }, nch: 1 },
  { name: '16-bit PCM 6 channels, EXTENSIBLE', spec: { coding: 'int16', extensible: true }, nch: 6 },
  { name: '24-bit PCM 4 channels, EXTENSIBLE', spec: { coding: 'int24', extensible: true }, nch: 4 },
  {
    name: '20 valid bits in 24, EXTENSIBLE',
    spec: { coding: 'int24', extensible: true, validBits: 20 },
    nch: 2,
  },
  { name: '32-bit float 8 channels, EXTENSIBLE', spec: { coding: 'float32', extensible: true }, nch: 8 },
  { name: '64-bit float stereo, EXTENSIBLE', spec: { coding: 'float64', extensible: true }, nch: 2 },
  { name: '16-bit PCM stereo, RIFX (big-endian)', spec: { coding: 'int16', container: 'RIFX' }, nch: 2 },
  { name: '24-bit PCM stereo, RIFX', spec: { coding: 'int24', container: 'RIFX' }, nch: 2 },
  { name: '32-bit float mono, RIFX', spec: { coding: 'float32', container: 'RIFX' }, nch: 1 },
  { name: '16-bit PCM stereo, RF64', spec: { coding: 'int16', container: 'RF64' }, nch: 2 },
  {
    name: '16-bit PCM with LIST and odd-sized chunks before data',
    spec: {
      coding: 'int16',
      chunksBefore: [
        { id: 'LIST', bytes: new Uint8Array([73, 78, 70, 79, 1, 2, 3]) },
        { id: 'JUNK', bytes: new Uint8Array(333) },
      ],
    },
    nch: 1,
  },
  {
    name: '16-bit PCM after a 200 kB chunk (header longer than the first read)',
    spec: { coding: 'int16', chunksBefore: [{ id: 'JUNK', bytes: new Uint8Array(200_000) }] },
    nch: 2,
  },
];

for (const { name, spec, nch } of layouts) {
  test(`WAV layout: ${name} decodes to the channel average (bytes and file)`, async () => {
    const ch = channels(nch, 16000 + 123);
    const bytes = writeWav({ ...spec, rate: 16000, channels: ch });
    const want = monoOf(ch);
    const tol = LSB[spec.coding] * (spec.validBits ? 2 ** (24 - spec.validBits) : 1);
    const a = await decodeWavBytes(bytes, name);
    assert.equal(a.samples.length, want.length);
    assert.ok(maxAbsDiff(a.samples, want) <= tol, `max error ${maxAbsDiff(a.samples, want)} > ${tol}`);
    assert.equal(a.source.channels, nch);
    assert.equal(a.source.sampleRate, 16000);
    assert.deepEqual(a.warnings, []);
    const b = await readAudioFile(saveWav(`layout-${nch}-${spec.coding}.wav`, bytes));
    assert.deepEqual(b.samples, a.samples);
    assert.equal(b.durationMs, (want.length / 16000) * 1000);
  });
}

test('WAV files written by wavefile itself (8/16/24/32/32f/64, mono and stereo) decode', async () => {
  const ch = channels(2, 4000);
  // Integer codings get integers, float codings the samples themselves (scale 0).
  const interleaved = (scale: number, offset = 0): number[] =>
    Array.from({ length: 8000 }, (_, i) =>
      scale ? Math.round(ch[i % 2]![i >> 1]! * scale) + offset : ch[i % 2]![i >> 1]!,
    );
  const cases: [string, number[], number][] = [
    ['8', interleaved(127, 128), 1 / 128],
    ['16', interleaved(32767), 1 / 32768],
    ['24', interleaved(8388607), 1e-6],
    ['32', interleaved(2147483647), 1e-6],
    ['32f', interleaved(0), 1e-7],
    ['64', interleaved(0), 1e-7],
  ];
  for (const [depth, samples, tol] of cases) {
    const w = new wavefile.WaveFile();
    w.fromScratch(2, 16000, depth, samples);
    const out = await decodeWavBytes(w.toBuffer(), `wavefile-${depth}`);
    assert.ok(
      maxAbsDiff(out.samples, monoOf(ch)) <= tol + 1 / 32768,
      `${depth}: ${maxAbsDiff(out.samples, monoOf(ch))}`,
    );
  }
});

test('A-law and μ-law WAV (made by ffmpeg) decode like ffmpeg decodes them', async () => {
  for (const codec of ['pcm_alaw', 'pcm_mulaw']) {
    const p = join(dir, `${codec}.wav`);
    ffmpegMake(['-i', sharedPath('audio', 'jfk.wav'), '-c:a', codec, p]);
    const ours = await readAudioFile(p);
    assert.equal(ours.source.codec, codec);
    const raw = join(dir, `${codec}.f32`);
    ffmpegMake(['-i', p, '-f', 'f32le', '-acodec', 'pcm_f32le', raw]);
    const ref = new Float32Array(new Uint8Array(readFileSync(raw)).buffer);
    assert.equal(ours.samples.length, ref.length);
    assert.ok(maxAbsDiff(ours.samples, ref) < 1e-6, `${codec}: ${maxAbsDiff(ours.samples, ref)}`);
  }
});

test('IMA ADPCM WAV goes through ffmpeg in Node and is refused clearly by decodeWavBytes', async () => {
  const p = join(dir, 'adpcm.wav');
  ffmpegMake(['-i', sharedPath('audio', 'jfk.wav'), '-c:a', 'adpcm_ima_wav', p]);
  const out = await readAudioFile(p);
  assert.equal(out.source.format, 'wav');
  assert.equal(out.source.codec, 'adpcm_ima_wav');
  assert.ok(Math.abs(out.durationMs - 11000) < 100, `${out.durationMs}`);
  await expectError(
    decodeWavBytes(readFileSync(p), 'adpcm.wav'),
    'AUDIO_FORMAT',
    /adpcm\.wav.*IMA ADPCM \(0x0011\).*ffmpeg/,
  );
});

test('8 kHz, 11.025, 22.05, 37.8, 44.1, 48 and 96 kHz WAV: right length, a 1 kHz tone keeps its level', async () => {
  for (const rate of [8000, 11025, 22050, 37800, 44100, 48000, 96000]) {
    const seconds = 2;
    const x = tone(1000, rate, rate * seconds, 0.5);
    const out = await decodeWavBytes(writeWav({ rate, channels: [x], coding: 'float32' }), `${rate}.wav`);
    assert.ok(Math.abs(out.samples.length - 16000 * seconds) <= seconds, `${rate}: ${out.samples.length}`);
    const level = db(rms(out.samples, 800, out.samples.length - 800) / (0.5 / Math.SQRT2));
    assert.ok(Math.abs(level) < 0.1, `${rate}: ${level.toFixed(4)} dB`);
    assert.equal(out.source.sampleRate, rate);
    assert.equal(out.durationMs, seconds * 1000);
  }
});

test('a 384 kHz WAV (past the WASM resampler limit of 192 kHz) goes through ffmpeg in Node; the renderer refuses it', async () => {
  const bytes = writeWav({ rate: 384000, channels: [tone(1000, 384000, 384000)], coding: 'float32' });
  const out = await readAudioFile(saveWav('384k.wav', bytes));
  assert.deepEqual(out.source, { format: 'wav', codec: 'pcm_f32le', sampleRate: 384000, channels: 1 });
  assert.equal(out.samples.length, 16000);
  const level = db(rms(out.samples, 800, 15200) / (0.5 / Math.SQRT2));
  assert.ok(Math.abs(level) < 0.1, `${level} dB`);
  await expectError(
    decodeWavBytes(bytes, '384k.wav'),
    'AUDIO_FORMAT',
    /384k\.wav: cannot resample from 384000 Hz/,
  );
});

test('a 12 kHz tone in a 48 kHz WAV is gone after decoding (anti-aliasing on the WAV path)', async () => {
  const out = await decodeWavBytes(
    writeWav({ rate: 48000, channels: [tone(12000, 48000, 96000)], coding: 'int16' }),
    'hf',
  );
  const level = db(rms(out.samples, 800, out.samples.length - 800) / (0.5 / Math.SQRT2));
  assert.ok(level < -80, `${level.toFixed(1)} dB`); // int16 quantisation noise sets the floor here
});

test('silent WAV is valid: all zeros out, no warning', async () => {
  const out = await decodeWavBytes(
    writeWav({ rate: 44100, channels: [new Float64Array(44100)], coding: 'int16' }),
    's',
  );
  assert.equal(out.samples.length, 16000);
  assert.ok(out.samples.every((v) => v === 0));
  assert.deepEqual(out.warnings, []);
});

test('NaN and ±Inf in a float WAV become 0 and are counted in a warning', async () => {
  const x = tone(440, 16000, 1600);
  x[10] = NaN;
  x[20] = Infinity;
  x[30] = -Infinity;
  const bytes = writeWav({ rate: 16000, channels: [x, x], coding: 'float32' });
  const out = await decodeWavBytes(bytes, 'nan.wav');
  assert.equal(out.samples[10], 0);
  assert.equal(out.samples[20], 0);
  assert.ok(out.samples.every(Number.isFinite));
  assert.deepEqual(out.warnings, ['nan.wav: 6 NaN/Inf samples replaced by 0']);
  // The other channel of a frame still counts when only one channel is bad.
  const y = tone(440, 16000, 100);
  const z = y.slice();
  z[5] = NaN;
  const half = await decodeWavBytes(writeWav({ rate: 16000, channels: [y, z], coding: 'float64' }), 'half');
  assert.ok(Math.abs(half.samples[5]! - y[5]! / 2) < 1e-7);
  // And at 44.1 kHz the NaN does not spread through the resampler.
  const w = tone(440, 44100, 44100);
  w[1000] = NaN;
  const rs = await decodeWavBytes(writeWav({ rate: 44100, channels: [w], coding: 'float32' }), 'rs');
  assert.ok(rs.samples.every(Number.isFinite));
  assert.equal(rs.warnings.length, 1);
});

test('bad WAV input: empty, header only, cut mid-sample, zero channels, not WAV, no data chunk', async () => {
  const ok = writeWav({ rate: 16000, channels: [tone(440, 16000, 1000)], coding: 'int16' });
  await expectError(decodeWavBytes(new Uint8Array(0), 'empty.wav'), 'AUDIO_EMPTY', /empty\.wav.*empty/);
  await expectError(
    readAudioFile(saveWav('empty.wav', new Uint8Array(0))),
    'AUDIO_EMPTY',
    /empty\.wav.*empty/,
  );
  const headerOnly = ok.subarray(0, 44);
  await expectError(
    decodeWavBytes(headerOnly, 'h.wav'),
    'AUDIO_CORRUPT',
    /h\.wav: truncated WAV.*2000 bytes.*ends after the header/,
  );
  await expectError(readAudioFile(saveWav('h.wav', headerOnly)), 'AUDIO_CORRUPT', /truncated WAV/);
  const zeroData = writeWav({ rate: 16000, channels: [new Float64Array(0)], coding: 'int16' });
  await expectError(
    decodeWavBytes(zeroData, 'z.wav'),
    'AUDIO_EMPTY',
    /z\.wav: the WAV file holds no samples/,
  );
  const zeroCh = writeWav({
    rate: 16000,
    channels: [tone(440, 16000, 100)],
    coding: 'int16',
    declaredChannels: 0,
  });
  await expectError(
    decodeWavBytes(zeroCh, 'zc.wav'),
    'AUDIO_FORMAT',
    /zc\.wav: the WAV header declares 0 channels/,
  );
  await expectError(readAudioFile(saveWav('zc.wav', zeroCh)), 'AUDIO_FORMAT', /0 channels/);
  await expectError(
    decodeWavBytes(new TextEncoder().encode('hello, not audio'), 't.txt'),
    'AUDIO_FORMAT',
    /t\.txt: not a WAV/,
  );
  const noData = ok.slice(0, 36);
  new DataView(noData.buffer).setUint32(4, 28, true);
  await expectError(decodeWavBytes(noData, 'nd.wav'), 'AUDIO_CORRUPT', /nd\.wav.*"data" chunk/);
  const noFmt = ok.slice();
  noFmt.set([0x78, 0x78, 0x78, 0x78], 12); // rename 'fmt '
  await expectError(
    decodeWavBytes(noFmt, 'nf.wav'),
    'AUDIO_CORRUPT',
    /nf\.wav: not a readable WAV file.*fmt/,
  );
});

test('truncated WAV (data cut mid-sample): the whole frames decode, with a warning', async () => {
  const x = tone(440, 16000, 1000);
  const ok = writeWav({ rate: 16000, channels: [x, x], coding: 'int24' });
  const cut = ok.subarray(0, 44 + 6 * 500 + 4); // 500 frames and 4 bytes of the 501st
  const out = await decodeWavBytes(cut, 'cut.wav');
  assert.equal(out.samples.length, 500);
  assert.ok(maxAbsDiff(out.samples, x.subarray(0, 500)) < 1e-6);
  assert.equal(out.warnings.length, 2);
  assert.match(
    out.warnings[0]!,
    /cut\.wav: truncated WAV: the header declares 6000 bytes of samples, the file holds 3004/,
  );
  assert.match(out.warnings[1]!, /end mid-frame; the last 4 bytes are dropped/);
  const file = await readAudioFile(saveWav('cut.wav', cut));
  assert.deepEqual(file.samples, out.samples);
  assert.equal(file.warnings.length, 2);
});

test('WAV with an unknown data size (0 or 0xFFFFFFFF, as live recorders write) reads to the end', async () => {
  const x = tone(440, 16000, 800);
  for (const declared of [0, 0xffffffff]) {
    const out = await decodeWavBytes(
      writeWav({ rate: 16000, channels: [x], coding: 'int16', declaredDataBytes: declared }),
      'u',
    );
    assert.equal(out.samples.length, 800);
    assert.deepEqual(out.warnings, []);
  }
});

test('real WAV clips: jfk.wav equals its int16 samples / 32768; probe agrees with the header', async () => {
  const path = sharedPath('audio', 'jfk.wav');
  const out = await readAudioFile(path);
  const w = new wavefile.WaveFile(readFileSync(path));
  const ref = (w.getSamples(false, Float64Array) as unknown as Float64Array).map((v) => v / 32768);
  assert.equal(out.samples.length, ref.length);
  assert.equal(maxAbsDiff(out.samples, ref), 0);
  assert.deepEqual(await probeAudioFile(path), {
    format: 'wav',
    codec: 'pcm_s16le',
    sampleRate: 16000,
    channels: 1,
    durationMs: 11000,
  });
});

test('streamed WAV windows equal the whole-file decoding, at 16 kHz and through the resampler', async () => {
  for (const rate of [16000, 44100]) {
    const x = tone(300, rate, rate * 5 + 17, 0.3);
    const p = saveWav(
      `stream-${rate}.wav`,
      writeWav({ rate, channels: [x, x.map((v) => -v / 2)], coding: 'int16' }),
    );
    const whole = await readAudioFile(p);
    const parts: Float32Array[] = [];
    let next = 0;
    for await (const w of streamAudioFile(p, { windowSamples: 7777 })) {
      assert.equal(w.startSample, next);
      next += w.samples.length;
      parts.push(w.samples);
    }
    assert.equal(next, whole.samples.length);
    assert.ok(parts.slice(0, -1).every((s) => s.length === 7777));
    const joined = new Float32Array(next);
    parts.reduce((o, s) => (joined.set(s, o), o + s.length), 0);
    assert.deepEqual(joined, whole.samples);
  }
  assert.throws(
    () => streamAudioFile('x.wav', { windowSamples: 0 }),
    /windowSamples must be a positive integer/,
  );
});

test('cancelling a WAV read rejects with CANCELLED', async () => {
  const p = saveWav(
    'long.wav',
    writeWav({ rate: 16000, channels: [new Float64Array(16000 * 120)], coding: 'int16' }),
  );
  const ac = new AbortController();
  let n = 0;
  const run = (async () => {
    for await (const _ of streamAudioFile(p, { signal: ac.signal, windowSamples: 16000 }))
      if (++n === 3) ac.abort();
  })();
  await expectError(run, 'CANCELLED', /long\.wav: decoding cancelled/);
  assert.ok(n < 120);
  await expectError(readAudioFile(p, { signal: AbortSignal.abort() }), 'CANCELLED', /cancelled/);
});
