/**
 * Ten hours of audio, streamed: the WAV reader and the ffmpeg pipe must keep memory bounded
 * (about one window) and lose no sample. The WAV is a sparse file (header + markers, the rest
 * zeros that take no disk); ffmpeg generates its ten hours itself (lavfi sine source).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegChunks } from '../../../app/audio/ffmpeg.ts';
import { streamAudioFile } from '../../../app/audio/read.ts';
import { windowed } from '../../../app/audio/windows.ts';
import type { AudioWindow } from '../../../app/audio/types.ts';
import { N_SAMPLES } from '../../../models/features/log-mel.ts';
import { rms, tempDir, writeWav } from './helpers.ts';

const HOURS = 10;
const RATE = 16000;
const TOTAL = HOURS * 3600 * RATE; // 576 000 000 samples
const MB = 1024 * 1024;

/** Runs the stream, checking each window, and measures RSS above what it was at the start. */
async function drain(windows: AsyncIterable<AudioWindow>, check: (w: AudioWindow) => void) {
  const base = process.memoryUsage().rss;
  let peak = base;
  let next = 0;
  let count = 0;
  const started = Date.now();
  for await (const w of windows) {
    assert.equal(w.startSample, next);
    next += w.samples.length;
    count++;
    check(w);
    if (count % 20 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  return {
    samples: next,
    count,
    baseMb: base / MB,
    peakMb: peak / MB,
    seconds: (Date.now() - started) / 1000,
  };
}

test('a 10-hour 16-bit WAV streams in 30 s windows with bounded memory and every sample in place', async (t) => {
  const path = join(tempDir(), 'ten-hours.wav');
  const header = writeWav({
    rate: RATE,
    channels: [new Float64Array(0)],
    coding: 'int16',
    declaredDataBytes: TOTAL * 2,
  });
  const fd = openSync(path, 'w');
  writeSync(fd, header);
  ftruncateSync(fd, header.byteLength + TOTAL * 2); // sparse: reads as zeros, takes no disk
  // A 0.1 s marker at 0.5 s into each hour, of value (h + 1) × 1000.
  const markerAt = (h: number): number => (h * 3600 + 0.5) * RATE;
  for (let h = 0; h < HOURS; h++) {
    const m = new Int16Array(1600).fill((h + 1) * 1000);
    writeSync(fd, new Uint8Array(m.buffer), 0, m.byteLength, header.byteLength + markerAt(h) * 2);
  }
  closeSync(fd);

  const seen = new Set<number>();
  const r = await drain(streamAudioFile(path), (w) => {
    const h = Math.round((w.startSample - 0.5 * RATE) / (3600 * RATE));
    const at = markerAt(h) - w.startSample;
    const hasMarker = at >= 0 && at < w.samples.length;
    let nonzero = 0;
    for (let i = 0; i < w.samples.length; i++) if (w.samples[i] !== 0) nonzero++;
    if (!hasMarker) return assert.equal(nonzero, 0, `window at ${w.startSample} not silent`);
    assert.equal(nonzero, 1600);
    assert.equal(w.samples[at], ((h + 1) * 1000) / 32768);
    assert.equal(w.samples[at - 1], 0);
    seen.add(h);
  });
  t.diagnostic(
    `WAV: ${r.count} windows, ${r.samples} samples in ${r.seconds.toFixed(1)} s; ` +
      `RSS ${r.baseMb.toFixed(0)} MB at start, peak ${r.peakMb.toFixed(0)} MB (+${(r.peakMb - r.baseMb).toFixed(0)} MB); file 1099 MB`,
  );
  assert.equal(r.samples, TOTAL);
  assert.equal(r.count, TOTAL / N_SAMPLES);
  assert.equal(seen.size, HOURS);
  assert.ok(r.peakMb - r.baseMb < 150, `RSS grew by ${(r.peakMb - r.baseMb).toFixed(0)} MB`);
});

test('10 hours through ffmpeg (lavfi sine) stream with bounded memory', async (t) => {
  const source = `sine=frequency=440:sample_rate=${RATE}:duration=${HOURS * 3600}`;
  const chunks = ffmpegChunks(['-f', 'lavfi', '-i', source], 'lavfi sine', {}, { warnings: [] });
  const r = await drain(windowed(chunks), (w) => {
    if (w.samples.length < N_SAMPLES) return;
    const level = rms(w.samples) / (0.125 / Math.SQRT2); // lavfi sine's amplitude is 1/8
    assert.ok(Math.abs(level - 1) < 1e-3, `window at ${w.startSample}: level ${level}`);
  });
  t.diagnostic(
    `ffmpeg: ${r.count} windows, ${r.samples} samples in ${r.seconds.toFixed(1)} s; ` +
      `RSS ${r.baseMb.toFixed(0)} MB at start, peak ${r.peakMb.toFixed(0)} MB (+${(r.peakMb - r.baseMb).toFixed(0)} MB); PCM 2197 MB`,
  );
  assert.equal(r.samples, TOTAL);
  assert.equal(r.count, TOTAL / N_SAMPLES);
  assert.ok(r.peakMb - r.baseMb < 150, `RSS grew by ${(r.peakMb - r.baseMb).toFixed(0)} MB`);
});
