/** The main-process IPC handlers, called through `dispatch` exactly as Electron and the bridge call them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Channel, IpcResult } from '../../app/ipc/contract.ts';
import { DEFAULT_SETTINGS } from '../../app/ipc/settings.ts';
import type { TranscriptSegment } from '../../app/ipc/transcript.ts';
import { dispatch } from '../../main/ipc/dispatch.ts';
import { sharedPath } from '../helpers/shared.ts';
import { makeContext, ScriptedDialogs, tempDir } from './helpers.ts';

const JFK = sharedPath('audio', 'jfk.wav');
const FLAC = sharedPath('audio', 'jfk-44k-stereo.flac');

async function call(
  ctx: ReturnType<typeof makeContext>,
  channel: Channel | string,
  ...args: unknown[]
): Promise<IpcResult<unknown>> {
  return dispatch(ctx.handlers, channel, args);
}

function value<T>(r: IpcResult<unknown>): T {
  if (!r.ok) assert.fail(`expected a value, got ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

function error(r: IpcResult<unknown>, code: string, pattern: RegExp): void {
  assert.equal(r.ok, false, 'expected an error');
  if (r.ok) return;
  assert.equal(r.error.code, code, r.error.message);
  assert.match(r.error.message, pattern);
}

function ctxWithDialogs() {
  const dialogs = new ScriptedDialogs();
  return { ctx: makeContext(tempDir(), dialogs), dialogs };
}

const segment = (id: number, startMs: number, endMs: number, text: string): TranscriptSegment => ({
  id,
  startMs,
  endMs,
  text,
  words: [{ text, startMs, endMs, probability: 0.9 }],
  flags: [],
});

test('dispatch refuses unknown channels, non-list arguments, extra arguments', async () => {
  const ctx = makeContext();
  error(await dispatch(ctx.handlers, 'shell:exec', ['rm']), 'INVALID_ARGUMENT', /unknown IPC channel/);
  error(await dispatch(ctx.handlers, 'settings:get', 'x'), 'INVALID_ARGUMENT', /arguments must be a list/);
  error(await call(ctx, 'settings:get', 1), 'INVALID_ARGUMENT', /expected 0 argument\(s\), got 1/);
  error(
    await dispatch(ctx.handlers, 'app:info', [], { refuse: new Set(['app:info']) }),
    'INVALID_ARGUMENT',
    /unknown IPC channel/,
  );
});

test('app:info says which shell and whether dialogs exist', async () => {
  assert.deepEqual(
    { ...value<object>(await call(makeContext(), 'app:info')), platform: 'x' },
    { shell: 'web', nativeDialogs: true, version: '0.0.0-test', platform: 'x' },
  );
  assert.equal(
    value<{ nativeDialogs: boolean }>(await call(makeContext(tempDir(), null), 'app:info')).nativeDialogs,
    false,
  );
});

test('files: a path the user did not pick is refused; a picked one is read', async () => {
  const { ctx, dialogs } = ctxWithDialogs();
  error(await call(ctx, 'files:read', JFK), 'INVALID_ARGUMENT', /not chosen by the user/);
  error(await call(ctx, 'audio:load', JFK), 'INVALID_ARGUMENT', /not chosen by the user/);
  error(await call(ctx, 'files:read', 'relative/jfk.wav'), 'INVALID_ARGUMENT', /expected an absolute path/);
  error(
    await call(ctx, 'files:read', 42),
    'INVALID_ARGUMENT',
    /argument 1: expected a string, got number 42/,
  );
  error(await call(ctx, 'files:read', '/tmp/a\0b'), 'INVALID_ARGUMENT', /NUL byte/);

  dialogs.open.push([JFK]);
  const refs = value<{ path: string; name: string; size: number }[]>(await call(ctx, 'dialog:openFiles'));
  assert.deepEqual(refs, [{ path: JFK, name: 'jfk.wav', size: readFileSync(JFK).byteLength }]);
  const bytes = value<Uint8Array>(await call(ctx, 'files:read', JFK));
  assert.equal(bytes.byteLength, refs[0]!.size);
  // Paths that resolve to the same file after normalisation are the same grant; siblings are not.
  assert.equal(
    value<Uint8Array>(await call(ctx, 'files:read', JFK.replace('/audio/', '/audio/../audio/'))).byteLength,
    bytes.byteLength,
  );
  error(await call(ctx, 'files:read', sharedPath('audio', 'wizard.wav')), 'INVALID_ARGUMENT', /not chosen/);
  // Cancelling the dialog grants nothing.
  assert.deepEqual(value(await call(ctx, 'dialog:openFiles')), []);
});

test('files: dropped paths are granted only when they are regular files', async () => {
  const { ctx } = ctxWithDialogs();
  error(await call(ctx, 'files:grantDropped', []), 'INVALID_ARGUMENT', /an array of 1 to 1000 items/);
  error(await call(ctx, 'files:grantDropped', [join(JFK, '..')]), 'INVALID_ARGUMENT', /not a regular file/);
  error(await call(ctx, 'files:grantDropped', ['/no/such/file.wav']), 'IO', /file not found/);
  assert.equal(value<unknown[]>(await call(ctx, 'files:grantDropped', [FLAC])).length, 1);
  assert.ok(ctx.grants.canRead(FLAC));
});

test('audio:load hands small WAVs over as bytes and decodes other formats (ffmpeg) to 16 kHz', async () => {
  const { ctx } = ctxWithDialogs();
  value(await call(ctx, 'files:grantDropped', [JFK, FLAC]));
  const wav = value<{ kind: string; bytes: Uint8Array }>(await call(ctx, 'audio:load', JFK));
  assert.equal(wav.kind, 'wav');
  assert.equal(wav.bytes.byteLength, readFileSync(JFK).byteLength);
  const pcm = value<{
    kind: string;
    samples: Float32Array;
    durationMs: number;
    source: { sampleRate: number; channels: number };
  }>(await call(ctx, 'audio:load', FLAC));
  assert.equal(pcm.kind, 'pcm');
  assert.ok(pcm.samples instanceof Float32Array);
  assert.ok(Math.abs(pcm.samples.length / 16000 - 11) < 0.1, `${pcm.samples.length} samples`);
  assert.deepEqual([pcm.source.sampleRate, pcm.source.channels], [44100, 2]);
});

test('export: writes only to the path the save dialog returned, once, atomically', async () => {
  const { ctx, dialogs } = ctxWithDialogs();
  const dir = tempDir();
  const target = join(dir, 'jfk.srt');
  error(await call(ctx, 'export:write', target, 'x'), 'INVALID_ARGUMENT', /not chosen in the save dialog/);
  error(
    await call(ctx, 'dialog:saveExport', { defaultName: '../evil.srt', format: 'srt' }),
    'INVALID_ARGUMENT',
    /file name without path separators/,
  );
  error(
    await call(ctx, 'dialog:saveExport', { defaultName: 'a.srt', format: 'docx' }),
    'INVALID_ARGUMENT',
    /format: expected one of "srt"/,
  );
  error(
    await call(ctx, 'dialog:saveExport', { defaultName: 'a.srt', format: 'srt', extra: 1 }),
    'INVALID_ARGUMENT',
    /unknown field "extra"/,
  );

  dialogs.save.push(target);
  assert.equal(
    value(await call(ctx, 'dialog:saveExport', { defaultName: 'jfk.srt', format: 'srt' })),
    target,
  );
  assert.deepEqual(dialogs.calls, ['save jfk.srt srt']);
  error(await call(ctx, 'export:write', join(dir, 'other.srt'), 'x'), 'INVALID_ARGUMENT', /not chosen/);
  const text = '1\n00:00:00,000 --> 00:00:01,000\nAnd so\n';
  assert.deepEqual(value(await call(ctx, 'export:write', target, text)), {
    path: target,
    bytes: Buffer.byteLength(text),
  });
  assert.equal(readFileSync(target, 'utf8'), text);
  assert.deepEqual(readdirSync(dir), ['jfk.srt'], 'no temporary file left behind');
  error(await call(ctx, 'export:write', target, 'again'), 'INVALID_ARGUMENT', /not chosen/);
  // Cancel: null, and nothing granted.
  assert.equal(value(await call(ctx, 'dialog:saveExport', { defaultName: 'jfk.srt', format: 'srt' })), null);
});

test('export:writeBinary: bytes (a live WAV) only to the path the save dialog just returned, intact, once', async () => {
  const { ctx, dialogs } = ctxWithDialogs();
  const dir = tempDir();
  const target = join(dir, 'live.wav');
  // Every byte value, and more than one write buffer's worth: what arrives is what is written.
  const bytes = new Uint8Array(300_001).map((_, i) => (i * 31 + (i >> 8)) & 0xff);
  error(
    await call(ctx, 'export:writeBinary', target, bytes),
    'INVALID_ARGUMENT',
    /not chosen in the save dialog/,
  );
  error(await call(ctx, 'export:writeBinary', 'live.wav', bytes), 'INVALID_ARGUMENT', /absolute path/);
  error(await call(ctx, 'export:writeBinary', target, 'RIFF'), 'INVALID_ARGUMENT', /bytes \(Uint8Array\)/);
  error(await call(ctx, 'export:writeBinary', target, [1, 2, 3]), 'INVALID_ARGUMENT', /bytes \(Uint8Array\)/);
  assert.equal(existsSync(target), false);

  dialogs.save.push(target);
  assert.equal(
    value(await call(ctx, 'dialog:saveExport', { defaultName: 'live.wav', format: 'wav' })),
    target,
  );
  assert.deepEqual(dialogs.calls, ['save live.wav wav']);
  error(
    await call(ctx, 'export:writeBinary', join(dir, 'other.wav'), bytes),
    'INVALID_ARGUMENT',
    /not chosen/,
  );
  assert.deepEqual(value(await call(ctx, 'export:writeBinary', target, bytes)), {
    path: target,
    bytes: bytes.byteLength,
  });
  assert.deepEqual(new Uint8Array(readFileSync(target)), bytes);
  assert.deepEqual(readdirSync(dir), ['live.wav'], 'no temporary file left behind');
  // The grant is used up: neither a second binary nor a text write reaches the file.
  error(await call(ctx, 'export:writeBinary', target, new Uint8Array(4)), 'INVALID_ARGUMENT', /not chosen/);
  error(await call(ctx, 'export:write', target, 'text'), 'INVALID_ARGUMENT', /not chosen/);
  assert.deepEqual(new Uint8Array(readFileSync(target)), bytes);
});

test('dialog channels say so clearly where there are no dialogs (browser)', async () => {
  const ctx = makeContext(tempDir(), null);
  error(await call(ctx, 'dialog:openFiles'), 'INVALID_ARGUMENT', /no file dialogs in the browser/);
  error(await call(ctx, 'models:import', 'folder'), 'INVALID_ARGUMENT', /no file dialogs/);
});

test('settings: defaults, validated patches, persisted across restarts, a broken file falls back', async () => {
  const userData = tempDir();
  const ctx = makeContext(userData);
  assert.deepEqual(value(await call(ctx, 'settings:get')), DEFAULT_SETTINGS);
  error(
    await call(ctx, 'settings:set', { language: 'klingon' }),
    'INVALID_ARGUMENT',
    /language: expected one of "auto", "en"/,
  );
  error(
    await call(ctx, 'settings:set', { threads: 2.5 }),
    'INVALID_ARGUMENT',
    /threads: expected an integer in \[0, 256\]/,
  );
  error(
    await call(ctx, 'settings:set', { subtitles: { maxCharsPerLine: 3 } }),
    'INVALID_ARGUMENT',
    /subtitles.maxCharsPerLine/,
  );
  error(await call(ctx, 'settings:set', { colour: 'red' }), 'INVALID_ARGUMENT', /unknown field "colour"/);
  error(await call(ctx, 'settings:set', ['en']), 'INVALID_ARGUMENT', /expected an object, got an array/);
  const s = value<typeof DEFAULT_SETTINGS>(
    await call(ctx, 'settings:set', {
      language: 'de',
      task: 'translate',
      subtitles: { maxCharsPerLine: 32 },
      microphone: { deviceId: 'mic-1' },
    }),
  );
  assert.equal(s.language, 'de');
  assert.equal(s.subtitles.maxCharsPerLine, 32);
  assert.equal(
    s.subtitles.maxLines,
    DEFAULT_SETTINGS.subtitles.maxLines,
    'a nested patch keeps the other fields',
  );
  assert.deepEqual(value(await call(makeContext(userData), 'settings:get')), s, 'persisted');

  // Quick successive patches (a user clicking through) all land: none starts from a stale record.
  const quick = await Promise.all([
    call(ctx, 'settings:set', { language: 'fr' }),
    call(ctx, 'settings:set', { task: 'transcribe' }),
    call(ctx, 'settings:set', { backend: 'wasm' }),
  ]);
  const last = value<typeof DEFAULT_SETTINGS>(quick[2]!);
  assert.deepEqual([last.language, last.task, last.backend], ['fr', 'transcribe', 'wasm']);

  writeFileSync(
    join(userData, 'settings.json'),
    '{"language":"xx","task":"translate","threads":4,"subtitles":{"maxLines":9}}',
  );
  const lenient = value<typeof DEFAULT_SETTINGS>(await call(makeContext(userData), 'settings:get'));
  assert.deepEqual(
    [lenient.language, lenient.task, lenient.threads, lenient.subtitles.maxLines],
    ['auto', 'translate', 4, DEFAULT_SETTINGS.subtitles.maxLines],
  );
  writeFileSync(join(userData, 'settings.json'), '{not json');
  assert.deepEqual(value(await call(makeContext(userData), 'settings:get')), DEFAULT_SETTINGS);
});

test('models: bundled listed read-only; imports validated by format detection; delete', async () => {
  const { ctx, dialogs } = ctxWithDialogs();
  const list0 = value<{ id: string; source: string; format: string; removable: boolean; bytes: number }[]>(
    await call(ctx, 'models:list'),
  );
  assert.equal(list0.length, 1);
  assert.deepEqual(
    [list0[0]!.id, list0[0]!.source, list0[0]!.format, list0[0]!.removable],
    ['bundled-whisper-base', 'bundled', 'transformers-js-onnx', false],
  );
  assert.ok(list0[0]!.bytes > 50e6);

  const src = tempDir();
  const notModel = join(src, 'photos');
  mkdirSync(notModel);
  writeFileSync(join(notModel, 'cat.jpg'), 'x');
  dialogs.model.push(notModel);
  error(await call(ctx, 'models:import', 'folder'), 'MODEL_FORMAT', /holds no Whisper model/);
  const gguf = join(src, 'model.gguf');
  writeFileSync(gguf, 'GGUF....');
  dialogs.model.push(gguf);
  error(await call(ctx, 'models:import', 'file'), 'MODEL_FORMAT', /GGUF files are not supported/);
  error(await call(ctx, 'models:import', 'zip'), 'INVALID_ARGUMENT', /expected one of "folder", "file"/);
  assert.equal(value(await call(ctx, 'models:import', 'folder')), null, 'cancelled dialog imports nothing');

  // A Transformers.js layout (config.json + onnx/) is recognised and copied into user data.
  const tjs = join(src, 'Whisper-Tiny');
  mkdirSync(join(tjs, 'onnx'), { recursive: true });
  writeFileSync(join(tjs, 'config.json'), '{}');
  writeFileSync(join(tjs, 'onnx', 'encoder_model.onnx'), Buffer.alloc(1000));
  dialogs.model.push(tjs, tjs);
  const m = value<{ id: string; source: string; bytes: number; path: string }>(
    await call(ctx, 'models:import', 'folder'),
  );
  assert.deepEqual([m.id, m.source, m.bytes], ['whisper-tiny', 'imported', 1002]);
  assert.ok(existsSync(join(m.path, 'onnx', 'encoder_model.onnx')));
  const m2 = value<{ id: string }>(await call(ctx, 'models:import', 'folder'));
  assert.equal(m2.id, 'whisper-tiny-2', 'a second import gets its own id');
  assert.equal(value<unknown[]>(await call(ctx, 'models:list')).length, 3);

  value(await call(ctx, 'settings:set', { model: 'whisper-tiny' }));
  error(await call(ctx, 'models:delete', 'bundled-whisper-base'), 'INVALID_ARGUMENT', /ships with the app/);
  error(await call(ctx, 'models:delete', '../settings.json'), 'INVALID_ARGUMENT', /a model id/);
  error(await call(ctx, 'models:delete', 'nope'), 'MODEL_NOT_FOUND', /no imported model nope/);
  const after = value<{ id: string }[]>(await call(ctx, 'models:delete', 'whisper-tiny'));
  assert.deepEqual(
    after.map((e) => e.id),
    ['bundled-whisper-base', 'whisper-tiny-2'],
  );
  assert.equal(
    value<{ model: string }>(await call(ctx, 'settings:get')).model,
    DEFAULT_SETTINGS.model,
    'the deleted model is no longer the chosen one',
  );
});

test('jobs: journal per job, appended segments survive a crash (torn last line), resume listing', async () => {
  const userData = tempDir();
  const dialogs = new ScriptedDialogs();
  const ctx = makeContext(userData, dialogs);
  const file = { path: JFK, name: 'jfk.wav', size: readFileSync(JFK).byteLength };
  const start = {
    jobId: 'job-0001-abcd',
    file,
    durationMs: 11000,
    settings: { model: 'bundled-whisper-base', language: 'en', task: 'transcribe' },
  };
  error(await call(ctx, 'jobs:begin', start), 'INVALID_ARGUMENT', /not chosen by the user/);
  dialogs.open.push([JFK]);
  value(await call(ctx, 'dialog:openFiles'));
  error(await call(ctx, 'jobs:begin', { ...start, jobId: '../../etc' }), 'INVALID_ARGUMENT', /a job id/);
  const s0 = value<{ segmentCount: number; ended: null }>(await call(ctx, 'jobs:begin', start));
  assert.deepEqual([s0.segmentCount, s0.ended], [0, null]);
  error(
    await call(ctx, 'jobs:append', start.jobId, [
      { id: 0, startMs: 0, endMs: 1, text: 'x', words: [], flags: ['weird'] },
    ]),
    'INVALID_ARGUMENT',
    /flags\[0\]: expected one of "hallucination"/,
  );
  error(await call(ctx, 'jobs:append', start.jobId, []), 'INVALID_ARGUMENT', /1 to 10000 items/);
  assert.equal(
    value(await call(ctx, 'jobs:append', start.jobId, [segment(0, 0, 4200, ' And so my fellow Americans,')])),
    1,
  );
  assert.equal(
    value(
      await call(ctx, 'jobs:append', start.jobId, [
        segment(1, 4200, 8100, ' ask not what your country can do for you,'),
      ]),
    ),
    2,
  );

  // A crash mid-write leaves half a line: the journal still reads, with every whole segment.
  appendFileSync(
    join(userData, 'jobs', `${start.jobId}.jsonl`),
    '{"kind":"segments","at":"2026-01-01","segm',
  );
  const restarted = makeContext(userData, dialogs);
  const list = value<{ jobId: string; segmentCount: number; resumeFromMs: number; ended: null }[]>(
    await call(restarted, 'jobs:list'),
  );
  assert.deepEqual(
    list.map((j) => [j.jobId, j.segmentCount, j.resumeFromMs, j.ended]),
    [[start.jobId, 2, 8100, null]],
  );
  // Loading the journal in a fresh process grants its file again, so the job can resume.
  assert.equal(restarted.grants.canRead(JFK), false);
  const j = value<{ segments: TranscriptSegment[] }>(await call(restarted, 'jobs:load', start.jobId));
  assert.deepEqual(
    j.segments.map((s) => s.id),
    [0, 1],
  );
  assert.ok(restarted.grants.canRead(JFK));

  assert.equal(value<{ ended: string }>(await call(ctx, 'jobs:finish', start.jobId, 'done')).ended, 'done');
  error(
    await call(ctx, 'jobs:append', start.jobId, [segment(2, 8000, 9000, 'x')]),
    'INVALID_ARGUMENT',
    /has ended/,
  );
  error(await call(ctx, 'jobs:load', 'job-missing-1'), 'IO', /no saved job/);
  // Corrections after the end replace the saved list (times kept by the editor).
  const edited = [segment(0, 0, 4200, ' And so my fellow citizens,'), segment(1, 4200, 8100, ' ask not')];
  value(await call(ctx, 'jobs:saveEdits', start.jobId, edited));
  const reread = value<{ segments: TranscriptSegment[]; summary: { ended: string } }>(
    await call(ctx, 'jobs:load', start.jobId),
  );
  assert.deepEqual(
    reread.segments.map((x) => x.text),
    [' And so my fellow citizens,', ' ask not'],
  );
  assert.equal(reread.summary.ended, 'done');
  error(await call(ctx, 'jobs:saveEdits', start.jobId, [{ id: -1 }]), 'INVALID_ARGUMENT', /argument 2\[0\]/);

  value(await call(ctx, 'jobs:discard', start.jobId));
  assert.deepEqual(value(await call(ctx, 'jobs:list')), []);
});

test('models:files lists what the worker loads; models:read serves only those files', async () => {
  const ctx = makeContext();
  const list = value<{ id: string; format: string; files: { name: string; bytes: number }[] }>(
    await call(ctx, 'models:files', 'bundled-whisper-base'),
  );
  assert.equal(list.format, 'transformers-js-onnx');
  const names = list.files.map((f) => f.name);
  for (const n of ['config.json', 'generation_config.json', 'tokenizer.json'])
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  assert.ok(names.includes('onnx/encoder_model_quantized.onnx'));
  assert.ok(names.includes('onnx/decoder_model_merged_quantized.onnx'));
  assert.ok(!names.includes('vocab.json'), 'tokenizer.json makes vocab.json unneeded');
  const bundled = value<{ path: string }[]>(await call(ctx, 'models:list'))[0]!.path;
  const config = value<Uint8Array>(await call(ctx, 'models:read', 'bundled-whisper-base', 'config.json'));
  assert.deepEqual(Buffer.from(config), readFileSync(join(bundled, 'config.json')));
  assert.equal(list.files.find((f) => f.name === 'config.json')!.bytes, config.byteLength);

  // Only names from the list, never a path: traversal fails validation, other files the listing.
  for (const bad of ['../package.json', 'onnx/../../x', '/etc/passwd', 'a\\b', '.hidden'])
    error(
      await call(ctx, 'models:read', 'bundled-whisper-base', bad),
      'INVALID_ARGUMENT',
      /inside the model/,
    );
  error(
    await call(ctx, 'models:read', 'bundled-whisper-base', 'preprocessor_config.json'),
    'INVALID_ARGUMENT',
    /not one of the files/,
  );
  error(await call(ctx, 'models:files', 'nope'), 'MODEL_NOT_FOUND', /no installed model nope/);
});
