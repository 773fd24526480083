/**
 * Every SRT and VTT the exporter writes is read back by independent parsers — `subtitle` (v4)
 * for SRT and w3c's `webvtt-parser` for VTT — with zero errors, and the cues must come back with
 * the same count, times and texts. Texts are the real multilingual references of
 * ../shared/audio/transcripts.tsv.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSync } from 'subtitle';
import webvtt, { type VttNode } from 'webvtt-parser';
import { exportTranscript } from '../../../app/export/write.ts';
import { toSrt, toVtt, transcriptCues, type FormatOptions } from '../../../app/subtitles/index.ts';
import { usesSpaces } from '../../../app/subtitles/text.ts';
import { resolveRules } from '../../../app/subtitles/rules.ts';
import type { Cue, Transcript, Word } from '../../../app/subtitles/types.ts';
import { readTranscripts, REPO_ROOT } from '../../helpers/shared.ts';
import { checkRules, randInt, rng, segment, transcriptOf } from '../subtitles/helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'slim-validate-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

interface ParsedCue {
  start: number;
  end: number;
  text: string;
}

function parseSrt(text: string): ParsedCue[] {
  const nodes = parseSync(text); // throws on any malformed block
  assert.ok(nodes.every((node) => node.type === 'cue'));
  return nodes.flatMap((node) => (node.type === 'cue' ? [node.data] : []));
}

function flatten(nodes: VttNode[]): string {
  return nodes.map((x) => (x.type === 'text' ? String(x.value) : flatten(x.children ?? []))).join('');
}

// The spec's full table of character references: the parser's small default set mis-reads "&amp;".
const ENTITIES = JSON.parse(
  readFileSync(join(REPO_ROOT, 'node_modules', 'webvtt-parser', 'html-entities.json'), 'utf8'),
) as Record<string, string>;

function parseVtt(text: string): ParsedCue[] {
  const { cues, errors } = new webvtt.WebVTTParser(ENTITIES).parse(text);
  assert.deepEqual(errors, [], 'webvtt-parser reports no errors');
  return cues.map((c) => ({
    start: Math.round(c.startTime * 1000),
    end: Math.round(c.endTime * 1000),
    text: flatten(c.tree.children),
  }));
}

/** Writes SRT and VTT, parses both back and checks them against the cues that were meant. */
async function roundTrip(t: Transcript, options: FormatOptions = {}): Promise<Cue[]> {
  const dir = join(root, String(n++));
  const files = await exportTranscript(t, {
    ...options,
    formats: ['srt', 'vtt', 'txt', 'json', 'csv', 'lrc'],
    outDir: dir,
    baseName: 'out',
  });
  assert.deepEqual(
    files.map((f) => f.format),
    ['srt', 'vtt', 'txt', 'json', 'csv', 'lrc'],
  );
  const cues = transcriptCues(t, options.shaping).filter((c) => c.lines.some((l) => l.trim()));
  const srt = parseSrt(readFileSync(join(dir, 'out.srt'), 'utf8'));
  const vtt = parseVtt(readFileSync(join(dir, 'out.vtt'), 'utf8'));
  for (const [name, parsed] of [
    ['srt', srt],
    ['vtt', vtt],
  ] as const) {
    assert.equal(parsed.length, cues.length, `${name}: cue count`);
    parsed.forEach((p, k) => {
      const c = cues[k]!;
      assert.equal(p.start, Math.round(c.startMs), `${name} cue ${k} start`);
      assert.equal(p.end, Math.round(c.endMs), `${name} cue ${k} end`);
      const want = c.lines.join('\n');
      assert.equal(p.text, name === 'srt' ? want.replaceAll('-->', '->') : want, `${name} cue ${k} text`);
    });
  }
  return cues;
}

/** Words for a reference sentence at a natural pace: by word, or by character without spaces. */
function wordsFor(reference: string, language: string, startMs: number): Word[] {
  const pieces = usesSpaces(language) ? reference.split(' ').map((w) => ' ' + w) : [...reference];
  const per = usesSpaces(language) ? 330 : 160;
  return pieces.map((text, k) => ({
    startMs: startMs + k * per,
    endMs: startMs + k * per + per - 30,
    text,
    probability: 0.9,
  }));
}

test('every reference text, each in its own language, round-trips through SRT and VTT', async () => {
  const rows = readTranscripts();
  assert.ok(
    rows.length >= 20 && new Set(rows.map((r) => r.language)).size >= 8,
    'the multilingual set is there',
  );
  for (const row of rows) {
    const words = wordsFor(row.reference, row.language, 500);
    const t: Transcript = {
      language: row.language,
      durationMs: words[words.length - 1]!.endMs + 1000,
      segments: [segment(0, 500, words[words.length - 1]!.endMs, row.reference, words)],
    };
    const cues = await roundTrip(t);
    const sep = usesSpaces(row.language) ? ' ' : '';
    assert.equal(cues.map((c) => c.text).join(sep), row.reference, row.file);
    checkRules({ words, cues, rules: resolveRules(), mediaEndMs: t.durationMs, spaced: sep === ' ' });
  }
});

test('all languages in one transcript, unshaped segment cues and a BOM, round-trip too', async () => {
  const rows = readTranscripts();
  const t: Transcript = {
    language: 'en',
    durationMs: rows.length * 8000,
    segments: rows.map((r, k) => segment(k, k * 8000, k * 8000 + 7000, ' ' + r.reference)),
  };
  await roundTrip(t, { shaping: false });
  await roundTrip(t, { srt: { bom: true, crlf: true } });
  const dir = join(root, String(n++));
  await exportTranscript(t, { formats: ['srt'], outDir: dir, baseName: 'bom', srt: { bom: true } });
  const bytes = readFileSync(join(dir, 'bom.srt'));
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.ok(
    bytes.toString('utf8').includes('客観的実在の判断的知識が成立するのである。'),
    'UTF-8 throughout',
  );
});

test('texts that could break a parser: markup, arrows, blank lines, digits, NOTE, RTL, emoji', async () => {
  const texts = [
    ' Tom & Jerry <b>bold</b> a < b > c',
    ' a --> b\n\n00:00:01,000 --> 00:00:02,000',
    ' 42\n\n\n7',
    ' NOTE this is not a comment',
    ' WEBVTT inside a cue',
    ' مرحبا بالعالم — שלום עולם',
    ' 👍🏽 émoji, ZWJ 👩‍👩‍👧 and tabs\there',
    ' &amp; already escaped &lt;',
  ];
  const t: Transcript = {
    language: 'en',
    durationMs: 100_000,
    segments: texts.map((x, k) => segment(k, k * 10_000, k * 10_000 + 4000, x)),
  };
  await roundTrip(t, { shaping: false });
  await roundTrip(t);
});

test('times past 100 hours and sub-millisecond inputs survive both parsers', async () => {
  const h = 3_600_000;
  const t: Transcript = {
    language: 'en',
    durationMs: 101 * h,
    segments: [
      segment(0, 0.4, 1000.6, ' start'),
      segment(1, 99 * h + 59 * 60_000 + 59_999, 100 * h + 500, ' over the hour'),
    ],
  };
  await roundTrip(t, { shaping: false });
  await roundTrip(t);
});

test('a long transcript (thousands of words) is shaped within the rules and round-trips', async () => {
  const r = rng(7);
  const sentences = readTranscripts()
    .filter((x) => x.language === 'en')
    .map((x) => x.reference);
  const words: Word[] = [];
  let t = 0;
  while (words.length < 5000) {
    const s = sentences[randInt(r, 0, sentences.length - 1)]!;
    for (const w of s.split(' ')) {
      const d = 90 + w.length * randInt(r, 35, 75);
      words.push({ startMs: t, endMs: t + d, text: ' ' + w, probability: r() });
      t += d + (r() < 0.9 ? randInt(r, 0, 120) : randInt(r, 300, 1500));
    }
    t += randInt(r, 200, 2500);
  }
  const transcript = transcriptOf(words);
  const cues = await roundTrip(transcript);
  checkRules({ words, cues, rules: resolveRules(), mediaEndMs: transcript.durationMs, spaced: true });
  assert.ok(cues.length > 300, `${cues.length} cues`);
  const twoLine = cues.filter((c) => c.lines.length === 2).length;
  assert.ok(twoLine > 0 && twoLine < cues.length, 'both one- and two-line cues occur');
});

test('cue lines holding blank lines and line breaks still parse as one cue each', () => {
  const cues: Cue[] = [
    { startMs: 0, endMs: 1000, lines: ['one\n\ntwo', '', ' 3 '], text: '' },
    { startMs: 1000, endMs: 2000, lines: ['\r\n\r\n'], text: '' }, // nothing left: dropped
    { startMs: 2000, endMs: 3000, lines: ['after\u2028separator'], text: '' },
  ];
  const want = [
    { start: 0, end: 1000, text: 'one\ntwo\n3' },
    { start: 2000, end: 3000, text: 'after\nseparator' },
  ];
  assert.deepEqual(parseSrt(toSrt(cues)), want);
  assert.deepEqual(parseVtt(toVtt(cues)), want);
});
