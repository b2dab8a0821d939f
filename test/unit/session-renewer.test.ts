import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Renewer } from '../../src/session/renewer.js';

/** A renewal whose request settles only when the test says so (a slow API server). */
function slowRenewals() {
  const pending: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const renewOnce = vi.fn(
    () =>
      new Promise<void>((resolve) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        pending.push(() => {
          inFlight--;
          resolve();
        });
      }),
  );
  return { renewOnce, settleOldest: () => pending.shift()!(), maxInFlight: () => maxInFlight };
}

describe('Renewer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('never starts a renewal while the previous one is still in flight', async () => {
    const slow = slowRenewals();
    const renewer = new Renewer(1000, slow.renewOnce);
    renewer.start();
    await vi.advanceTimersByTimeAsync(10_000); // ten intervals pass while the first request hangs
    expect(slow.renewOnce).toHaveBeenCalledTimes(1);
    slow.settleOldest();
    await vi.advanceTimersByTimeAsync(999);
    expect(slow.renewOnce).toHaveBeenCalledTimes(1); // the next one waits a full interval after it settled
    await vi.advanceTimersByTimeAsync(1);
    expect(slow.renewOnce).toHaveBeenCalledTimes(2);
    expect(slow.maxInFlight()).toBe(1);
    slow.settleOldest();
    await renewer.stop();
  });

  it('stop() resolves only after the renewal in flight settled, and none starts after it', async () => {
    const slow = slowRenewals();
    const renewer = new Renewer(1000, slow.renewOnce);
    renewer.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(slow.renewOnce).toHaveBeenCalledTimes(1);
    let stopped = false;
    const stopping = renewer.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(5000);
    expect(stopped).toBe(false); // the detach write must wait for this renewal
    slow.settleOldest();
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(slow.renewOnce).toHaveBeenCalledTimes(1);
  });

  it('goes on renewing after a renewal failed', async () => {
    const renewOnce = vi.fn().mockRejectedValueOnce(new Error('connection refused')).mockResolvedValue(undefined);
    const renewer = new Renewer(1000, renewOnce);
    renewer.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(renewOnce).toHaveBeenCalledTimes(3);
    await renewer.stop();
  });
});
