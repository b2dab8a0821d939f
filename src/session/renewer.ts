/** How soon a renewal that failed at once (connection refused) is tried again while the lease holds. */
const QUICK_RETRY_MS = 1000;

/**
 * Runs `renewOnce` every `intervalMs`, one at a time: the next renewal is scheduled only after the
 * previous one settled, so a slow request can never land after a later one (a late renewal
 * written after `detach()` would shorten the detached hold back to a lease).
 *
 * A renewal that hangs must not outlive the lease it is renewing: each gets lease/3 at most (and
 * never more than is left of the lease), then its signal aborts it. A renewal that failed is tried
 * again at once (at most once a second) while the lease it renews is still valid; after that, at
 * the interval. An aborted request may still have landed: it then wrote an earlier expiry than
 * the retry, which the next renewal (an interval later, before that expiry) extends again.
 */
export class Renewer {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  // Stryker disable next-line BooleanLiteral: start() sets it before anything is scheduled, and nothing is scheduled without start()
  private running = false;
  /** Our clock's idea of when the lease last written by us ends. */
  private leaseValidUntil = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly renewOnce: (signal: AbortSignal) => Promise<void>,
    private readonly leaseMs: number = intervalMs * 3,
  ) {}

  /** Starts renewing a lease that was just written (it is valid for `leaseMs` from now). */
  start(): void {
    this.running = true;
    this.leaseValidUntil = Date.now() + this.leaseMs;
    this.schedule(this.intervalMs);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    // The timer keeps the process alive while the hold is ours, which is what it should do.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.attempt().then((nextMs) => {
        this.inFlight = undefined;
        this.schedule(nextMs);
      });
    }, delayMs);
  }

  /** One renewal; resolves with how long to wait before the next. */
  private async attempt(): Promise<number> {
    const started = Date.now();
    const left = this.leaseValidUntil - started;
    const timeoutMs = left > 0 ? Math.min(this.leaseMs / 3, left) : this.leaseMs / 3;
    const abort = new AbortController();
    const deadline = setTimeout(
      () => abort.abort(Object.assign(new Error(`request timed out after ${Math.round(timeoutMs)}ms`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    try {
      await this.renewOnce(abort.signal);
      this.leaseValidUntil = started + this.leaseMs;
      return this.intervalMs;
    } catch {
      // renewOnce reports its own failures. Still within the lease: again now (a hung request
      // used up its time already), or in a second when it failed at once.
      const now = Date.now();
      if (now >= this.leaseValidUntil) return this.intervalMs;
      return Math.max(0, Math.min(QUICK_RETRY_MS - (now - started), this.leaseValidUntil - now));
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Stops renewing; resolves once no renewal is in flight any more. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }
}
