import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transcriptSegment } from '../../../app/ipc/transcript.ts';
import type { Transcript } from '../../../app/subtitles/types.ts';
import { toContractSegment } from '../../../app/transcribe/contract.ts';
import { A, B, audioOf, scriptedModel, ts } from './harness.ts';

test('results feed the subtitle code as they are, and the worker contract after toContractSegment', async () => {
  const h = scriptedModel([
    [
      ts(0),
      ...Array<number>(7)
        .fill(0)
        .flatMap(() => [A, B]),
      ts(8),
    ],
  ]);
  const r = await h.transcriber.transcribe(audioOf([[10, true]]), { language: 'en', beamSize: null });
  const transcript: Transcript = r; // compile-time: the engine's result is the subtitles' input
  assert.equal(transcript.segments.length, 1);
  const c = toContractSegment(r.segments[0]!);
  assert.deepEqual(c.flags, ['hallucination']);
  assert.deepEqual(transcriptSegment(c, 'segment'), c); // the contract's validator accepts it
});
