/**
 * Resident memory of a process, or of a process and all its descendants (a browser's tree),
 * sampled from /proc while it runs, per phase of the run.
 */
import { readdirSync, readFileSync } from 'node:fs';

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // the process has ended
  }
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses; ppid follows the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // gone between readdir and read
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

export interface RssReport {
  /** Peak MB per phase. */
  peakMB: Record<string, number>;
  /** [seconds into the phase, MB] of the traced phase. */
  trace: Array<[number, number]>;
}

export class RssSampler {
  private phase = 'start';
  private phaseT0 = performance.now();
  private readonly peaks: Record<string, number> = {};
  private readonly trace: Array<[number, number]> = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly pid: number,
    private readonly o: { tree: boolean; tracePhase?: string; intervalMs?: number },
  ) {
    this.timer = setInterval(() => this.sample(), o.intervalMs ?? 100);
  }

  sample(): void {
    const pids = this.o.tree ? processTree(this.pid) : [this.pid];
    const mb = pids.reduce((a, p) => a + rssBytes(p), 0) / 2 ** 20;
    this.peaks[this.phase] = Math.max(this.peaks[this.phase] ?? 0, mb);
    if (this.phase === this.o.tracePhase) this.trace.push([(performance.now() - this.phaseT0) / 1000, mb]);
  }

  mark(phase: string): void {
    this.sample();
    this.phase = phase;
    this.phaseT0 = performance.now();
    this.sample();
  }

  stop(): RssReport {
    clearInterval(this.timer);
    return { peakMB: { ...this.peaks }, trace: this.trace };
  }
}

/** Peak of the first and the second half of a trace: flat memory has them about equal. */
export function halves(trace: ReadonlyArray<[number, number]>): [number, number] {
  const mid = Math.floor(trace.length / 2);
  const peak = (xs: ReadonlyArray<[number, number]>): number => xs.reduce((a, [, mb]) => Math.max(a, mb), 0);
  return [peak(trace.slice(0, mid)), peak(trace.slice(mid))];
}
