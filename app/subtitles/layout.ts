/**
 * Line breaking inside one cue. A cue uses as few lines as its text needs (one line whenever it
 * fits), lines break only between units (never inside a word), and among the layouts with that
 * many lines the cheapest wins: balanced lengths, a bottom-heavy pyramid (upper line not longer
 * than the lower) and breaks after punctuation rather than after "the" or "of".
 * A single unit wider than a line (a 50-letter word or URL) is the one allowed overlong line.
 */
import type { Unit } from './units.ts';

/** Prefix sums over the units, so any range's width is O(1). */
export class Widths {
  private readonly chars: Float64Array;
  private readonly spaces: Float64Array;

  constructor(readonly units: readonly Unit[]) {
    this.chars = new Float64Array(units.length + 1);
    this.spaces = new Float64Array(units.length + 1);
    units.forEach((u, k) => {
      this.chars[k + 1] = this.chars[k]! + u.chars;
      this.spaces[k + 1] = this.spaces[k]! + (u.spaceBefore ? 1 : 0);
    });
  }

  /** On-screen characters of units [i, j) on one line: their text plus the spaces between them. */
  width(i: number, j: number): number {
    if (j <= i) return 0;
    return this.chars[j]! - this.chars[i]! + this.spaces[j]! - this.spaces[i + 1]!;
  }
}

export interface Layout {
  /** Unit index where each line after the first starts. */
  breaks: number[];
  cost: number;
  /** Characters shown (line widths summed; the line breaks themselves do not count). */
  chars: number;
}

/** Fewest lines units [i, j) need at maxChars per line (greedy filling is optimal for this). */
export function minLines(w: Widths, i: number, j: number, maxChars: number): number {
  let lines = 0;
  let a = i;
  while (a < j) {
    let b = a + 1; // a unit alone always makes a line, even an overlong one
    while (b < j && w.width(a, b + 1) <= maxChars) b++;
    lines++;
    a = b;
  }
  return lines;
}

/** Cost of ending a line after unit k (0 at a sentence end, most after a weak word). */
export function lineBreakCost(u: Unit): number {
  if (u.sentenceEnd) return 0;
  if (u.clauseEnd) return 1;
  return u.weakEnd ? 8 : 4;
}

function lineFits(w: Widths, a: number, b: number, maxChars: number): boolean {
  return b - a === 1 || w.width(a, b) <= maxChars;
}

/** Imbalance and pyramid cost of two stacked lines (upper longer than lower costs extra). */
function shapeCost(upper: number, lower: number, maxChars: number): number {
  const d = (upper - lower) / maxChars;
  return 20 * d * d + (d > 0 ? 6 * d : 0);
}

/**
 * Best layout of units [i, j) in exactly `lines` lines, by dynamic programming over line ends.
 * The cost looks at each pair of adjacent lines, which is what a reader sees; keeping one state
 * per line end makes this exact for two lines (the default) and a close heuristic for more.
 */
function bestLayout(w: Widths, i: number, j: number, lines: number, maxChars: number): Layout {
  if (lines === 1) return { breaks: [], cost: 0, chars: w.width(i, j) };
  if (lines === 2) return bestTwoLines(w, i, j, maxChars);
  // best[r][b]: cheapest way to put units [i, b) into r lines, remembering the last line's start.
  type Cell = { cost: number; prev: number };
  const best: Map<number, Cell>[] = [new Map([[i, { cost: 0, prev: -1 }]])];
  for (let r = 1; r <= lines; r++) {
    const row = new Map<number, Cell>();
    for (const [a, cell] of best[r - 1]!) {
      const lastStart = cell.prev;
      for (let b = a + 1; b <= j; b++) {
        if (!lineFits(w, a, b, maxChars)) break;
        if (r < lines && b === j) break;
        if (r === lines && b !== j) continue;
        let cost = cell.cost + (b < j ? lineBreakCost(w.units[b - 1]!) : 0);
        if (lastStart >= 0) cost += shapeCost(w.width(lastStart, a), w.width(a, b), maxChars);
        const old = row.get(b);
        if (!old || cost < old.cost) row.set(b, { cost, prev: a });
      }
    }
    best.push(row);
  }
  return backtrack(best, w, i, j, lines);
}

/** The common case, without the general search's bookkeeping (the shaper calls this a lot). */
function bestTwoLines(w: Widths, i: number, j: number, maxChars: number): Layout {
  let best = { breaks: [] as number[], cost: Infinity, chars: 0 };
  for (let b = i + 1; b < j; b++) {
    if (!lineFits(w, i, b, maxChars)) break;
    if (!lineFits(w, b, j, maxChars)) continue;
    const top = w.width(i, b);
    const bottom = w.width(b, j);
    const cost = lineBreakCost(w.units[b - 1]!) + shapeCost(top, bottom, maxChars);
    if (cost < best.cost) best = { breaks: [b], cost, chars: top + bottom };
  }
  return best;
}

function backtrack(
  best: Map<number, { cost: number; prev: number }>[],
  w: Widths,
  i: number,
  j: number,
  lines: number,
): Layout {
  const end = best[lines]!.get(j)!;
  const breaks: number[] = [];
  let b = j;
  for (let r = lines; r > 1; r--) {
    const a = best[r]!.get(b)!.prev;
    breaks.unshift(a);
    b = a;
  }
  let chars = 0;
  let a = i;
  for (const s of [...breaks, j]) {
    chars += w.width(a, s);
    a = s;
  }
  return { breaks, cost: end.cost, chars };
}

/** The layout of units [i, j), or null when they need more than maxLines lines. */
export function layout(w: Widths, i: number, j: number, maxChars: number, maxLines: number): Layout | null {
  const n = minLines(w, i, j, maxChars);
  return n > maxLines ? null : bestLayout(w, i, j, n, maxChars);
}

/** The text of each line of a layout. */
export function layoutLines(w: Widths, i: number, j: number, breaks: readonly number[]): string[] {
  const out: string[] = [];
  let a = i;
  for (const b of [...breaks, j]) {
    out.push(joinUnits(w.units, a, b));
    a = b;
  }
  return out;
}

export function joinUnits(units: readonly Unit[], i: number, j: number): string {
  let s = '';
  for (let k = i; k < j; k++) s += (k > i && units[k]!.spaceBefore ? ' ' : '') + units[k]!.text;
  return s;
}
