/**
 * Property tests: random word streams (fixed seeds, so failures reproduce) under random rule
 * settings, every cue checked against every rule or its documented tie-break (helpers.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shapeCues } from '../../../app/subtitles/shaper.ts';
import { resolveRules } from '../../../app/subtitles/rules.ts';
import type { ShapingOptions, Word } from '../../../app/subtitles/types.ts';
import { checkRules, randInt, rng, transcriptOf, wordCues } from './helpers.ts';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzéöñç';

function randomWord(r: () => number): string {
  const roll = r();
  const len = roll < 0.02 ? randInt(r, 43, 70) : roll < 0.3 ? randInt(r, 1, 3) : randInt(r, 3, 11);
  let w = '';
  for (let k = 0; k < len; k++) w += LETTERS[randInt(r, 0, LETTERS.length - 1)];
  const p = r();
  return p < 0.08 ? w + '.' : p < 0.12 ? w + '?' : p < 0.2 ? w + ',' : p < 0.22 ? w + ';' : w;
}

/** A stream with ordinary speech, fast bursts, long words, long pauses and colliding times. */
function randomStream(r: () => number, n: number): Word[] {
  const words: Word[] = [];
  let t = randInt(r, 0, 3000);
  for (let k = 0; k < n; k++) {
    const text = randomWord(r);
    const roll = r();
    let dur = randInt(r, 80, 700);
    if (roll < 0.05)
      dur = 0; // DTW sometimes gives zero-length words
    else if (roll < 0.1)
      dur = randInt(r, 20, 60); // very fast speech
    else if (roll < 0.11) dur = randInt(r, 7000, 12000); // a word "held" for many seconds
    const collide = r() < 0.03 && words.length > 0;
    const start = collide ? words[words.length - 1]!.startMs : t;
    words.push({ startMs: start, endMs: start + dur, text: ' ' + text, probability: r() });
    const g = r();
    t = start + dur + (g < 0.6 ? randInt(r, 0, 120) : g < 0.9 ? randInt(r, 120, 900) : randInt(r, 900, 4000));
  }
  return words;
}

function randomRules(r: () => number): ShapingOptions {
  return {
    maxCharsPerLine: randInt(r, 16, 60),
    maxLines: randInt(r, 1, 3),
    maxCharsPerSecond: randInt(r, 8, 20),
    minDurationMs: randInt(r, 300, 1500),
    maxDurationMs: randInt(r, 2500, 9000),
    minGapMs: randInt(r, 0, 200),
    pauseMs: randInt(r, 200, 1000),
    closeGapMs: randInt(r, 0, 800),
  };
}

test('random streams under the default rules: every rule or its tie-break holds', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const words = randomStream(r, randInt(r, 1, 400));
    const t = transcriptOf(words, 'en', r() < 0.2 ? words[words.length - 1]!.endMs : undefined);
    const cues = shapeCues(t);
    const mediaEndMs = Math.max(t.durationMs, ...words.map((w) => w.endMs));
    checkRules({ words, cues, rules: resolveRules(), mediaEndMs, spaced: true });
  }
});

test('random streams under random rules: every rule or its tie-break holds', () => {
  for (let seed = 101; seed <= 160; seed++) {
    const r = rng(seed);
    const options = randomRules(r);
    const words = randomStream(r, randInt(r, 1, 300));
    const t = transcriptOf(words);
    const cues = shapeCues(t, options);
    checkRules({ words, cues, rules: resolveRules(options), mediaEndMs: t.durationMs, spaced: true });
  }
});

function sentenceStream(r: () => number): Word[] {
  const words: Word[] = [];
  let t = 0;
  const sentences = randInt(r, 5, 30);
  for (let s = 0; s < sentences; s++) {
    const n = randInt(r, 3, 8);
    for (let k = 0; k < n; k++) {
      const len = randInt(r, 2, 7);
      let w = '';
      for (let c = 0; c < len; c++) w += LETTERS[randInt(r, 0, 25)];
      if (k === n - 1) w += '.';
      else if (r() < 0.1) w += ',';
      const dur = 100 + len * 50;
      words.push({ startMs: t, endMs: t + dur, text: ' ' + w, probability: 0.9 });
      t += dur + randInt(r, 0, 100);
    }
    t += randInt(r, 600, 2000);
  }
  return words;
}

test('sentences that fit a cue each, separated by pauses, become one cue each', () => {
  for (let seed = 201; seed <= 230; seed++) {
    const words = sentenceStream(rng(seed));
    const t = transcriptOf(words);
    const cues = shapeCues(t);
    checkRules({ words, cues, rules: resolveRules(), mediaEndMs: t.durationMs, spaced: true });
    for (const c of cues) assert.ok(c.text.endsWith('.'), `cue ends mid-sentence: ${c.text}`);
    assert.equal(cues.length, words.filter((w) => w.text.endsWith('.')).length);
  }
});

test('running speech without punctuation breaks at pauses when it can', () => {
  for (let seed = 301; seed <= 320; seed++) {
    const r = rng(seed);
    // Phrases of 3–6 short words, 0.8–1.5 s silence between phrases, no punctuation at all.
    const words: Word[] = [];
    const phraseEnds = new Set<number>();
    let t = 0;
    for (let p = 0; p < 20; p++) {
      const n = randInt(r, 3, 6);
      for (let k = 0; k < n; k++) {
        words.push({
          startMs: t,
          endMs: t + 300,
          text: ' ' + 'word'.slice(0, randInt(r, 2, 4)),
          probability: 1,
        });
        t += 320;
      }
      phraseEnds.add(words.length - 1);
      t += randInt(r, 800, 1500);
    }
    const t2 = transcriptOf(words);
    const cues = shapeCues(t2);
    checkRules({ words, cues, rules: resolveRules(), mediaEndMs: t2.durationMs, spaced: true });
    const of = wordCues({ words, cues, rules: resolveRules(), mediaEndMs: t2.durationMs, spaced: true });
    for (let k = 0; k + 1 < words.length; k++)
      if (of[k] !== of[k + 1])
        assert.ok(phraseEnds.has(k), `seed ${seed}: break inside a phrase after word ${k}`);
  }
});

test('pathological times (NaN, negative, decreasing) still give valid, ordered, gapped cues', () => {
  for (let seed = 401; seed <= 420; seed++) {
    const r = rng(seed);
    const words = randomStream(r, 200).map((w) => {
      const roll = r();
      if (roll < 0.05) return { ...w, startMs: NaN };
      if (roll < 0.1) return { ...w, endMs: NaN };
      if (roll < 0.13) return { ...w, startMs: -500 };
      if (roll < 0.18) return { ...w, startMs: w.startMs - 5000, endMs: w.startMs - 4000 };
      if (roll < 0.2) return { ...w, startMs: w.startMs + 0.37, endMs: w.endMs + 0.61 };
      return w;
    });
    const cues = shapeCues(transcriptOf(words));
    const rules = resolveRules();
    assert.equal(cues.map((c) => c.text).join(' '), words.map((w) => w.text.trim()).join(' '));
    cues.forEach((c, k) => {
      assert.ok(Number.isInteger(c.startMs) && c.startMs >= 0 && c.endMs > c.startMs);
      assert.ok(c.endMs - c.startMs <= rules.maxDurationMs);
      const next = cues[k + 1];
      if (next) assert.ok(next.startMs - c.endMs >= rules.minGapMs);
    });
  }
});
