/**
 * The transcriber keeps a finished job's decoder session for the next job of the same shape
 * (a session holds the decoder's weights and caches), drops it after a failure, and frees the
 * kept ones on dispose().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlimError } from '../../../models/errors.ts';
import { A, B, audioOf, scriptedModel, ts } from './harness.ts';

const EN = { language: 'en', beamSize: null } as const;

test('sessions: one per shape across jobs; cancelled jobs keep it, failed jobs drop it, dispose frees', async () => {
  let failAt = -1;
  const h = scriptedModel([[ts(0), A, ts(2)], [ts(0), B, ts(2)], [], [ts(0), A, ts(2)], [ts(0), B, ts(2)]], {
    onEncode: (call) => {
      if (call === failAt) throw new SlimError('INTERNAL', 'encoder failed');
    },
  });
  const audio = audioOf([[3, true]]);
  const first = await h.transcriber.transcribe(audio, EN);
  const second = await h.transcriber.transcribe(audio, EN);
  assert.equal(h.sessions.length, 1, 'the second job reuses the first one’s session');
  assert.notEqual(first.text, second.text);

  const ac = new AbortController();
  ac.abort();
  await assert.rejects(h.transcriber.transcribe(audio, EN, { signal: ac.signal }), { code: 'CANCELLED' });
  assert.equal(h.sessions.length, 1, 'a cancelled job hands its session back');

  failAt = 2;
  await assert.rejects(h.transcriber.transcribe(audio, EN), { code: 'INTERNAL' });
  assert.ok(h.sessions[0]!.disposed, 'a failed job’s session is disposed');
  await h.transcriber.transcribe(audio, EN);
  assert.equal(h.sessions.length, 2, 'the next job opens a new one');

  await h.transcriber.transcribe(audio, { ...EN, beamSize: 6 });
  assert.equal(h.sessions.length, 3, 'another shape, another session');
  h.transcriber.dispose();
  assert.ok(h.sessions[1]!.disposed && h.sessions[2]!.disposed, 'dispose() frees the kept sessions');
});
