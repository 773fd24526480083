/**
 * The engine's result type (app/transcribe) feeds the exporters as it is: this file type-checks
 * only while TranscriptionResult stays assignable to app/subtitles' Transcript.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderFormats } from '../../../app/subtitles/index.ts';
import type { Transcript } from '../../../app/subtitles/types.ts';
import type { TranscriptionResult } from '../../../app/transcribe/types.ts';

const result: TranscriptionResult = {
  text: ' And so my fellow Americans, ask not.',
  language: 'en',
  languageProbs: [{ language: 'en', probability: 0.98 }],
  durationMs: 11000,
  task: 'transcribe',
  mode: 'sequential',
  segments: [
    {
      id: 0,
      startMs: 300,
      endMs: 3500,
      text: ' And so my fellow Americans, ask not.',
      tokens: [50364, 400, 50514],
      avgLogProb: -0.15,
      noSpeechProb: 0.01,
      compressionRatio: 1.2,
      temperature: 0,
      flags: ['low-confidence'],
      words: [' And', ' so', ' my', ' fellow', ' Americans,', ' ask', ' not.'].map((text, k) => ({
        text,
        startMs: 300 + k * 450,
        endMs: 700 + k * 450,
        probability: 0.9,
      })),
    },
  ],
};

test('a TranscriptionResult exports directly; JSON keeps every field of it', () => {
  const t: Transcript = result;
  const out = renderFormats(t, ['json', 'srt']);
  const json = JSON.parse(out[0]!.text) as TranscriptionResult;
  assert.deepEqual(json, result);
  assert.match(out[1]!.text, /^1\n00:00:00,300 --> /);
});
