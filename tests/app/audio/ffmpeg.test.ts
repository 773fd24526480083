import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegChunks, FFMPEG_ENV, locateFfmpeg, type FfmpegReport } from '../../../app/audio/ffmpeg.ts';
import { collectChunks } from '../../../app/audio/wav-decode.ts';
import { probeAudioFile, readAudioFile, streamAudioFile } from '../../../app/audio/read.ts';
import { SlimError } from '../../../models/errors.ts';
import { AUDIO_DIR, sharedPath } from '../../helpers/shared.ts';
import { alignedCorrelation, ffmpegMake, tempDir } from './helpers.ts';

const dir = tempDir();
const JFK = sharedPath('audio', 'jfk.wav');
let jfkRef: Float32Array | undefined;
async function jfk(): Promise<Float32Array> {
  jfkRef ??= (await readAudioFile(JFK)).samples;
  return jfkRef;
}

async function expectError(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  const err = await p.then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SlimError, `not a SlimError: ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.match(err.message, pattern);
}

/** Is a process with this marker in its arguments still running? (Reads /proc: Linux only.) */
function processAlive(marker: string): boolean {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) return true;
    } catch {
      // exited while we looked
    }
  }
  return false;
}

test('the packaged ffmpeg is found (SLIM_WHISPER_FFMPEG unset) and runs', () => {
  const loc = locateFfmpeg();
  assert.ok(loc, 'no ffmpeg');
  if (!process.env[FFMPEG_ENV]) assert.equal(loc.source, 'packaged');
  assert.match(execFileSync(loc.path, ['-version'], { encoding: 'utf8' }), /^ffmpeg version/);
  assert.deepEqual(locateFfmpeg('/opt/my/ffmpeg'), { path: '/opt/my/ffmpeg', source: 'option' });
});

test('jfk-44k-stereo.flac through ffmpeg matches jfk.wav (correlation > 0.99 after aligning)', async (t) => {
  const flac = await readAudioFile(sharedPath('audio', 'jfk-44k-stereo.flac'));
  assert.deepEqual(flac.source, { format: 'flac', codec: 'flac', sampleRate: 44100, channels: 2 });
  const ref = await jfk();
  assert.ok(Math.abs(flac.samples.length - ref.length) <= 16, `${flac.samples.length} vs ${ref.length}`);
  const { lag, r } = alignedCorrelation(flac.samples, ref, 800);
  t.diagnostic(`correlation ${r.toFixed(6)} at lag ${lag}`);
  assert.ok(r > 0.99, `correlation ${r} at lag ${lag}`);
  assert.deepEqual(flac.warnings, []);
});

test('every clip in ../shared/audio decodes; WAVs read here agree with the same WAV through ffmpeg', async (t) => {
  const files = readdirSync(AUDIO_DIR).filter((f) => /\.(wav|flac)$/.test(f));
  assert.ok(files.length >= 25, `${files.length} clips`);
  for (const f of files) {
    const path = join(AUDIO_DIR, f);
    const ours = await readAudioFile(path);
    assert.ok(ours.samples.length > 16000, f);
    const probe = await probeAudioFile(path);
    assert.ok(
      Math.abs(probe.durationMs! - ours.durationMs) < 30,
      `${f}: probe ${probe.durationMs} vs ${ours.durationMs}`,
    );
    if (!f.endsWith('.wav')) continue;
    // The same file through ffmpeg (its own WAV reader and its swr resampler).
    const viaFfmpeg = await collectChunks(ffmpegChunks(['-i', path], f, {}, { warnings: [] }));
    assert.ok(
      Math.abs(viaFfmpeg.length - ours.samples.length) <= 2,
      `${f}: ${viaFfmpeg.length} vs ${ours.samples.length}`,
    );
    const { r, lag } = alignedCorrelation(ours.samples, viaFfmpeg, 40);
    if (ours.source.sampleRate !== 16000)
      t.diagnostic(`${f} (${ours.source.sampleRate} Hz): r ${r.toFixed(6)}, lag ${lag}`);
    // Resampled clips differ in 7.2–8 kHz only: libsamplerate's medium sinc rolls off from 7.2 kHz,
    // ffmpeg's swr from 7.8 kHz (lj050, rich in sibilants there, measures 0.994).
    assert.ok(r > (ours.source.sampleRate === 16000 ? 0.999999 : 0.99), `${f}: r ${r} at lag ${lag}`);
    assert.equal(lag, 0, f);
  }
});

const ENCODINGS: { ext: string; args: string[]; format: RegExp; codec: string; minR: number }[] = [
  { ext: 'mp3', args: ['-c:a', 'libmp3lame', '-b:a', '128k'], format: /^mp3$/, codec: 'mp3', minR: 0.97 },
  { ext: 'm4a', args: ['-c:a', 'aac', '-b:a', '128k'], format: /mp4/, codec: 'aac', minR: 0.97 },
  {
    ext: 'aac',
    args: ['-c:a', 'aac', '-b:a', '128k', '-f', 'adts'],
    format: /^aac$/,
    codec: 'aac',
    minR: 0.97,
  },
  { ext: 'opus', args: ['-c:a', 'libopus', '-b:a', '96k'], format: /^ogg$/, codec: 'opus', minR: 0.95 },
  { ext: 'ogg', args: ['-c:a', 'libvorbis', '-q:a', '6'], format: /^ogg$/, codec: 'vorbis', minR: 0.97 },
  { ext: 'webm', args: ['-c:a', 'libopus', '-b:a', '96k'], format: /webm/, codec: 'opus', minR: 0.95 },
  { ext: 'flac', args: ['-c:a', 'flac'], format: /^flac$/, codec: 'flac', minR: 0.999999 },
];
const VIDEO = [
  '-f',
  'lavfi',
  '-i',
  'color=c=black:s=64x64:r=5',
  '-shortest',
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
];
const VIDEOS: { ext: string; audio: string[]; format: RegExp; codec: string; minR: number }[] = [
  { ext: 'mp4', audio: ['-c:a', 'aac', '-b:a', '128k'], format: /mp4/, codec: 'aac', minR: 0.97 },
  { ext: 'mkv', audio: ['-c:a', 'libvorbis', '-q:a', '6'], format: /matroska/, codec: 'vorbis', minR: 0.97 },
  { ext: 'mov', audio: ['-c:a', 'pcm_s16le'], format: /mov/, codec: 'pcm_s16le', minR: 0.999999 },
];

async function checkEncoded(path: string, format: RegExp, codec: string, minR: number): Promise<string> {
  const out = await readAudioFile(path);
  assert.match(out.source.format, format);
  assert.equal(out.source.codec, codec);
  assert.equal(out.sampleRate, 16000);
  assert.ok(Math.abs(out.durationMs - 11000) < 100, `${path}: ${out.durationMs} ms`);
  const { r, lag } = alignedCorrelation(out.samples, await jfk(), 1600);
  assert.ok(r > minR, `${path}: correlation ${r} at lag ${lag}`);
  // The container's duration: ADTS AAC has none (ffmpeg estimates it from the bit rate), and a
  // video's runs to its last frame.
  const probe = await probeAudioFile(path);
  assert.ok(Math.abs(probe.durationMs! - 11000) < 1000, `${path}: probe ${probe.durationMs}`);
  return `${path.split('/').pop()}: r ${r.toFixed(4)} lag ${lag}, ${out.durationMs} ms`;
}

test('mp3, m4a, aac, opus, ogg vorbis, webm, flac made from jfk.wav decode to 11 s and match it', async (t) => {
  for (const e of ENCODINGS) {
    const p = join(dir, `jfk.${e.ext}`);
    ffmpegMake(['-i', JFK, ...e.args, p]);
    t.diagnostic(await checkEncoded(p, e.format, e.codec, e.minR));
  }
});

test('the audio track of mp4, mkv and mov video decodes (video ignored)', async (t) => {
  for (const v of VIDEOS) {
    const p = join(dir, `video.${v.ext}`);
    ffmpegMake([...VIDEO.slice(0, 4), '-i', JFK, ...VIDEO.slice(4), ...v.audio, p]);
    t.diagnostic(await checkEncoded(p, v.format, v.codec, v.minR));
  }
});

test('48 kHz stereo made by ffmpeg streams into 30 s windows through ffmpeg', async () => {
  const p = join(dir, 'long.m4a');
  ffmpegMake([
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000:duration=62',
    '-ac',
    '2',
    '-c:a',
    'aac',
    p,
  ]);
  const windows: [number, number][] = [];
  for await (const w of streamAudioFile(p)) windows.push([w.startSample, w.samples.length]);
  assert.deepEqual(windows.slice(0, 2), [
    [0, 480000],
    [480000, 480000],
  ]);
  assert.equal(windows.length, 3);
  assert.ok(Math.abs(windows[2]![1] - 32000) < 2000, `${windows[2]![1]}`);
});

test('bad input through ffmpeg: random bytes, text, video without audio, truncated m4a, missing file', async () => {
  const noise = join(dir, 'noise.bin');
  writeFileSync(
    noise,
    Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 251),
  );
  await expectError(readAudioFile(noise), 'AUDIO_FORMAT', /noise\.bin: not an audio or video file/);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'This is a text file, not audio.\n'.repeat(20));
  await expectError(readAudioFile(text), 'AUDIO_FORMAT', /notes\.txt: not an audio or video file/);
  await expectError(probeAudioFile(text), 'AUDIO_FORMAT', /notes\.txt: not an audio or video file/);
  const silentVideo = join(dir, 'silent.mp4');
  ffmpegMake([...VIDEO.slice(0, 4), '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', silentVideo]);
  await expectError(
    readAudioFile(silentVideo),
    'AUDIO_FORMAT',
    /silent\.mp4: no audio stream in this mov,mp4/,
  );
  await expectError(probeAudioFile(silentVideo), 'AUDIO_FORMAT', /silent\.mp4: no audio stream/);
  const m4a = join(dir, 'cut-src.m4a');
  ffmpegMake(['-i', JFK, '-c:a', 'aac', m4a]);
  const cut = join(dir, 'cut.m4a');
  writeFileSync(cut, readFileSync(m4a).subarray(0, 20000));
  await expectError(readAudioFile(cut), 'AUDIO_CORRUPT', /cut\.m4a: truncated or corrupt MP4/);
  await expectError(readAudioFile(join(dir, 'nope.mp3')), 'IO', /nope\.mp3: file not found/);
});

test('a truncated mp3 decodes what is there and warns about the damage', async () => {
  const mp3 = join(dir, 'full.mp3');
  ffmpegMake(['-i', JFK, '-c:a', 'libmp3lame', '-b:a', '64k', mp3]);
  const cut = join(dir, 'cut.mp3');
  writeFileSync(cut, readFileSync(mp3).subarray(0, 20011));
  const out = await readAudioFile(cut);
  assert.ok(out.durationMs > 2000 && out.durationMs < 3000, `${out.durationMs}`);
  assert.equal(out.warnings.length, 1);
  assert.match(out.warnings[0]!, /cut\.mp3: ffmpeg skipped damaged data/);
});

test('missing ffmpeg: a clear IO error that says where to get one; SLIM_WHISPER_FFMPEG is honoured', async () => {
  const flac = sharedPath('audio', 'jfk-44k-stereo.flac');
  await expectError(
    readAudioFile(flac, { ffmpegPath: '/nonexistent/ffmpeg' }),
    'IO',
    /jfk-44k-stereo\.flac: ffmpeg \/nonexistent\/ffmpeg \(from the ffmpegPath setting\) does not exist: set SLIM_WHISPER_FFMPEG.*https:\/\/ffmpeg\.org/,
  );
  const saved = process.env[FFMPEG_ENV];
  try {
    process.env[FFMPEG_ENV] = '/nonexistent/env-ffmpeg';
    await expectError(probeAudioFile(flac), 'IO', /env-ffmpeg \(from SLIM_WHISPER_FFMPEG\) does not exist/);
    delete process.env[FFMPEG_ENV];
    process.env[FFMPEG_ENV] = locateFfmpeg()!.path; // a real one, now found through the variable
    assert.equal((await probeAudioFile(flac)).sampleRate, 44100);
    // WAV needs no ffmpeg at all.
    process.env[FFMPEG_ENV] = '/nonexistent/env-ffmpeg';
    assert.equal((await readAudioFile(JFK)).samples.length, 176000);
  } finally {
    if (saved === undefined) delete process.env[FFMPEG_ENV];
    else process.env[FFMPEG_ENV] = saved;
  }
});

test(
  'cancelling kills ffmpeg at once, and so does leaving the loop early',
  { skip: process.platform !== 'linux' && 'reads /proc' },
  async () => {
    const marker = 'sine=frequency=1234:sample_rate=16000:duration=36000';
    const ac = new AbortController();
    let windows = 0;
    const started = Date.now();
    const run = (async () => {
      const chunks = ffmpegChunks(
        ['-f', 'lavfi', '-i', marker],
        'lavfi',
        { signal: ac.signal },
        { warnings: [] },
      );
      for await (const _ of chunks) if (++windows === 20) ac.abort();
    })();
    await expectError(run, 'CANCELLED', /lavfi: decoding cancelled/);
    assert.ok(Date.now() - started < 10000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(processAlive(marker), false, 'ffmpeg still running after abort');

    const marker2 = 'sine=frequency=2345:sample_rate=16000:duration=36000';
    for await (const _ of ffmpegChunks(['-f', 'lavfi', '-i', marker2], 'lavfi', {}, { warnings: [] })) break;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(processAlive(marker2), false, 'ffmpeg still running after break');

    await expectError(
      readAudioFile(sharedPath('audio', 'jfk-44k-stereo.flac'), { signal: AbortSignal.abort() }),
      'CANCELLED',
      /cancelled/,
    );
  },
);

test('ffmpeg report: the input description and the first audio stream', async () => {
  const report: FfmpegReport = { warnings: [] };
  await collectChunks(ffmpegChunks(['-i', sharedPath('audio', 'jfk-44k-stereo.flac')], 'jfk', {}, report));
  assert.deepEqual(report.input, {
    format: 'flac',
    durationMs: 11000,
    audio: { codec: 'flac', sampleRate: 44100, channels: 2 },
  });
  assert.deepEqual(report.warnings, []);
});
