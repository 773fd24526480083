/** The renderer's pure helpers: retiming edits, locating the playing word, search, ETA, WAV, export names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWavBytes } from '../../app/audio/wav-decode.ts';
import type { TranscriptSegment } from '../../app/ipc/transcript.ts';
import { editSegmentText, editWord, locate, searchSegments, spread } from '../../renderer/logic/edit.ts';
import { estimateRemainingS } from '../../renderer/logic/eta.ts';
import { bytesText, clock, etaText } from '../../renderer/logic/time.ts';
import { encodeWav } from '../../renderer/logic/wav.ts';
import { exportFileName, exportText } from '../../renderer/export/transcript.ts';
import { DEFAULT_SETTINGS } from '../../app/ipc/settings.ts';
import { jfkFixtureSegments } from './fixture.ts';

const seg = (): TranscriptSegment => ({
  id: 0,
  startMs: 1000,
  endMs: 3000,
  text: ' Hello big world',
  words: [
    { text: ' Hello', startMs: 1000, endMs: 1500, probability: 0.9 },
    { text: ' big', startMs: 1500, endMs: 2000, probability: 0.4 },
    { text: ' world', startMs: 2100, endMs: 3000, probability: 0.8 },
  ],
  flags: [],
});

test('editing a word keeps its span and leading space; an empty edit removes the word', () => {
  const s = editWord(seg(), 1, ' huge ');
  assert.equal(s.text, ' Hello huge world');
  assert.deepEqual(s.words[1], { text: ' huge', startMs: 1500, endMs: 2000, probability: 1 });
  const r = editWord(seg(), 1, '  ');
  assert.deepEqual(
    r.words.map((w) => w.text),
    [' Hello', ' world'],
  );
  const original = seg();
  assert.equal(editWord(original, 9, 'x'), original, 'an index out of range changes nothing');
});

test('editing a segment: same word count keeps each span; otherwise spans are shared by length', () => {
  const same = editSegmentText(seg(), 'Hello small world');
  assert.deepEqual(
    same.words.map((w) => [w.text, w.startMs, w.endMs]),
    [
      [' Hello', 1000, 1500],
      [' small', 1500, 2000],
      [' world', 2100, 3000],
    ],
  );
  assert.equal(same.words[0]!.probability, 0.9, 'an unchanged word keeps its probability');
  const more = editSegmentText(seg(), 'Hello there big world');
  assert.equal(more.words.length, 4);
  assert.deepEqual(
    [more.words[0]!.startMs, more.words.at(-1)!.endMs, more.startMs, more.endMs],
    [1000, 3000, 1000, 3000],
  );
  for (let i = 1; i < more.words.length; i++) assert.equal(more.words[i]!.startMs, more.words[i - 1]!.endMs);
  assert.deepEqual(
    spread(['ab', 'abcd'], 0, 600).map((w) => [w.startMs, w.endMs]),
    [
      [0, 200],
      [200, 600],
    ],
  );
});

test('locate finds the segment and word at a time; search ignores case and accents', () => {
  const segs = jfkFixtureSegments();
  assert.deepEqual(locate(segs, 0), [0, 0]);
  assert.equal(locate(segs, 7800), null, 'between segments');
  const [s, w] = locate(segs, 9000)!;
  assert.equal(s, 2);
  assert.ok(segs[2]!.words[w]!.startMs <= 9000 && 9000 < segs[2]!.words[w]!.endMs);
  assert.deepEqual(searchSegments(segs, 'COUNTRY'), [1, 2]);
  assert.deepEqual(searchSegments([{ ...seg(), text: ' Café crème' }], 'cafe'), [0]);
  assert.deepEqual(searchSegments(segs, '  '), []);
});

test('ETA from the job’s own pace; readable times and sizes', () => {
  assert.equal(estimateRemainingS(0, 0, 0, 60), null);
  assert.equal(estimateRemainingS(10_000, 20, 0, 60), 20);
  assert.equal(estimateRemainingS(10_000, 30, 20, 60), 30, 'a resumed job counts from where it resumed');
  assert.equal(clock(3_723_400), '1:02:03');
  assert.equal(clock(65_300, true), '1:05.3');
  assert.equal(etaText(40), 'about 40 s left');
  assert.equal(etaText(600), 'about 10 min left');
  assert.equal(bytesText(1_150_000), '1.1 MB');
});

test('the playback WAV decodes back to the samples (16-bit)', async () => {
  const x = new Float32Array(1600).map((_, i) => Math.sin(i / 10) * 0.5);
  const d = await decodeWavBytes(encodeWav(x, 16000), 'pb.wav');
  assert.equal(d.samples.length, 1600);
  assert.ok(d.samples.every((v, i) => Math.abs(v - x[i]!) < 1e-4));
});

test('export through app/subtitles: every format from the app’s segments; safe file names', () => {
  const segs = jfkFixtureSegments();
  const rules = DEFAULT_SETTINGS.subtitles;
  assert.match(exportText(segs, 'srt', rules, 'en', 11000), /^1\n00:00:00,000 --> /);
  assert.match(exportText(segs, 'vtt', rules, 'en', 11000), /^WEBVTT/);
  assert.match(exportText(segs, 'lrc', rules, 'en', 11000), /^\[00:00\.00\]/m);
  assert.match(exportText(segs, 'txt', rules, 'en', 11000), /ask not what your country/);
  assert.equal(
    (JSON.parse(exportText(segs, 'json', rules, 'en', 11000)) as { segments: unknown[] }).segments.length,
    3,
  );
  assert.match(exportText(segs, 'csv', rules, 'en', 11000).split('\n')[0]!, /start/i);
  const narrow = exportText(segs, 'srt', { ...rules, maxCharsPerLine: 12, maxLines: 1 }, 'en', 11000);
  assert.ok(narrow.split('\n\n').length > 3, 'narrower rules make more cues');
  assert.equal(exportFileName('talk: part 1.final.mp3', 'srt'), 'talk_ part 1.final.srt');
});
