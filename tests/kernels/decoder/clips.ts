/**
 * Shared by the clips tests (WASM and WebGPU): transcripts.tsv, greedy decoding through any
 * DecoderSession with the top-2 gap of every step, and the token-identity check that tells a
 * near-tie (a legitimate fp32 effect) from a real difference.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { DecoderSession } from '../../../kernels/decoder/types.ts';

/** A divergence is a near-tie when the top-2 logit gap is below this fraction of max |logit|. */
export const NEAR_TIE = 1e-3;

export interface ClipTranscript {
  language: string;
  reference: string;
}

/** file → language and reference text, from ../shared/audio/transcripts.tsv. */
export function readTranscripts(path: string): Map<string, ClipTranscript> {
  const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  return new Map(
    rows.map((row) => {
      const [file, language, reference] = row.split('\t');
      return [file!, { language: language!, reference: reference! }];
    }),
  );
}

export interface Greedy {
  /** The decoded tokens after the prompt, <|endoftext|> included when reached. */
  tokens: number[];
  /** Top-1 minus top-2 logit at each decoded token. */
  gaps: number[];
  minGap: number;
}

/** Raw-argmax greedy decoding of sequence 0 (group 0) from `prompt`, up to `eot` or maxTokens. */
export async function greedy(
  session: DecoderSession,
  prompt: readonly number[],
  eot: number,
  maxTokens: number,
): Promise<Greedy> {
  const [first, gap] = top2(await session.prefill(0, 0, prompt));
  const tokens = [first];
  const gaps = [gap];
  while (tokens[tokens.length - 1] !== eot && tokens.length < maxTokens) {
    const r = await session.step(Int32Array.of(tokens[tokens.length - 1]!), { topK: 2 });
    tokens.push(r.topIds![0]!);
    // Log-probabilities share one normaliser: their difference is the logit difference.
    gaps.push(r.topLogProbs![0]! - r.topLogProbs![1]!);
  }
  return { tokens, gaps, minGap: Math.min(...gaps) };
}

/** [argmax, top-1 − top-2] of one logit row. */
export function top2(logits: Float32Array): [number, number] {
  let best = 0;
  let second = -Infinity;
  for (let i = 1; i < logits.length; i++) {
    const v = logits[i]!;
    if (v > logits[best]!) {
      second = logits[best]!;
      best = i;
    } else if (v > second) second = v;
  }
  return [best, logits[best]! - second];
}

/** The logits after prompt + path[0 … i−1] (teacher-forced), i.e. those that chose path[i]. */
async function logitsAt(
  session: DecoderSession,
  prompt: readonly number[],
  path: readonly number[],
  i: number,
): Promise<Float32Array> {
  let logits = await session.prefill(0, 0, prompt);
  for (let t = 0; t < i; t++)
    logits = (await session.step(Int32Array.of(path[t]!), { logits: true })).logits!;
  return logits;
}

export interface NamedRun {
  name: string;
  session: DecoderSession;
  run: Greedy;
}

/**
 * Asserts `a` decoded the same tokens as `ref`. A difference is accepted only at a near-tie of
 * `ref`'s logits (identical up to there); it is printed with both sessions' top-2 margins.
 * Returns the step of the accepted divergence, or −1.
 */
export async function compareGreedy(a: NamedRun, ref: NamedRun, prompt: readonly number[]): Promise<number> {
  const x = a.run.tokens;
  const y = ref.run.tokens;
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  if (i === x.length && i === y.length) return -1;
  const la = await logitsAt(a.session, prompt, y, i);
  const lr = await logitsAt(ref.session, prompt, y, i);
  const scale = lr.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const [ta, ga] = top2(la);
  const [tr, gr] = top2(lr);
  const msg =
    `${a.name} vs ${ref.name}: first difference at decoded token ${i} (${x[i]} vs ${y[i]}); ` +
    `top-2 gap there: ${ref.name} ${gr.toExponential(2)} (token ${tr}), ${a.name} ${ga.toExponential(2)} ` +
    `(token ${ta}), max |logit| ${scale.toFixed(2)}`;
  console.log(`  ${msg}`);
  assert.ok(gr < NEAR_TIE * scale, `not a near-tie: ${msg}`);
  return i;
}

/** Character error rate of `hyp` against `ref` after lower-casing and dropping punctuation and spaces. */
export function characterErrorRate(hyp: string, ref: string): number {
  const norm = (s: string): string[] => [...s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '')];
  const h = norm(hyp);
  const r = norm(ref);
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const row = [i];
    for (let j = 1; j <= h.length; j++)
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1)));
    prev = row;
  }
  return r.length === 0 ? h.length : prev[h.length]! / r.length;
}
