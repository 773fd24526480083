/**
 * Child process for the crash test: starts replacing <target> with a large SRT export, reports
 * on stdout once part of it is on disk, then keeps writing slowly until the parent kills it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../../../app/export/write.ts';
import { toSrt } from '../../../app/subtitles/index.ts';
import type { Cue } from '../../../app/subtitles/types.ts';

const target = process.argv[2];
if (!target) throw new Error('usage: crash-writer.ts <target>');

const cues: Cue[] = Array.from({ length: 20000 }, (_, k) => ({
  startMs: k * 3000,
  endMs: k * 3000 + 2500,
  lines: [`Cue number ${k}, à bientôt`, 'ünïcödé 日本語 line two'],
  text: '',
}));
const srt = Buffer.from(toSrt(cues), 'utf8');

async function* slowly(): AsyncGenerator<Uint8Array> {
  const chunk = 256 * 1024;
  for (let off = 0; off < srt.length; off += chunk) {
    yield srt.subarray(off, off + chunk);
    if (off === 0) process.stdout.write('written-first-chunk\n');
    await sleep(200); // a slow disk: plenty of time to be killed mid-write
  }
}

await writeFileAtomic(target, slowly(), { fsync: false });
process.stdout.write('finished\n');
