import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField } from '../../../app/subtitles/formats/plain.ts';
import {
  formatTranscript,
  parseFormats,
  renderFormats,
  toCsv,
  toJson,
  toLrc,
  toSrt,
  toText,
  toVtt,
  transcriptText,
} from '../../../app/subtitles/index.ts';
import type { Cue, Transcript } from '../../../app/subtitles/types.ts';
import { SlimError } from '../../../models/errors.ts';
import { segment } from './helpers.ts';

const cue = (startMs: number, endMs: number, ...lines: string[]): Cue => ({
  startMs,
  endMs,
  lines,
  text: lines.join(' '),
});

test('SRT: numbered blocks, comma milliseconds, a blank line after each', () => {
  const srt = toSrt([cue(0, 1500, 'Hello there,', 'general Kenobi.'), cue(2000, 3000.6, 'Bye.')]);
  assert.equal(
    srt,
    '1\n00:00:00,000 --> 00:00:01,500\nHello there,\ngeneral Kenobi.\n\n2\n00:00:02,000 --> 00:00:03,001\nBye.\n',
  );
});

test('SRT: blank lines and line breaks inside a cue cannot split it; empty cues are dropped', () => {
  const srt = toSrt([
    cue(0, 1000, 'one\n\ntwo', '', '   '),
    cue(1000, 2000, '\n\n'),
    cue(2000, 3000, 'three\r\n\r\nfour'),
  ]);
  assert.equal(
    srt,
    '1\n00:00:00,000 --> 00:00:01,000\none\ntwo\n\n2\n00:00:02,000 --> 00:00:03,000\nthree\nfour\n',
  );
  assert.ok(
    !/\n\n(?!\d+\n\d\d:)/.test(srt.replace(/\n$/, '')),
    'a blank line only ever precedes a cue number',
  );
});

test('SRT: an arrow in the text cannot pass for a timing line; BOM and CRLF on request', () => {
  const srt = toSrt([cue(0, 1000, '00:00:01,000 --> 00:00:02,000')], { bom: true, crlf: true });
  assert.ok(srt.startsWith('\ufeff1\r\n'));
  assert.ok(srt.includes('\r\n00:00:01,000 -> 00:00:02,000\r\n'));
  assert.ok(!srt.replace(/\r\n/g, '').includes('\n'));
  assert.equal(srt.split('-->').length, 2, 'one arrow: the timing line');
});

test('SRT and VTT guard times: NaN → 0, end after start, starts never decreasing', () => {
  const srt = toSrt([cue(NaN, NaN, 'a'), cue(-50, 10, 'b'), cue(5000, 4000, 'c'), cue(100, 200, 'd')]);
  const times = [...srt.matchAll(/(\S+) --> (\S+)/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(times, [
    ['00:00:00,000', '00:00:00,001'],
    ['00:00:00,000', '00:00:00,010'],
    ['00:00:05,000', '00:00:05,001'],
    ['00:00:05,000', '00:00:05,001'],
  ]);
});

test('VTT: header, dot milliseconds, escaped &, <, > and no "-->" inside a cue', () => {
  const vtt = toVtt([cue(0, 1000, 'Tom & Jerry <i>', 'a --> b'), cue(61_000, 62_000, '&amp; stays literal')]);
  assert.equal(
    vtt,
    'WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\nTom &amp; Jerry &lt;i&gt;\na --&gt; b\n\n' +
      '2\n00:01:01.000 --> 00:01:02.000\n&amp;amp; stays literal\n',
  );
});

test('LRC: one line per cue, lines joined, a clearing line after pauses and at the end', () => {
  const lrc = toLrc([cue(0, 1000, 'one', 'two'), cue(1100, 2000, 'three'), cue(4000, 5000, 'four')]);
  assert.equal(lrc, '[00:00.00]one two\n[00:01.10]three\n[00:02.00]\n[00:04.00]four\n[00:05.00]\n');
});

const t: Transcript = {
  language: 'en',
  durationMs: 5000,
  segments: [
    segment(0, 0, 2000, ' Hello, "world"', [
      { startMs: 0, endMs: 900, text: ' Hello,', probability: 0.9 },
      { startMs: 1000, endMs: 2000, text: ' "world"', probability: 0.7 },
    ]),
    segment(1, 2500, 4000, ' Line one\nline two'),
    segment(2, 4000, 4500, '   '),
  ],
};

test('plain text: one segment per line, whitespace cleaned', () => {
  assert.equal(toText(t), 'Hello, "world"\nLine one line two\n');
});

test('JSON: the full structure plus the joined text; NaN becomes null', () => {
  const parsed = JSON.parse(toJson(t)) as Transcript & { text: string };
  assert.equal(parsed.text, 'Hello, "world" Line one line two');
  const { text: _text, ...rest } = parsed;
  assert.deepEqual(rest, t);
  const withNaN = { ...t, segments: [{ ...t.segments[0]!, avgLogProb: NaN }] };
  assert.equal((JSON.parse(toJson(withNaN)) as Transcript).segments[0]!.avgLogProb, null);
});

/** A strict RFC 4180 reader, to check what the writer quotes. */
function parseCsv(s: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (s[i + 1] === '"') field += s[i++]!;
      else quoted = false;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && s[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '\n' || c === '\r' || c === '"') {
      throw new Error(`bare ${JSON.stringify(c)} at ${i}`);
    } else {
      field += c;
    }
  }
  assert.equal(field, '', 'file ends with CRLF');
  return rows;
}

test('CSV: RFC 4180 quoting, CRLF rows, ms times, confidence from words or log-prob', () => {
  const csv = toCsv(t);
  const rows = parseCsv(csv);
  assert.deepEqual(rows[0], ['start', 'end', 'text', 'confidence']);
  assert.deepEqual(rows[1], ['0', '2000', 'Hello, "world"', '0.8000']);
  assert.deepEqual(rows[2], ['2500', '4000', 'Line one line two', Math.exp(-0.2).toFixed(4)]);
  assert.ok(csv.includes('"Hello, ""world"""'));
  const words = parseCsv(toCsv(t, { level: 'word', bom: true }).slice(1));
  assert.deepEqual(words.slice(1), [
    ['0', '900', 'Hello,', '0.9000'],
    ['1000', '2000', '"world"', '0.7000'],
  ]);
  assert.ok(toCsv(t, { bom: true }).startsWith('\ufeffstart,end'));
});

test('CSV fields: quotes doubled; commas, line breaks and edge spaces quoted; others bare', () => {
  const fields = [
    'plain',
    'a,b',
    'say "hi"',
    'two\nlines',
    'cr\rlf',
    ' lead',
    'trail ',
    'ünïcödé 日本語',
    '',
  ];
  const line = fields.map(csvField).join(',') + '\r\n';
  assert.deepEqual(parseCsv(line), [fields]);
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
});

test('transcript text joins by language: spaces, or none for Japanese and Chinese', () => {
  assert.equal(transcriptText(t), 'Hello, "world" Line one line two');
  const ja: Transcript = {
    language: 'ja',
    durationMs: 1,
    segments: [segment(0, 0, 1, '今日は。'), segment(1, 1, 2, ' 晴れ。')],
  };
  assert.equal(transcriptText(ja), '今日は。晴れ。');
});

test('format list parsing for the CLI', () => {
  assert.deepEqual(parseFormats('srt, VTT,json,srt'), ['srt', 'vtt', 'json']);
  assert.throws(
    () => parseFormats('srt,docx'),
    (e: unknown) => e instanceof SlimError && /docx/.test(e.message),
  );
  assert.throws(() => parseFormats(' , '), SlimError);
});

test('renderFormats: all six, timed ones from shaped cues unless shaping is off', () => {
  const all = renderFormats(t, ['srt', 'vtt', 'txt', 'json', 'csv', 'lrc']);
  assert.deepEqual(
    all.map((r) => r.format),
    ['srt', 'vtt', 'txt', 'json', 'csv', 'lrc'],
  );
  const unshaped = formatTranscript(t, 'srt', { shaping: false });
  assert.ok(unshaped.includes('00:00:00,000 --> 00:00:02,000\nHello, "world"\n'));
  assert.ok(unshaped.includes('00:00:02,500 --> 00:00:04,000\nLine one line two\n'));
  const shaped = formatTranscript(t, 'srt');
  assert.ok(shaped.startsWith('1\n00:00:00,000 --> '));
});
