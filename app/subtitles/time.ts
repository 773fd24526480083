/**
 * Timestamp formatting. Every formatter goes through `cleanMs`, so NaN, infinities and negative
 * times can never reach a file, and rounding happens once, on the total, so 59.9996 s becomes
 * 00:01:00.000 rather than 00:00:60.000.
 */

/** A finite, non-negative integer millisecond count (NaN and negatives → 0). */
export function cleanMs(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : 0;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** hh:mm:ss<sep>mmm with at least two hour digits (more from 100 h on), as SRT (",") and VTT (".") want. */
export function formatClock(ms: number, separator: ',' | '.'): string {
  const t = cleanMs(ms);
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor(t / 60_000) % 60;
  const s = Math.floor(t / 1000) % 60;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${separator}${pad(t % 1000, 3)}`;
}

/** LRC's [mm:ss.xx]: centiseconds, minutes unbounded (rounded on the total centiseconds). */
export function formatLrcTime(ms: number): string {
  const cs = Math.round(cleanMs(ms) / 10);
  const m = Math.floor(cs / 6000);
  const s = Math.floor(cs / 100) % 60;
  return `[${pad(m, 2)}:${pad(s, 2)}.${pad(cs % 100, 2)}]`;
}
