import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialTokens } from '../../../app/decoding/initial-tokens.ts';
import { languageProbabilities, detectLanguage } from '../../../app/decoding/language.ts';
import { resolveDecodingOptions } from '../../../app/decoding/options.ts';
import { SeededRandom } from '../../../app/decoding/rng.ts';
import { DecodeTask } from '../../../app/decoding/task.ts';
import { SlimError } from '../../../models/errors.ts';
import { FakeSession } from './fake-session.ts';
import { fakeDims, tok, tokEn, V } from './helpers.ts';

const resolve = (o: Parameters<typeof resolveDecodingOptions>[0]) => resolveDecodingOptions(o, 448);

test('options: Whisper defaults and the combinations decoding.py rejects', () => {
  const o = resolve({});
  assert.equal(o.sampleLen, 224);
  assert.equal(o.suppressTokens, '-1');
  assert.equal(o.maxInitialTimestamp, 1);
  assert.equal(o.suppressBlank, true);
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return (e as SlimError).code;
    }
    return undefined;
  };
  assert.equal(
    code(() => resolve({ beamSize: 5, bestOf: 5, temperature: 0.2 })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => resolve({ bestOf: 5, temperature: 0 })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => resolve({ patience: 2 })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => resolve({ lengthPenalty: 1.5 })),
    'INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => resolve({ beamSize: 0 })),
    'INVALID_ARGUMENT',
  );
});

test('initial tokens: multilingual sot sequence, <|notimestamps|>, prompt after <|startofprev|> cut to 223', () => {
  const en = tok.languageToken('en');
  assert.deepEqual(initialTokens(tok, resolve({ language: 'en' }), 448), [tok.sot, en, tok.transcribe]);
  assert.deepEqual(
    initialTokens(tok, resolve({ language: 'de', task: 'translate', withoutTimestamps: true }), 448),
    [tok.sot, tok.languageToken('de'), tok.translate, tok.noTimestamps],
  );
  const prompt = Array.from({ length: 300 }, (_, i) => i % 200);
  const t = initialTokens(tok, resolve({ language: 'en', prompt }), 448);
  assert.equal(t[0], tok.sotPrev);
  assert.equal(t.length, 1 + 223 + 3);
  assert.deepEqual(t.slice(1, 224), prompt.slice(-223));
  // text prompts are encoded with a leading space; an empty prompt is no prompt
  assert.deepEqual(
    initialTokens(tok, resolve({ language: 'en', prompt: ' the cat ' }), 448).slice(
      0,
      1 + tok.encode(' the cat').length,
    ),
    [tok.sotPrev, ...tok.encode(' the cat')],
  );
  assert.deepEqual(initialTokens(tok, resolve({ language: 'en', prompt: [] }), 448), [
    tok.sot,
    en,
    tok.transcribe,
  ]);
  // a prefix follows the start sequence
  assert.deepEqual(initialTokens(tok, resolve({ language: 'en', prefix: 'the' }), 448), [
    tok.sot,
    en,
    tok.transcribe,
    ...tok.encode(' the'),
  ]);
});

test('initial tokens: English-only models take neither language nor task', () => {
  assert.deepEqual(initialTokens(tokEn, resolve({ language: 'en' }), 448), [tokEn.sot]);
  assert.deepEqual(initialTokens(tokEn, resolve({ withoutTimestamps: true, prompt: [5] }), 448), [
    tokEn.sotPrev,
    5,
    tokEn.sot,
    tokEn.noTimestamps,
  ]);
});

test('language detection: softmax over the language tokens only, most probable first', async () => {
  const logits = new Float32Array(V);
  logits[tok.languageToken('de')] = 3;
  logits[tok.languageToken('fr')] = 2;
  logits[100] = 50; // text tokens do not count
  const probs = languageProbabilities(logits, tok);
  const z = Math.exp(3) + Math.exp(2) + (tok.allLanguageTokens.length - 2);
  assert.equal(probs[0]!.language, 'de');
  assert.ok(Math.abs(probs[0]!.probability - Math.exp(3) / z) < 1e-12);
  assert.equal(probs[1]!.language, 'fr');
  assert.ok(Math.abs(probs.reduce((s, p) => s + p.probability, 0) - 1) < 1e-12);
  const session = new FakeSession(fakeDims(), (_, tokens) => {
    assert.deepEqual(tokens, [tok.sot]);
    return logits;
  });
  await session.setAudio([new Float32Array(4)]);
  assert.equal((await detectLanguage(session, tok))[0]!.language, 'de');
});

test('task result: avg log-prob over tokens + EOT, no-speech probability from the <|startoftranscript|> logits', () => {
  const task = new DecodeTask(
    tok,
    resolve({ language: 'en', withoutTimestamps: true, suppressBlank: false }),
    448,
    new SeededRandom(0),
  );
  const sotLogits = new Float32Array(V);
  sotLogits[tok.noSpeech] = Math.log(V - 1); // p = (V − 1) / (2V − 2) = 0.5
  task.recordNoSpeech(sotLogits);
  const peak = (t: number): Float32Array => {
    const r = new Float32Array(V).fill(-Infinity);
    r[t] = 0;
    r[t + 1] = 0; // two equally likely: log-prob −ln 2 each step
    return r;
  };
  task.advance([peak(100)]);
  task.advance([peak(tok.eot - 1)]);
  assert.equal(task.done, false);
  task.advance([peak(tok.eot)]);
  assert.equal(task.done, true);
  const r = task.result();
  assert.deepEqual(r.tokens, [100, tok.eot - 1]);
  // the EOT step had one unsuppressed choice (its twin, <|startoftranscript|>, is suppressed)
  assert.ok(Math.abs(r.avgLogProb - (2 * -Math.log(2)) / 3) < 1e-9);
  assert.ok(Math.abs(r.noSpeechProb - 0.5) < 1e-6);
  assert.equal(r.text, tok.decode([100, tok.eot - 1]).trim());
});
