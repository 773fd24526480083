import { test } from 'node:test';
import assert from 'node:assert/strict';
import { framesToMono, type FrameLayout, type SampleCoding } from '../../../app/audio/pcm.ts';
import {
  parseInput,
  layoutChannels,
  ffmpegFailure,
  decodeComplaints,
} from '../../../app/audio/ffmpeg-log.ts';
import { F32Reader } from '../../../app/audio/ffmpeg.ts';

function mono(bytes: number[], coding: SampleCoding, channels = 1, frameBytes?: number, le = true): number[] {
  const size = { uint8: 1, int16: 2, int24: 3, int32: 4, float32: 4, float64: 8, alaw: 1, mulaw: 1 }[coding];
  const layout: FrameLayout = {
    coding,
    channels,
    frameBytes: frameBytes ?? size * channels,
    littleEndian: le,
  };
  const out = new Float32Array(Math.floor(bytes.length / layout.frameBytes));
  framesToMono(Uint8Array.from(bytes), layout, out);
  return Array.from(out);
}

test('integer codings: full-scale extremes and zero', () => {
  assert.deepEqual(mono([0, 128, 255], 'uint8'), [-1, 0, 127 / 128]);
  assert.deepEqual(mono([0x00, 0x80, 0xff, 0x7f, 0, 0], 'int16'), [-1, 32767 / 32768, 0]);
  assert.deepEqual(mono([0x80, 0x00, 0x7f, 0xff], 'int16', 1, 2, false), [-1, 32767 / 32768]);
  assert.deepEqual(mono([0, 0, 0x80, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff], 'int24'), [
    -1,
    Math.fround(8388607 / 8388608),
    Math.fround(-1 / 8388608),
  ]);
  assert.deepEqual(mono([0x80, 0, 0, 0x7f, 0xff, 0xff], 'int24', 1, 3, false), [
    -1,
    Math.fround(8388607 / 8388608),
  ]);
  assert.deepEqual(mono([0, 0, 0, 0x80, 0, 0, 0, 0x40], 'int32'), [-1, 0.5]);
});

test('G.711: A-law and μ-law expansions at known codes', () => {
  // A-law 0xD5 / 0x55 are the smallest magnitudes (±8); 0xAA / 0x2A the largest (±32256).
  assert.deepEqual(mono([0xd5, 0x55, 0xaa, 0x2a], 'alaw'), [
    8 / 32768,
    -8 / 32768,
    32256 / 32768,
    -32256 / 32768,
  ]);
  // μ-law 0xFF / 0x7F are zero; 0x80 / 0x00 the extremes (±32124).
  assert.deepEqual(mono([0xff, 0x7f, 0x80, 0x00], 'mulaw'), [0, 0, 32124 / 32768, -32124 / 32768]);
});

test('stereo average, padded frames, and an unaligned buffer take the same values', () => {
  // Two int16 channels (1000, 3000) → 2000; with 2 padding bytes per frame (blockAlign 6).
  assert.deepEqual(mono([0xe8, 0x03, 0xb8, 0x0b], 'int16', 2), [2000 / 32768]);
  assert.deepEqual(mono([0xe8, 0x03, 0xb8, 0x0b, 0xff, 0xff], 'int16', 2, 6), [2000 / 32768]);
  const f = new Float32Array([0.25, -0.75, 0.5, 0.125]);
  const aligned = new Uint8Array(f.buffer);
  const shifted = new Uint8Array(aligned.byteLength + 1).subarray(1); // byteOffset 1: DataView path
  shifted.set(aligned);
  const layout: FrameLayout = { coding: 'float32', channels: 2, frameBytes: 8, littleEndian: true };
  const a = new Float32Array(2);
  const b = new Float32Array(2);
  framesToMono(aligned, layout, a);
  framesToMono(shifted, layout, b);
  assert.deepEqual(Array.from(a), [-0.25, 0.3125]);
  assert.deepEqual(b, a);
});

test('non-finite floats are zeroed and counted on both paths', () => {
  const f = new Float64Array([NaN, 1, Infinity, -Infinity, 0.5, 0.5]);
  const layout: FrameLayout = { coding: 'float64', channels: 2, frameBytes: 16, littleEndian: true };
  const out = new Float32Array(3);
  assert.equal(framesToMono(new Uint8Array(f.buffer), layout, out), 3);
  assert.deepEqual(Array.from(out), [0.5, 0, 0.5]);
  const shifted = new Uint8Array(f.byteLength + 4).subarray(4);
  shifted.set(new Uint8Array(f.buffer));
  assert.equal(framesToMono(shifted, layout, out), 3);
});

test('ffmpeg log: layouts, durations, streams of newer ffmpeg versions', () => {
  assert.deepEqual(
    [
      'mono',
      'stereo',
      '5.1(side)',
      '7.1',
      '2.1',
      'quad',
      '6 channels',
      '1 channels (FC)',
      'hexadecagonal',
      'weird',
    ].map(layoutChannels),
    [1, 2, 6, 8, 3, 4, 6, 1, 16, 0],
  );
  const log7 = [
    "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'talk.m4a':",
    '  Metadata:',
    '    major_brand     : M4A ',
    '  Duration: 01:02:03.45, start: 0.000000, bitrate: 130 kb/s',
    '  Stream #0:0[0x1](und): Video: h264 (High), yuv420p, 1280x720, 25 fps',
    '  Stream #0:1[0x2](eng): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, 5.1(side), fltp, 128 kb/s (default)',
    'Stream mapping:',
    '  Stream #0:1 -> #0:0 (aac (native) -> pcm_f32le (native))',
    "Output #0, f32le, to 'pipe:1':",
    '  Stream #0:0(eng): Audio: pcm_f32le, 16000 Hz, mono, flt, 512 kb/s (default)',
  ].join('\n');
  assert.deepEqual(parseInput(log7), {
    format: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationMs: 3723450,
    audio: { codec: 'aac', sampleRate: 48000, channels: 6 },
  });
  const na =
    "Input #0, lavfi, from 'sine':\n  Duration: N/A, start: 0.000000, bitrate: 256 kb/s\n    Stream #0:0: Audio: pcm_s16le, 16000 Hz, mono, s16, 256 kb/s\n";
  assert.deepEqual(parseInput(na), {
    format: 'lavfi',
    durationMs: null,
    audio: { codec: 'pcm_s16le', sampleRate: 16000, channels: 1 },
  });
  assert.equal(parseInput('x.bin: Invalid data found when processing input'), null);
});

test('ffmpeg log: failures become SlimErrors that say what is wrong', () => {
  const cases: [string, string, RegExp][] = [
    ['f.ogg: No such file or directory', 'IO', /f\.ogg: file not found/],
    ['f.ogg: Permission denied', 'IO', /permission denied/],
    [
      'f.bin: Invalid data found when processing input',
      'AUDIO_FORMAT',
      /not an audio or video file that ffmpeg can read/,
    ],
    [
      '[mov,mp4 @ 0x1] moov atom not found\nf.m4a: Invalid data found when processing input',
      'AUDIO_CORRUPT',
      /truncated or corrupt MP4/,
    ],
    [
      "Input #0, matroska,webm, from 'f.mkv':\n  Duration: 00:00:02.00\n    Stream #0:0: Video: vp9\nStream map '0:a:0' matches no streams.",
      'AUDIO_FORMAT',
      /f\.ogg: no audio stream in this matroska,webm file/,
    ],
    [
      "Input #0, ogg, from 'f.ogg':\n    Stream #0:0: Audio: opus, 48000 Hz, stereo, fltp\nStream mapping:\nsomething broke badly",
      'AUDIO_CORRUPT',
      /ffmpeg failed to decode it \(exit 1\): .*something broke badly/,
    ],
    ['weird failure', 'AUDIO_FORMAT', /ffmpeg cannot open it \(exit 1\): weird failure/],
  ];
  for (const [log, code, pattern] of cases) {
    const e = ffmpegFailure(log, 1, 'f.ogg');
    assert.equal(e.code, code, log);
    assert.match(e.message, pattern);
  }
  assert.deepEqual(
    decodeComplaints(
      '[mp3float @ 0x55d0] invalid new backstep -1\n[mp3 @ 0x1] Estimating duration from bitrate, this may be inaccurate\nError while decoding stream #0:0: Invalid data found',
    ),
    ['[mp3float] invalid new backstep -1', 'Error while decoding stream #0:0: Invalid data found'],
  );
});

test('f32le from a pipe: samples split across chunks at every byte offset are reassembled', () => {
  const x = new Float32Array([0.5, -0.25, NaN, 1e-3, -1, Infinity, 0.125]);
  const bytes = new Uint8Array(x.buffer);
  for (const sizes of [[1], [3], [5], [2, 7], [28], [4, 1, 1, 1, 1, 20]]) {
    const reader = new F32Reader();
    const got: number[] = [];
    for (let i = 0, k = 0; i < bytes.length; k++) {
      const n = sizes[k % sizes.length]!;
      got.push(...reader.push(bytes.subarray(i, i + n)));
      i += n;
    }
    assert.deepEqual(got, [0.5, -0.25, 0, Math.fround(1e-3), -1, 0, 0.125], `chunks of ${sizes}`);
    assert.equal(reader.bad, 2);
  }
});
