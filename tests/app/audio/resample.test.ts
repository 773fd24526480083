import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResampler, resampledLength, resampleTo16k } from '../../../app/audio/resample.ts';
import { Windower } from '../../../app/audio/windows.ts';
import { SlimError } from '../../../models/errors.ts';
import { db, rms, tone } from './helpers.ts';

const AMP = 0.5;
const EDGE = 1600; // output samples skipped at each end (filter start-up and tail)

/** Output level of a tone, in dB relative to the input tone's level. */
async function levelDb(freq: number, rate: number, seconds = 2): Promise<number> {
  const out = await resampleTo16k(Float32Array.from(tone(freq, rate, rate * seconds, AMP)), rate);
  return db(rms(out, EDGE, out.length - EDGE) / (AMP / Math.SQRT2));
}

test('stopband: tones above 8 kHz at 44.1/48/96 kHz come out ≥ 60 dB down (measured ≥ 100 dB)', async (t) => {
  for (const rate of [44100, 48000, 96000]) {
    const freqs = [8500, 9000, 10000, 12000, 16000, 20000, 30000, 40000].filter((f) => f < rate / 2);
    const levels = await Promise.all(freqs.map((f) => levelDb(f, rate)));
    const worst = Math.max(...levels);
    t.diagnostic(`${rate} Hz: ${freqs.map((f, i) => `${f / 1000}k ${levels[i]!.toFixed(1)} dB`).join(', ')}`);
    assert.ok(worst <= -60, `${rate}: worst stopband level ${worst.toFixed(1)} dB`);
    // What libsamplerate's medium sinc really gives, so a weaker replacement shows up here.
    assert.ok(worst <= -100, `${rate}: worst stopband level ${worst.toFixed(1)} dB`);
  }
});

test('passband: a 1 kHz tone keeps its level within 0.1 dB from every rate; 7 kHz within 0.5 dB', async (t) => {
  for (const rate of [8000, 11025, 22050, 32000, 37800, 44100, 48000, 96000, 192000]) {
    const l1 = await levelDb(1000, rate);
    const l7 = rate > 14000 ? await levelDb(7000, rate) : 0; // 7 kHz exists only above 14 kHz
    t.diagnostic(`${rate} Hz: 1 kHz ${l1.toFixed(4)} dB${rate > 14000 ? `, 7 kHz ${l7.toFixed(3)} dB` : ''}`);
    assert.ok(Math.abs(l1) < 0.1, `${rate}: 1 kHz at ${l1} dB`);
    assert.ok(Math.abs(l7) < 0.5, `${rate}: 7 kHz at ${l7} dB`);
  }
});

test('phase: the output is not delayed (a 1 kHz tone lines up with the ideal 16 kHz tone)', async () => {
  for (const rate of [8000, 44100, 48000, 96000]) {
    const out = await resampleTo16k(Float32Array.from(tone(1000, rate, rate, AMP)), rate);
    const ideal = tone(1000, 16000, out.length, AMP);
    let err = 0;
    for (let i = EDGE; i < out.length - EDGE; i++) err = Math.max(err, Math.abs(out[i]! - ideal[i]!));
    assert.ok(err < 1e-3, `${rate}: max deviation from the ideal tone ${err}`);
  }
});

test('length: round(n × 16000 / rate) samples (±1 per second) for common and odd rates', async () => {
  for (const rate of [
    8000, 11025, 12000, 22050, 24000, 32000, 37800, 44056, 44100, 48000, 88200, 96000, 176400, 192000,
  ]) {
    for (const n of [1, 7, rate - 3, rate * 3 + 1]) {
      const out = await resampleTo16k(new Float32Array(n).fill(0.1), rate);
      const want = resampledLength(n, rate);
      assert.ok(Math.abs(out.length - want) <= 1, `${rate} Hz, ${n} in: ${out.length} out, want ${want}`);
      assert.ok(Math.abs(out.length - (n * 16000) / rate) <= Math.max(1, n / rate), `${rate} ${n}`);
    }
  }
});

test('streaming: any chunking gives exactly the one-shot output; the WASM state is per instance', async () => {
  const rate = 44100;
  const x = Float32Array.from(tone(440, rate, rate * 3, 0.3), (v, i) => v + 0.1 * Math.sin(i / 7));
  const whole = await resampleTo16k(x, rate);
  const a = await createResampler(rate);
  const b = await createResampler(48000); // interleaved with a: must not disturb it
  const parts: Float32Array[] = [];
  const sizes = [1, 2, 3, 100, 4099, 65536, 70000, 13];
  for (let i = 0, k = 0; i < x.length; k++) {
    const n = sizes[k % sizes.length]!;
    parts.push(a.push(x.subarray(i, i + n)));
    b.push(Float32Array.from(tone(1000, 48000, 500)));
    i += n;
  }
  parts.push(a.flush());
  const joined = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((o, p) => (joined.set(p, o), o + p.length), 0);
  assert.equal(joined.length, whole.length);
  assert.deepEqual(joined, whole);
  assert.throws(() => a.push(x), /after flush/);
});

test('16 kHz input passes through untouched; impossible rates are refused', async () => {
  const x = Float32Array.from(tone(440, 16000, 1000));
  assert.equal(await resampleTo16k(x, 16000), x);
  for (const bad of [0, -1, 250000, 44100.5]) {
    await assert.rejects(createResampler(bad, 'odd.wav'), (e: unknown) => {
      assert.ok(e instanceof SlimError);
      assert.equal(e.code, 'AUDIO_FORMAT');
      assert.match(e.message, /odd\.wav: cannot resample from/);
      return true;
    });
  }
});

test('windower: fixed windows with running start samples, a short last one, none empty', () => {
  const w = new Windower(10);
  const got = [...w.push(new Float32Array(25).map((_, i) => i)), ...w.push(new Float32Array(0))];
  const last = w.flush();
  assert.deepEqual(
    got.map((x) => [x.startSample, x.samples.length, x.samples[0]]),
    [
      [0, 10, 0],
      [10, 10, 10],
    ],
  );
  assert.deepEqual([last!.startSample, last!.samples.length, last!.samples[0]], [20, 5, 20]);
  assert.equal(w.flush(), null);
  assert.throws(() => new Windower(0), /positive integer/);
});
