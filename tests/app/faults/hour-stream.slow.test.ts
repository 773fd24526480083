/**
 * A 1-hour file streamed with bounded memory: a 16 kHz WAV of an hour of silence with jfk.wav
 * at six places is written to disk, streamed by app/audio (streamAudioFile, 30 s windows) into
 * the real base model in batched mode (the VAD skips silence without encoding it), and the
 * process's RSS is sampled from after a warm-up to the end. The hour's samples alone are 230 MB
 * as float32 (its log-mel 115 MB): memory may grow by at most 100 MB over the job, so neither
 * is ever held whole. Every inserted clip is transcribed, at its place.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readAudioFile, streamAudioFile } from '../../../app/audio/read.ts';
import { AUDIO_DIR } from '../../helpers/shared.ts';
import { normalise, openRealModel, type RealModel } from '../transcribe/real-model.ts';

const RATE = 16000;
const HOUR_S = 3600;
/** Where jfk.wav starts, seconds. */
const PLACES_S = [20, 700, 1500, 2210, 2900, 3580];
const GROWTH_BOUND_MB = 100;

let dir: string;
let model: RealModel;

/** 16-bit PCM mono WAV of `seconds` of silence with `clip` at `places`, written in 10 s pieces. */
function writeHourWav(path: string, clip: Float32Array, places: readonly number[], seconds: number): void {
  const n = seconds * RATE;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + 2 * n, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(2 * RATE, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(2 * n, 40);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header);
    const piece = 10 * RATE;
    const buf = Buffer.alloc(2 * piece);
    for (let start = 0; start < n; start += piece) {
      buf.fill(0);
      for (const p of places) {
        const at = p * RATE;
        for (let i = Math.max(start, at); i < Math.min(start + piece, at + clip.length); i++) {
          const s = Math.max(-1, Math.min(1, clip[i - at]!));
          buf.writeInt16LE(Math.round(s * 32767), 2 * (i - start));
        }
      }
      writeSync(fd, buf, 0, 2 * Math.min(piece, n - start));
    }
  } finally {
    closeSync(fd);
  }
}

const rssMB = (): number => process.memoryUsage.rss() / 2 ** 20;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slim-hour-'));
  model = await openRealModel();
});
after(async () => {
  await model?.encoder.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('an hour streamed from disk: RSS grows by less than 100 MB; every clip transcribed at its place', async () => {
  const jfk = (await readAudioFile(join(AUDIO_DIR, 'jfk.wav'))).samples;
  const path = join(dir, 'hour.wav');
  writeHourWav(path, jfk, PLACES_S, HOUR_S);
  const options = {
    language: 'en',
    mode: 'batched',
    beamSize: null,
    bestOf: null,
    temperatures: [0],
  } as const;
  // Warm-up: the encoder's and decoder's memory reach their working size on a short file first.
  await model.transcriber.transcribe(jfk, options);
  global.gc?.();
  const startMB = rssMB();
  let peakMB = startMB;
  const timer = setInterval(() => (peakMB = Math.max(peakMB, rssMB())), 50);
  let result;
  try {
    result = await model.transcriber.transcribe(streamAudioFile(path), {
      ...options,
      durationMs: HOUR_S * 1000,
    });
  } finally {
    clearInterval(timer);
  }
  const endMB = rssMB();
  peakMB = Math.max(peakMB, endMB);
  console.log(
    `# RSS start ${startMB.toFixed(0)} MB, peak ${peakMB.toFixed(0)} MB, end ${endMB.toFixed(0)} MB (bound: +${GROWTH_BOUND_MB} MB)`,
  );
  assert.ok(peakMB - startMB < GROWTH_BOUND_MB, `peak grew by ${(peakMB - startMB).toFixed(0)} MB`);
  assert.ok(endMB - startMB < GROWTH_BOUND_MB, `end grew by ${(endMB - startMB).toFixed(0)} MB`);

  assert.equal(Math.round(result.durationMs / 1000), HOUR_S);
  for (const p of PLACES_S) {
    const over = result.segments.filter((s) => s.endMs > p * 1000 && s.startMs < (p + 11) * 1000);
    const text = normalise(over.map((s) => s.text).join(' '));
    assert.match(
      text,
      /ask not what your country can do for you/,
      `the clip at ${p} s: ${JSON.stringify(text)}`,
    );
  }
  const stray = result.segments.filter(
    (s) => !PLACES_S.some((p) => s.endMs > p * 1000 && s.startMs < (p + 12) * 1000),
  );
  assert.deepEqual(
    stray.map((s) => [s.startMs, s.text]),
    [],
    'no text in the silence',
  );
});
