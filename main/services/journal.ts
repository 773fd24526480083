/**
 * Per-job autosave: each job has a JSON-lines journal in `<userData>/jobs/<jobId>.jsonl`: a
 * start record, then one record per batch of finished segments, appended and flushed to disk
 * as they arrive, then an end record. A crash loses no segment that was appended; a torn last
 * line (the crash hit mid-write) is skipped when the journal is read back.
 */
import { mkdir, open, readdir, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { SlimError } from '../../models/errors.ts';
import type { JobEnd, JobJournal, JobStart, JobSummary } from '../../app/ipc/contract.ts';
import type { TranscriptSegment } from '../../app/ipc/transcript.ts';

type Line =
  | { kind: 'start'; at: string; start: JobStart }
  | { kind: 'segments'; at: string; segments: TranscriptSegment[] }
  | { kind: 'end'; at: string; end: JobEnd }
  /** The user's edited transcript: replaces every segment before it. */
  | { kind: 'edited'; at: string; segments: TranscriptSegment[] };

const ID_RE = /^[A-Za-z0-9_-]{8,64}$/;

export class JobJournals {
  readonly dir: string;

  constructor(userData: string) {
    this.dir = join(userData, 'jobs');
  }

  private file(jobId: string): string {
    if (!ID_RE.test(jobId))
      throw new SlimError('INVALID_ARGUMENT', `${JSON.stringify(jobId)} is not a job id`);
    return join(this.dir, `${jobId}.jsonl`);
  }

  private async append(jobId: string, line: Line, flag: 'a' | 'wx' = 'a'): Promise<void> {
    const fh = await open(this.file(jobId), flag === 'a' ? 'r+' : flag, 0o600);
    try {
      const at = flag === 'a' ? await cutTornTail(fh) : 0;
      const bytes = Buffer.from(JSON.stringify(line) + '\n', 'utf8');
      await fh.write(bytes, 0, bytes.byteLength, at); // explicit position: r+ would write at 0
      await fh.datasync(); // the point of a journal: on disk before we say it is saved
    } finally {
      await fh.close();
    }
  }

  async begin(start: JobStart): Promise<JobSummary> {
    await mkdir(this.dir, { recursive: true });
    try {
      await this.append(start.jobId, { kind: 'start', at: new Date().toISOString(), start }, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        // resuming: the journal is already there; it must be for the same file
        const j = await this.load(start.jobId);
        if (j.summary.file.path !== start.file.path)
          throw new SlimError('INVALID_ARGUMENT', `job ${start.jobId} belongs to ${j.summary.file.path}`);
        return j.summary;
      }
      throw err;
    }
    return (await this.load(start.jobId)).summary;
  }

  async appendSegments(jobId: string, segments: TranscriptSegment[]): Promise<number> {
    const j = await this.load(jobId);
    if (j.summary.ended)
      throw new SlimError('INVALID_ARGUMENT', `job ${jobId} has ended (${j.summary.ended})`);
    await this.append(jobId, { kind: 'segments', at: new Date().toISOString(), segments });
    return j.segments.length + segments.length;
  }

  async saveEdits(jobId: string, segments: TranscriptSegment[]): Promise<JobSummary> {
    await this.load(jobId);
    await this.append(jobId, { kind: 'edited', at: new Date().toISOString(), segments });
    return (await this.load(jobId)).summary;
  }

  async finish(jobId: string, end: JobEnd): Promise<JobSummary> {
    await this.load(jobId);
    await this.append(jobId, { kind: 'end', at: new Date().toISOString(), end });
    return (await this.load(jobId)).summary;
  }

  async load(jobId: string): Promise<JobJournal> {
    const path = this.file(jobId);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new SlimError('IO', `no saved job ${jobId}`);
    }
    const updatedAt = (await stat(path)).mtime.toISOString();
    return parseJournal(jobId, text, updatedAt);
  }

  async list(): Promise<JobSummary[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: JobSummary[] = [];
    for (const n of names) {
      const id = n.replace(/\.jsonl$/, '');
      if (!n.endsWith('.jsonl') || !ID_RE.test(id)) continue;
      try {
        out.push((await this.load(id)).summary);
      } catch {
        // an unreadable journal is left alone, not listed
      }
    }
    return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async discard(jobId: string): Promise<void> {
    await rm(this.file(jobId), { force: true });
  }
}

/**
 * A crash mid-append leaves a last line without its newline: cut it off before appending, or
 * the next record would be glued to it and lost too. Returns where the next record goes.
 */
async function cutTornTail(fh: FileHandle): Promise<number> {
  const { size } = await fh.stat();
  if (size === 0) return 0;
  const tailBytes = Math.min(size, 1 << 20);
  const tail = Buffer.alloc(tailBytes);
  await fh.read(tail, 0, tailBytes, size - tailBytes);
  if (tail[tailBytes - 1] === 0x0a) return size;
  const nl = tail.lastIndexOf(0x0a);
  const keep = nl < 0 ? size - tailBytes : size - tailBytes + nl + 1;
  await fh.truncate(keep);
  return keep;
}

/** Reads a journal's lines, skipping a record that a crash tore. */
export function parseJournal(jobId: string, text: string, updatedAt: string): JobJournal {
  let start: JobStart | null = null;
  let startedAt = updatedAt;
  let ended: JobEnd | null = null;
  const segments: TranscriptSegment[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue; // a record torn by a crash: the ones after it (if any) are whole
    }
    if (line.kind === 'start') {
      start = line.start;
      startedAt = line.at;
    } else if (line.kind === 'segments') segments.push(...line.segments);
    else if (line.kind === 'edited') segments.splice(0, segments.length, ...line.segments);
    else if (line.kind === 'end') ended = line.end;
  }
  if (!start) throw new SlimError('IO', `job ${jobId}: the journal has no start record`);
  const resumeFromMs = segments.reduce((m, s) => Math.max(m, s.endMs), 0);
  return {
    summary: { ...start, startedAt, updatedAt, segmentCount: segments.length, resumeFromMs, ended },
    segments,
  };
}
