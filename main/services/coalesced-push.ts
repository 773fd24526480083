/**
 * Pushes a freshly read state to a listener after something changed, at most once per
 * `intervalMs`: pokes in between coalesce into one push, and a poke that arrives while a push is
 * being read causes one more afterwards, so the last push always shows the latest state. Reads
 * never overlap, so pushes arrive in the order of the states they show (a plain throttle of an
 * async read could deliver an older listing after a newer one).
 */
export class CoalescedPush<T> {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private reading = false;
  private dirty = false;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly send: (value: T) => void,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Something changed: a push follows, within intervalMs of the previous one. */
  poke(): void {
    this.dirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.reading || this.timer !== null || !this.dirty) return;
    const wait = Math.max(0, this.lastAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, wait);
  }

  private async flush(): Promise<void> {
    this.reading = true;
    this.dirty = false;
    try {
      this.send(await this.read());
    } catch (err) {
      this.onError(err);
    } finally {
      // Counted from the push (not from the read's start): pushes are intervalMs apart at least.
      this.lastAt = Date.now();
      this.reading = false;
      this.schedule();
    }
  }
}
