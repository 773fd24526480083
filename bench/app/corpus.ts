/**
 * The benchmark's audio: the English clips of ../shared/audio (transcripts.tsv, language en),
 * decoded to 16 kHz mono by app/audio, and a long file made of them joined by short silences
 * (in memory), with where each clip lies in it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAudioFile } from '../../app/audio/read.ts';
import { SlimError } from '../../models/errors.ts';

export const SAMPLE_RATE = 16000;
export const AUDIO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'audio');

export interface Clip {
  file: string;
  reference: string;
  samples: Float32Array;
  seconds: number;
}

export interface ClipSpan {
  /** Index into the clips. */
  clip: number;
  startS: number;
  endS: number;
}

export interface LongFile {
  samples: Float32Array;
  seconds: number;
  spans: ClipSpan[];
  /** The clips' references in order, joined. */
  reference: string;
}

export interface CorpusOptions {
  /** Clip files to use (default: every English clip). */
  clips?: readonly string[];
  /** The long file repeats the clips (the later passes rotated) until it is at least this long. */
  longSeconds: number;
  /** Silence between clips in the long file. */
  gapSeconds: number;
}

export function englishClipFiles(audioDir = AUDIO_DIR): Array<{ file: string; reference: string }> {
  const rows = readFileSync(join(audioDir, 'transcripts.tsv'), 'utf8').trim().split('\n').slice(1);
  return rows
    .map((line) => line.split('\t'))
    .filter((c) => c[1] === 'en')
    .map((c) => ({ file: c[0]!, reference: c[2]! }));
}

export async function loadClips(files?: readonly string[], audioDir = AUDIO_DIR): Promise<Clip[]> {
  const all = englishClipFiles(audioDir);
  const chosen = files ? files.map((f) => all.find((r) => r.file === f)) : all;
  const clips: Clip[] = [];
  for (const [i, row] of chosen.entries()) {
    if (!row)
      throw new SlimError('INVALID_ARGUMENT', `${files![i]} is not an English clip of transcripts.tsv`);
    const a = await readAudioFile(join(audioDir, row.file));
    clips.push({ ...row, samples: a.samples, seconds: a.samples.length / SAMPLE_RATE });
  }
  return clips;
}

/**
 * The clips joined with `gapSeconds` of silence, one of each recording (jfk-44k-stereo.flac is
 * jfk.wav again: two in a row would look like a repeated segment), passes repeated until
 * `longSeconds`, each later pass rotated by half so that no clip follows itself.
 */
export function buildLongFile(clips: readonly Clip[], o: CorpusOptions): LongFile {
  const seen = new Set<string>();
  const unique = clips
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => !seen.has(c.reference) && seen.add(c.reference));
  const gap = Math.round(o.gapSeconds * SAMPLE_RATE);
  const order: number[] = [];
  let total = 0;
  for (let pass = 0; pass === 0 || total < o.longSeconds * SAMPLE_RATE; pass++) {
    const shift = pass === 0 ? 0 : Math.floor(unique.length / 2) * pass;
    for (let k = 0; k < unique.length; k++) {
      const { c, i } = unique[(k + shift) % unique.length]!;
      order.push(i);
      total += c.samples.length + gap;
    }
  }
  const samples = new Float32Array(total);
  const spans: ClipSpan[] = [];
  let at = 0;
  for (const i of order) {
    const c = clips[i]!;
    samples.set(c.samples, at);
    spans.push({ clip: i, startS: at / SAMPLE_RATE, endS: (at + c.samples.length) / SAMPLE_RATE });
    at += c.samples.length + gap;
  }
  return {
    samples,
    seconds: total / SAMPLE_RATE,
    spans,
    reference: order.map((i) => clips[i]!.reference).join(' '),
  };
}
