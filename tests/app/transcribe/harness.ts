/**
 * A scripted model for the transcription loops: the encoder numbers its calls, and the decoder
 * makes the k-th encoded window decode to scripts[k] (then <|endoftext|>), so every seek and
 * segment of the loop can be checked exactly.
 */
import { FakeSession } from '../decoding/fake-session.ts';
import { fakeDims, tok, V } from '../decoding/helpers.ts';
import { Transcriber } from '../../../app/transcribe/transcriber.ts';
import type { AudioEncoderLike } from '../../../app/transcribe/job.ts';
import { Rng } from '../../../models/fixtures/random.ts';

export { tok };
export const TB = tok.timestampBegin;
/** The timestamp token of `s` seconds. */
export const ts = (s: number): number => TB + Math.round(s / 0.02);
export const [A, B, C, D, E] = [100, 101, 102, 103, 104];

export interface Harness {
  transcriber: Transcriber;
  sessions: FakeSession[];
  /** Frames of audio (non-zero mel columns) of each encoded window, in call order. */
  windowFrames: number[];
  /** The initial tokens of every decode, in order (prompt included). */
  prefills: number[][];
  encoder: AudioEncoderLike & { calls: number };
}

export interface ScriptOptions {
  /** Windows (by encoder call) that are silent: P(no speech) high, text improbable. */
  silent?: Set<number>;
  /** Windows whose text is improbable at any temperature (flat over 100 tokens for 4 steps). */
  uncertain?: Set<number>;
  onEncode?: (call: number) => void;
}

export function scriptedModel(scripts: number[][], opts: ScriptOptions = {}): Harness {
  const dims = fakeDims();
  const windowFrames: number[] = [];
  const prefills: number[][] = [];
  const sessions: FakeSession[] = [];
  const encoder = {
    calls: 0,
    async encode(mel: Float32Array): Promise<Float32Array> {
      const call = encoder.calls++;
      opts.onEncode?.(call);
      let frames = 0;
      for (let f = 0; f < 3000; f++) if (mel[f] !== 0 || mel[3000 + f] !== 0) frames = f + 1;
      windowFrames.push(frames);
      const e = new Float32Array(dims.nAudioCtx * dims.nAudioState);
      e[0] = call;
      return e;
    },
  };
  const logits = (_g: number, tokens: readonly number[], audio: Float32Array): Float32Array => {
    const call = audio[0]!;
    const sot = tokens.lastIndexOf(tok.sot);
    const row = new Float32Array(V);
    if (sot === tokens.length - 1) {
      prefills.push([...tokens]);
      if (opts.silent?.has(call)) row[tok.noSpeech] = 30;
      return row;
    }
    const i = tokens.length - (sot + 3); // sampled so far (sot, language, task)
    if (i < 0) return row;
    if (opts.silent?.has(call)) {
      if (i < 4) row.fill(3, 0, 200);
      else row[tok.eot] = 30;
      return row;
    }
    if (opts.uncertain?.has(call)) {
      if (i === 0 || i === 5) row[i === 0 ? ts(0) : ts(3)] = 30;
      else if (i < 5) row.fill(-Infinity, TB).fill(5, 100, 200);
      else row[tok.eot] = 30;
      return row;
    }
    const script = scripts[call] ?? [];
    row[i < script.length ? script[i]! : tok.eot] = 30;
    return row;
  };
  const transcriber = new Transcriber({
    dims,
    tokenizer: tok,
    encoder,
    createSession: ({ maxBatch, maxGroups }) => {
      const s = new FakeSession(dims, logits, maxBatch, maxGroups);
      sessions.push(s);
      return s;
    },
  });
  return { transcriber, sessions, windowFrames, prefills, encoder };
}

/** Noise at a speech-like level (−20 dBFS), or silence, by segments of [seconds, loud]. */
export function audioOf(parts: Array<[number, boolean]>, seed = 1): Float32Array {
  const rng = new Rng(seed);
  const total = parts.reduce((n, [s]) => n + Math.round(s * 16000), 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const [s, loud] of parts) {
    const n = Math.round(s * 16000);
    if (loud) out.set(rng.normals(n, 0.1), at);
    at += n;
  }
  return out;
}
