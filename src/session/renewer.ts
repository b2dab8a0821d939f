/**
 * Runs `renewOnce` every `intervalMs`, one at a time: the next renewal is scheduled only after the
 * previous one settled, so a slow request can never land after a later one (a late renewal
 * written after `detach()` would shorten the detached hold back to a lease).
 */
export class Renewer {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private running = false;

  constructor(
    private readonly intervalMs: number,
    private readonly renewOnce: () => Promise<void>,
  ) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    // The timer keeps the process alive while the hold is ours, which is what it should do.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.renewOnce()
        .catch(() => undefined) // renewOnce reports its own failures
        .finally(() => {
          this.inFlight = undefined;
          this.schedule();
        });
    }, this.intervalMs);
  }

  /** Stops renewing; resolves once no renewal is in flight any more. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }
}
