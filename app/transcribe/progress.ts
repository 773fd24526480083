/** Progress events with an ETA from the pace so far (audio done per wall-clock second). */
import type { TranscribeEvent } from './types.ts';

export class ProgressTracker {
  private readonly t0 = performance.now();
  windows = 0;

  constructor(
    private readonly emit: (e: TranscribeEvent) => void,
    private durationMs: number | null,
  ) {}

  /** Once the stream's end is known. */
  setDuration(ms: number): void {
    if (this.durationMs === null) this.durationMs = ms;
  }

  get duration(): number | null {
    return this.durationMs;
  }

  report(positionMs: number): void {
    const elapsedMs = performance.now() - this.t0;
    const d = this.durationMs;
    const pos = d === null ? positionMs : Math.min(positionMs, d);
    const fraction = d === null ? null : d > 0 ? pos / d : 1;
    const etaMs = d !== null && pos > 0 ? (elapsedMs / pos) * (d - pos) : null;
    this.emit({
      type: 'progress',
      positionMs: pos,
      durationMs: d,
      fraction,
      elapsedMs,
      etaMs,
      windows: this.windows,
    });
  }
}
