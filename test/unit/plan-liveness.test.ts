import { describe, expect, it } from 'vitest';
import type { CopyRecord } from '../../src/plan/copy-record.js';
import type { Hold } from '../../src/plan/hold-record.js';
import { RECORD } from './copy-record-fixture.js';
import { copyStaleReason, decidedByHold, holdStaleReason, reusable, type CopyJobState } from '../../src/plan/liveness.js';

const running: CopyJobState = { finished: false, terminating: false };
const finished: CopyJobState = { finished: true, terminating: false };

const since = new Date('2025-03-01T10:00:00.000Z');
const at = (ms: number): Date => new Date(since.getTime() + ms);
function hold(overrides: Partial<Hold> = {}): Hold {
  return { session: 'sess-1', copyJob: 'copy-web-abcde', user: 'alice', host: 'laptop', since, leaseExpires: at(5 * 60_000), original: 3, detached: false, ...overrides };
}

/** A copy made at 10:00, expiring at 18:00; the tests judge it at noon. */
const now = new Date('2025-03-01T12:00:00.000Z');
const base: CopyRecord = RECORD;

describe('copyStaleReason', () => {
  const session = (detached: boolean, lease: string) => ({
    id: 'sess-1',
    scaledKind: 'deployment' as const,
    scaledName: 'web',
    detached,
    leaseExpires: new Date(lease),
  });

  it('reports an expired copy, also at the exact instant', () => {
    expect(copyStaleReason({ ...base, expiresAt: now }, running, now)).toBe('it expired at 2025-03-01T12:00:00.000Z');
    expect(copyStaleReason({ ...base, expiresAt: new Date('2025-03-01T11:00:00.000Z') }, finished, now)).toBe(
      'it expired at 2025-03-01T11:00:00.000Z',
    );
  });

  it('reports a finished job', () => {
    expect(copyStaleReason(base, finished, now)).toBe('its job finished');
  });

  it('reports a foreground session whose lease expired', () => {
    expect(copyStaleReason({ ...base, session: session(false, '2025-03-01T11:59:00.000Z') }, running, now)).toBe(
      'its session stopped renewing the lease at 2025-03-01T11:59:00.000Z',
    );
    expect(copyStaleReason({ ...base, session: session(false, '2025-03-01T12:00:00.000Z') }, running, now)).toBe(
      'its session stopped renewing the lease at 2025-03-01T12:00:00.000Z',
    );
  });

  it('reports a copy whose pod was never handed out by its ready-by time, and only then', () => {
    const readyBy = new Date('2025-03-01T11:30:00.000Z');
    expect(copyStaleReason({ ...base, readyBy }, running, now)).toBe(
      'its CLI stopped before handing out its pod (the pod was due Running by 2025-03-01T11:30:00.000Z)',
    );
    expect(copyStaleReason({ ...base, readyBy, podName: 'copy-web-abcde-x1y2z' }, running, now)).toBeUndefined();
    expect(copyStaleReason({ ...base, readyBy: new Date('2025-03-01T12:00:01.000Z') }, running, now)).toBeUndefined();
  });

  it('never calls a detached session stale by its lease', () => {
    expect(copyStaleReason({ ...base, session: session(true, '2025-03-01T10:01:00.000Z') }, running, now)).toBeUndefined();
  });

  it('is undefined for a live copy', () => {
    expect(copyStaleReason(base, running, now)).toBeUndefined();
    expect(copyStaleReason({ ...base, session: session(false, '2025-03-01T12:01:00.000Z') }, running, now)).toBeUndefined();
  });

  it('reports a job being deleted (status shows it stale; gc leaves it to the deletion)', () => {
    expect(copyStaleReason(base, { finished: false, terminating: true }, now)).toBe('its job is being deleted');
  });

  describe('when only the Job\'s lease mirror lapsed, the hold on the workload decides', () => {
    const lapsed = { ...base, podName: 'copy-web-abcde-x1y2z', session: session(false, '2025-03-01T11:59:00.000Z') };
    const holdOf = (lease: string): Hold => ({
      session: 'sess-1',
      copyJob: 'copy-web-abcde',
      user: 'alice',
      host: 'laptop',
      since: base.createdAt,
      leaseExpires: new Date(lease),
      original: 3,
      detached: false,
    });

    it('a hold whose lease runs keeps the copy live', () => {
      expect(decidedByHold(lapsed, running, now)).toBe(true);
      expect(copyStaleReason(lapsed, running, now, holdOf('2025-03-01T12:00:30.000Z'))).toBeUndefined();
    });

    it('a hold whose lease lapsed too, a hold gone to another session (null), or an unread hold: stale by the mirror', () => {
      const mirrored = 'its session stopped renewing the lease at 2025-03-01T11:59:00.000Z';
      expect(copyStaleReason(lapsed, running, now, holdOf('2025-03-01T12:00:00.000Z'))).toBe(mirrored);
      expect(copyStaleReason(lapsed, running, now, null)).toBe(mirrored);
      expect(copyStaleReason(lapsed, running, now)).toBe(mirrored);
    });

    it('the hold does not decide for a copy that expired or finished', () => {
      const live = holdOf('2025-03-01T12:00:30.000Z');
      expect(decidedByHold(lapsed, finished, now)).toBe(false);
      expect(copyStaleReason(lapsed, finished, now, live)).toBe('its job finished');
      expect(decidedByHold({ ...lapsed, expiresAt: now }, running, now)).toBe(false);
      expect(copyStaleReason({ ...lapsed, expiresAt: now }, running, now, live)).toBe('it expired at 2025-03-01T12:00:00.000Z');
    });

    it('is not asked for a live copy, a detached session or a copy without one', () => {
      expect(decidedByHold({ ...lapsed, session: session(false, '2025-03-01T12:00:01.000Z') }, running, now)).toBe(false);
      expect(decidedByHold({ ...lapsed, session: session(true, '2025-03-01T11:00:00.000Z') }, running, now)).toBe(false);
      expect(decidedByHold(base, running, now)).toBe(false);
    });
  });
});

describe('reusable', () => {
  const copy: CopyRecord = { ...base, scaleDown: false, podName: 'copy-web-abcde-x1y2z' };
  const session = (detached: boolean) => ({ id: 'sess-1', scaledKind: 'deployment' as const, scaledName: 'web', detached, leaseExpires: new Date('2025-03-01T18:00:00.000Z') });

  it('hands out a live copy with its pod named, also a detached session\'s', () => {
    expect(reusable(copy, running, now)).toBe(true);
    expect(reusable({ ...copy, session: session(true) }, running, now)).toBe(true);
  });

  it('never a foreground session\'s copy (it is deleted when the session ends), nor one without its pod named', () => {
    expect(reusable({ ...copy, session: session(false) }, running, now)).toBe(false);
    expect(reusable({ ...copy, podName: undefined }, running, now)).toBe(false);
  });

  it('not one with less than a minute left, nor a finished or terminating one', () => {
    expect(reusable({ ...copy, expiresAt: new Date('2025-03-01T12:01:00.000Z') }, running, now)).toBe(false);
    expect(reusable({ ...copy, expiresAt: new Date('2025-03-01T12:01:00.001Z') }, running, now)).toBe(true);
    expect(reusable(copy, finished, now)).toBe(false);
    expect(reusable(copy, { finished: false, terminating: true }, now)).toBe(false);
  });
});

describe('holdStaleReason', () => {
  const h = hold({ leaseExpires: at(5 * 60_000) });

  it('is undefined while the lease runs and the job exists', () => {
    expect(holdStaleReason(h, at(1000), true)).toBeUndefined();
    expect(holdStaleReason(h, at(4 * 60_000), true)).toBeUndefined();
  });

  it('reports an expired lease, also at the exact expiry instant', () => {
    expect(holdStaleReason(h, at(5 * 60_000), true)).toBe('its lease expired at 2025-03-01T10:05:00.000Z');
    expect(holdStaleReason(h, at(6 * 60_000), false)).toBe('its lease expired at 2025-03-01T10:05:00.000Z');
  });

  it('a foreground hold is live while its lease runs, even before (or without) its copy job', () => {
    // A StatefulSet session may wait long for its pods to go before the copy job exists.
    expect(holdStaleReason(h, at(0), false)).toBeUndefined();
    expect(holdStaleReason(h, at(4 * 60_000), false)).toBeUndefined();
  });

  it('a detached hold lives exactly as long as its copy job', () => {
    const detached = hold({ leaseExpires: at(5 * 60_000), detached: true });
    expect(holdStaleReason(detached, at(1000), true)).toBeUndefined();
    expect(holdStaleReason(detached, at(1000), false)).toBe('its copy job copy-web-abcde is gone');
  });
});
