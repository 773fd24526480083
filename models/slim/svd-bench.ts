/**
 * Timing of `svd` against ml-matrix's SingularValueDecomposition on square Gaussian matrices.
 *
 *   npx tsx models/slim/svd-bench.ts [n ...] [--reps R] [--cpu]
 *
 * Defaults: n = 256 512 768 1280, one timed run per cell (after a warm-up on a small matrix),
 * wall-clock time. --cpu reports this process's CPU time instead, which is steadier on a shared
 * machine. Each row also prints max |s_ours − s_ml| / s[0], so a fast wrong answer shows.
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { Rng } from '../fixtures/random.ts';
import { svd } from './svd.ts';

interface Options {
  sizes: number[];
  reps: number;
  cpu: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { sizes: [], reps: 1, cpu: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cpu') opts.cpu = true;
    else if (a === '--reps') opts.reps = Math.max(1, Number(argv[++i]));
    else opts.sizes.push(Number(a));
  }
  if (opts.sizes.length === 0) opts.sizes = [256, 512, 768, 1280];
  return opts;
}

function clockMs(cpu: boolean): number {
  if (!cpu) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Best of `reps` runs of f, in ms; also returns f's last result. */
function time<T>(f: () => T, reps: number, cpu: boolean): { ms: number; out: T } {
  let best = Infinity;
  let out!: T;
  for (let r = 0; r < reps; r++) {
    const t0 = clockMs(cpu);
    out = f();
    best = Math.min(best, clockMs(cpu) - t0);
  }
  return { ms: best, out };
}

function gaussian(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
}

function toMatrix(a: Float64Array, n: number): Matrix {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(a.subarray(i * n, (i + 1) * n)));
  return new Matrix(rows);
}

function main(): void {
  const { sizes, reps, cpu } = parseArgs(process.argv.slice(2));
  // Warm-up so that both libraries are compiled by the optimizing JIT before timing; 160 is large
  // enough to take every path of ours (blocked reduction, divide and conquer).
  const warm = gaussian(160, 1);
  for (let i = 0; i < 3; i++) {
    svd(warm, 160, 160);
    svd(warm, 160, 160, { vectors: false });
    new SingularValueDecomposition(toMatrix(warm, 160));
  }
  console.log(`svd timings, ${cpu ? 'process CPU' : 'wall-clock'} ms, best of ${reps}`);
  console.log(' n     vectors  ours ms  ml-matrix ms  speedup  max|Δs|/s0');
  for (const n of sizes) {
    const a = gaussian(n, 1000 + n);
    const m = toMatrix(a, n);
    for (const vectors of [true, false]) {
      const ours = time(() => svd(a, n, n, { vectors }), reps, cpu);
      const ml = time(
        () =>
          new SingularValueDecomposition(m, {
            computeLeftSingularVectors: vectors,
            computeRightSingularVectors: vectors,
          }),
        reps,
        cpu,
      );
      const ref = ml.out.diagonal;
      let ds = 0;
      for (let i = 0; i < n; i++) ds = Math.max(ds, Math.abs(ours.out.s[i] - ref[i]));
      console.log(
        [
          String(n).padEnd(5),
          (vectors ? 'yes' : 'no').padEnd(7),
          ours.ms.toFixed(0).padStart(8),
          ml.ms.toFixed(0).padStart(13),
          `${(ml.ms / ours.ms).toFixed(1)}×`.padStart(8),
          (ds / ours.out.s[0]).toExponential(1).padStart(11),
        ].join(' '),
      );
    }
  }
}

main();
