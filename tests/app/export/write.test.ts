import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  exportTranscript,
  removeStaleTemps,
  tempPathFor,
  writeFileAtomic,
} from '../../../app/export/write.ts';
import { SlimError } from '../../../models/errors.ts';
import { REPO_ROOT } from '../../helpers/shared.ts';
import { transcriptOf, wordsOf } from '../subtitles/helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'slim-export-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => {
  const d = join(root, String(n++));
  mkdirSync(d);
  return d;
};
const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const isIo = (e: unknown): boolean => e instanceof SlimError && e.code === 'IO';

test('writes a new file and replaces an old one, leaving no temporary file', async () => {
  const dir = freshDir();
  const p = join(dir, 'a.srt');
  await writeFileAtomic(p, 'first ünïcödé');
  assert.equal(readFileSync(p, 'utf8'), 'first ünïcödé');
  await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...readFileSync(p)], [1, 2, 3]);
  await writeFileAtomic(p, ['chunk ', Buffer.from('by '), 'chunk']);
  assert.equal(readFileSync(p, 'utf8'), 'chunk by chunk');
  assert.deepEqual(readdirSync(dir), ['a.srt']);
});

test('the temporary file sits next to the target, hidden, named for this process', () => {
  const t = tempPathFor('/some/dir/out.vtt');
  assert.match(t, new RegExp(`^/some/dir/\\.out\\.vtt\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
});

test('replacing a file keeps its permissions', { skip: process.platform === 'win32' }, async () => {
  const dir = freshDir();
  const p = join(dir, 'a.txt');
  writeFileSync(p, 'old');
  chmodSync(p, 0o640);
  await writeFileAtomic(p, 'new');
  assert.equal(statSync(p).mode & 0o777, 0o640);
});

test('a write stream failing mid-way leaves the old file intact and no temporary file', async () => {
  const dir = freshDir();
  const p = join(dir, 'a.srt');
  writeFileSync(p, 'the old subtitles');
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield new Uint8Array(4 << 20).fill(65); // 4 MiB reach the temporary file first
    throw new Error('ENOSPC: no space left on device (injected)');
  }
  await assert.rejects(writeFileAtomic(p, failing()), (e: unknown) => isIo(e) && /ENOSPC/.test(String(e)));
  assert.equal(readFileSync(p, 'utf8'), 'the old subtitles');
  assert.deepEqual(readdirSync(dir), ['a.srt']);
});

test('a failing rename (target is a directory) removes the temporary file', async () => {
  const dir = freshDir();
  const p = join(dir, 'taken');
  mkdirSync(p);
  writeFileSync(join(p, 'inside'), 'x');
  await assert.rejects(writeFileAtomic(p, 'data'), isIo);
  assert.deepEqual(readdirSync(dir), ['taken']);
  assert.equal(readFileSync(join(p, 'inside'), 'utf8'), 'x');
});

test('a missing directory is a clear IO error', async () => {
  const dir = freshDir();
  await assert.rejects(
    writeFileAtomic(join(dir, 'nope', 'a.srt'), 'x'),
    (e: unknown) => isIo(e) && /nope/.test(String(e)),
  );
});

test('concurrent writers: the file ends up whole, from one of them', async () => {
  const dir = freshDir();
  const p = join(dir, 'a.json');
  const bodies = Array.from({ length: 8 }, (_, k) => String(k).repeat(200_000 + k));
  await Promise.all(bodies.map((b) => writeFileAtomic(p, b)));
  assert.ok(bodies.includes(readFileSync(p, 'utf8')));
  assert.deepEqual(temps(dir), []);
});

test('stale temporaries: those of dead writers are removed, those of live ones kept', async () => {
  const dir = freshDir();
  const p = join(dir, 'a.srt');
  const dead = join(dir, `.a.srt.999999999.abcdef012345.tmp`); // no such pid
  const live = join(dir, `.a.srt.${process.ppid}.abcdef012345.tmp`); // our parent is alive
  const other = join(dir, `.b.srt.999999999.abcdef012345.tmp`); // another target's
  for (const f of [dead, live, other]) writeFileSync(f, 'partial');
  assert.deepEqual(await removeStaleTemps(p), [dead]);
  assert.deepEqual(temps(dir).sort(), [
    `.a.srt.${process.ppid}.abcdef012345.tmp`,
    '.b.srt.999999999.abcdef012345.tmp',
  ]);
});

interface Child {
  kill: () => Promise<void>;
  started: Promise<void>;
}

function startCrashWriter(target: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/app/export/crash-writer.ts', target], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('written-first-chunk')) resolve();
      if (d.toString().includes('finished')) reject(new Error('the writer finished before it was killed'));
    });
    child.on('exit', (code) => reject(new Error(`writer exited early (${code}): ${err}`)));
  });
  return {
    started,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

test('a writer killed mid-write leaves the old file intact; the next export cleans up', async () => {
  const dir = freshDir();
  const base = 'talk';
  const target = join(dir, `${base}.srt`);
  const t = transcriptOf(wordsOf(['The old file stays.']));
  await exportTranscript(t, { formats: ['srt'], outDir: dir, baseName: base });
  const old = readFileSync(target);

  const child = startCrashWriter(target);
  await child.started;
  const [tmp] = temps(dir);
  assert.ok(tmp, 'the child is writing its temporary file');
  assert.ok(statSync(join(dir, tmp)).size >= 256 * 1024, 'part of the new export is on disk');
  await child.kill();

  assert.deepEqual(readFileSync(target), old, 'the old export is intact');
  assert.equal(temps(dir).length, 1, 'a killed process cannot clean up its temporary file');

  const t2 = transcriptOf(wordsOf(['A new export replaces it.']));
  await exportTranscript(t2, { formats: ['srt', 'vtt'], outDir: dir, baseName: base });
  assert.deepEqual(temps(dir), [], 'the next export removed the stale temporary file');
  assert.match(readFileSync(target, 'utf8'), /A new export replaces it\./);
});
