/**
 * The transcription done criterion: the CLI on jfk.wav with the real base model writes a JSON
 * whose text is the famous sentence and an SRT an independent parser accepts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSync } from 'subtitle';
import { runCli } from '../../helpers/cli.ts';
import { BASE_MODEL_DIR, sharedPath } from '../../helpers/shared.ts';

const out = mkdtempSync(join(tmpdir(), 'slim-transcribe-'));
after(() => rmSync(out, { recursive: true, force: true }));

const normalise = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();

test('slim-whisper transcribe jfk.wav --format json,srt', async () => {
  const r = await runCli(
    [
      'transcribe',
      sharedPath('audio', 'jfk.wav'),
      '--model',
      BASE_MODEL_DIR,
      '--format',
      'json,srt',
      '--out',
      out,
      '--backend',
      'wasm',
    ],
    { SLIM_WHISPER_CACHE_DIR: join(out, 'cache') },
  );
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(readFileSync(join(out, 'jfk.json'), 'utf8')) as {
    text: string;
    language: string;
    segments: Array<{ startMs: number; endMs: number }>;
  };
  assert.equal(
    normalise(json.text),
    normalise(
      'And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.',
    ),
  );
  assert.equal(json.language, 'en');
  assert.ok(json.segments[0]!.startMs <= 500 && json.segments.at(-1)!.endMs >= 10_500);
  const cues = parseSync(readFileSync(join(out, 'jfk.srt'), 'utf8')).filter((n) => n.type === 'cue');
  assert.ok(cues.length >= 1);
  assert.match(r.stderr, /real-time factor/);
});

test('transcribe: bad input gives clear errors and exit codes', async () => {
  const bad = join(out, 'not-audio.wav');
  (await import('node:fs')).writeFileSync(bad, 'this is not audio');
  const r1 = await runCli(['transcribe', bad, '--model', BASE_MODEL_DIR, '--out', out, '--backend', 'wasm']);
  assert.equal(r1.code, 4, r1.stderr);
  assert.match(r1.stderr, /not-audio\.wav/);
  const r2 = await runCli(['transcribe', sharedPath('audio', 'jfk.wav'), '--format', 'docx']);
  assert.equal(r2.code, 2, r2.stderr);
  const r4 = await runCli(['transcribe', sharedPath('audio', 'jfk.wav'), '--split-pause', '-3']);
  assert.equal(r4.code, 2, r4.stderr);
  assert.match(r4.stderr, /--split-pause/);
  const r3 = await runCli(['transcribe', sharedPath('audio', 'jfk.wav'), '--model', join(out, 'nope')]);
  assert.equal(r3.code, 3, r3.stderr);
});
