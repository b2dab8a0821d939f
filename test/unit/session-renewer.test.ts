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

/** A renewal whose request never answers, and ends only when the renewer gives up on it (abort). */
function hangingRenewal() {
  return vi.fn(
    (signal: AbortSignal) =>
      new Promise<void>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason));
      }),
  );
}

describe('Renewer: a renewal that hangs or fails does not lose a live lease', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('gives up on a renewal that never answers after lease/3 and retries at once, while the lease is still valid', async () => {
    const hanging = hangingRenewal();
    const answers = vi.fn(async (_signal: AbortSignal) => undefined);
    let calls = 0;
    const renewOnce = (signal: AbortSignal) => (++calls === 1 ? hanging(signal) : answers(signal));
    // lease 30 s, renewed every 10 s: the first renewal starts at 10 s, the lease ends at 30 s
    const renewer = new Renewer(10_000, renewOnce, 30_000);
    renewer.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(hanging).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(answers).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1); // 10 s (lease/3) after it started: abandoned, and retried at once
    await vi.advanceTimersByTimeAsync(1); // (the abort settles through a few promise hops first)
    expect(answers).toHaveBeenCalledTimes(1);
    expect(hanging.mock.calls[0]![0].aborted).toBe(true);
    await renewer.stop();
  });

  it('retries a failed renewal within a second, not a whole interval later, while the lease is valid', async () => {
    const renewOnce = vi.fn(async (_signal: AbortSignal) => undefined).mockRejectedValueOnce(new Error('connection reset'));
    const renewer = new Renewer(10_000, renewOnce, 30_000);
    renewer.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(renewOnce).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(renewOnce).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(9_999); // a success: back to the interval
    expect(renewOnce).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(renewOnce).toHaveBeenCalledTimes(3);
    await renewer.stop();
  });

  it('never gives a renewal longer than what is left of the lease', async () => {
    const hanging = hangingRenewal();
    const renewer = new Renewer(10_000, hanging, 30_000);
    renewer.start();
    // 10 s: first try, abandoned at 20 s; second at 20 s, abandoned at 30 s when the lease ends;
    // then on at the interval (the session learns on its next answer whether the hold is still its own)
    await vi.advanceTimersByTimeAsync(30_000);
    expect(hanging).toHaveBeenCalledTimes(2);
    expect(hanging.mock.calls.map(([signal]) => signal.aborted)).toEqual([true, true]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(hanging).toHaveBeenCalledTimes(3);
    const stopping = renewer.stop(); // waits for the renewal in flight: at most its timeout
    await vi.advanceTimersByTimeAsync(10_000);
    await stopping;
  });
});

describe('ScaleDownSession: a renewal PATCH that never answers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is abandoned after lease/3 and the retry renews the lease before it ends', async () => {
    const { FakeApi } = await import('./fake-api.js');
    const { Cluster } = await import('../../src/kube/cluster.js');
    const { ScaleDownSession } = await import('../../src/session/session.js');
    const { HoldKeys } = await import('../../src/plan/hold-record.js');
    const PATH = '/apis/apps/v1/namespaces/shop/deployments/web';
    const api = new FakeApi();
    api.put(PATH, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', annotations: {}, labels: {} }, spec: { replicas: 2 } });
    const cluster = new Cluster({ namespace: 'shop', server: 'https://fake.example', userName: 'alice', contextNames: [] } as any, { transport: api });
    const leaseMs = 30_000;
    const hold = { session: 'sess-mine', copyJob: 'copy-web-abcde', user: 'alice', host: 'laptop', since: new Date(), leaseExpires: new Date(Date.now() + leaseMs), original: 2, detached: false };
    const lines: string[] = [];
    const progress = { interactive: false, step: (m: string) => lines.push(m), done: (m: string) => lines.push(m), live: () => undefined, warn: (m: string) => lines.push(m), say: (m: string) => lines.push(m), stop: () => undefined };
    const session = new ScaleDownSession(cluster, { kind: 'deployment', name: 'web', namespace: 'shop', object: api.get(PATH) } as any, hold, leaseMs, progress);
    await session.acquire();
    const acquiredUntil = Date.parse(api.get(PATH).metadata.annotations[HoldKeys.leaseExpires]);
    api.hang('PATCH', /deployments\/web$/, 1);
    await vi.advanceTimersByTimeAsync(10_000); // the first renewal: hangs
    await vi.advanceTimersByTimeAsync(10_000 + 10); // lease/3 later: abandoned, tried again at once
    const renewedUntil = Date.parse(api.get(PATH).metadata.annotations[HoldKeys.leaseExpires]);
    expect(Date.now()).toBeLessThan(acquiredUntil); // all that while the lease still held
    expect(renewedUntil).toBeGreaterThan(acquiredUntil);
    expect(lines.some((l) => /could not renew the lease on deployment\/web \(will retry\)/.test(l))).toBe(true);
    const ending = (session as any).stopRenewing();
    await vi.advanceTimersByTimeAsync(10_000);
    await ending;
  });
});

/**
 * A renewOnce that plays one scripted answer per call: 'ok' or 'fail' after `afterMs`, or 'hang'
 * until aborted. Records when each call started and how each ended, on the fake clock.
 */
function scripted(...script: Array<{ answer: 'ok' | 'fail'; afterMs?: number } | 'hang'>) {
  const calls: Array<{ at: number; ended?: string; endedAt?: number; reason?: unknown }> = [];
  const renewOnce = (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const call: (typeof calls)[number] = { at: Date.now() };
      calls.push(call);
      const step = script[calls.length - 1] ?? { answer: 'ok' };
      const end = (how: string, reason?: unknown) => {
        if (call.ended) return; // a request settles once
        Object.assign(call, { ended: how, endedAt: Date.now(), reason });
        if (how === 'ok') resolve();
        else reject(reason ?? new Error(how));
      };
      signal.addEventListener('abort', () => end('aborted', signal.reason));
      if (step === 'hang') return;
      if (step.afterMs === undefined) end(step.answer);
      else setTimeout(() => end(step.answer), step.afterMs);
    });
  return { renewOnce, calls };
}

describe('Renewer: when each renewal is tried, and for how long', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('without a lease given, the lease is three intervals: a hanging renewal gets a whole interval', async () => {
    const { renewOnce, calls } = scripted('hang');
    const renewer = new Renewer(1000, renewOnce);
    renewer.start();
    await vi.advanceTimersByTimeAsync(1999);
    expect(calls[0]).toEqual({ at: 1000 });
    await vi.advanceTimersByTimeAsync(1);
    expect(calls[0]).toMatchObject({ ended: 'aborted', endedAt: 2000 });
    await renewer.stop();
  });

  it('aborts a renewal that hangs with a timeout error the warning can show', async () => {
    const { renewOnce, calls } = scripted('hang');
    const renewer = new Renewer(10_000, renewOnce, 30_000);
    renewer.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls[0]!.reason).toMatchObject({ message: 'request timed out after 10000ms', code: 'ETIMEDOUT' });
    await renewer.stop();
  });

  it('retries quickly after a failure that follows a successful renewal: the lease it wrote still holds', async () => {
    const { renewOnce, calls } = scripted({ answer: 'ok' }, { answer: 'ok' }, { answer: 'fail' });
    const renewer = new Renewer(10_000, renewOnce, 30_000);
    renewer.start();
    // Renewed at 10 s and 20 s (valid until 50 s); the failure at 30 s is retried a second later.
    await vi.advanceTimersByTimeAsync(31_000);
    expect(calls.map((c) => c.at)).toEqual([10_000, 20_000, 30_000, 31_000]);
    await renewer.stop();
  });

  it('once the lease has lapsed, tries again an interval later, not at once, and still gives each try lease/3', async () => {
    const { renewOnce, calls } = scripted('hang', 'hang', { answer: 'fail' }, { answer: 'ok', afterMs: 5_000 });
    const renewer = new Renewer(10_000, renewOnce, 30_000);
    renewer.start();
    await vi.advanceTimersByTimeAsync(55_000);
    // 10 s: abandoned at 20 s, retried at once (1 ms); abandoned at 30 s, as the lease ends; then at
    // the interval: 40 s fails at once, 50 s answers after 5 s (not cut short by a lease that is over).
    expect(calls.map((c) => [c.at, c.ended, c.endedAt])).toEqual([
      [10_000, 'aborted', 20_000],
      [20_001, 'aborted', 30_000],
      [40_000, 'fail', 40_000],
      [50_000, 'ok', 55_000],
    ]);
    await renewer.stop();
  });

  it('retries a quick failure no later than the end of the lease it renews', async () => {
    // 10 s hangs (abandoned at 20 s, retried at once: a timer of 0 fires after 1 ms), fails 9.5 s
    // later (retried at once), fails at once: the next try comes as the lease ends at 30 s, not a
    // second later, and still gets lease/3.
    const { renewOnce, calls } = scripted('hang', { answer: 'fail', afterMs: 9_500 }, { answer: 'fail' }, { answer: 'ok', afterMs: 5_000 });
    const renewer = new Renewer(10_000, renewOnce, 30_000);
    renewer.start();
    await vi.advanceTimersByTimeAsync(35_000);
    expect(calls.map((c) => [c.at, c.ended, c.endedAt])).toEqual([
      [10_000, 'aborted', 20_000],
      [20_001, 'fail', 29_501],
      [29_502, 'fail', 29_502],
      [30_000, 'ok', 35_000],
    ]);
    await renewer.stop();
  });

  it('after stop() no renewal is made and no timer is left to keep the process alive', async () => {
    const { renewOnce, calls } = scripted({ answer: 'ok', afterMs: 100 });
    const renewer = new Renewer(10_000, renewOnce, 30_000);
    renewer.start();
    await vi.advanceTimersByTimeAsync(15_000); // one renewal done, the next one waiting
    await renewer.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
  });
});
