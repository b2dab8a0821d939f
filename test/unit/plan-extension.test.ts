import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { CopyKeys } from '../../src/plan/copy-record.js';
import { holdExtensionPatch, jobExtensionPatch, planExtension, podDeadlineWarning } from '../../src/plan/extension.js';
import { HoldKeys } from '../../src/plan/hold-record.js';
import { RECORD } from './copy-record-fixture.js';

/** RECORD was made at 10:00 and expires at 18:00; its Job started a second after it was made, with an 8h deadline. */
const started = new Date('2025-03-01T10:00:01.000Z');
const job = { startTime: started, activeDeadlineSeconds: 8 * 3600 };
const noon = new Date('2025-03-01T12:00:00.000Z');

describe('planExtension', () => {
  it('sets the expiry to now + ttl and the Job deadline to that instant, counted from the Job start', () => {
    const plan = planExtension(RECORD, job, noon, 10 * 3600);
    expect(plan).toEqual({ change: true, expiresAt: new Date('2025-03-01T22:00:00.000Z'), activeDeadlineSeconds: 12 * 3600 - 1 });
    // The Job is ended at start + deadline: exactly the new expiry, never before it.
    if (!plan.change) throw new Error('expected a change');
    expect(started.getTime() + plan.activeDeadlineSeconds * 1000).toBe(plan.expiresAt.getTime());
  });

  it('rounds the deadline up to whole seconds, so the Job never ends before the copy expires', () => {
    const plan = planExtension(RECORD, { startTime: new Date('2025-03-01T10:00:00.400Z'), activeDeadlineSeconds: 60 }, new Date('2025-03-01T17:00:00.000Z'), 7200);
    expect(plan).toMatchObject({ change: true, activeDeadlineSeconds: 9 * 3600 });
    if (!plan.change) throw new Error('expected a change');
    expect(new Date('2025-03-01T10:00:00.400Z').getTime() + plan.activeDeadlineSeconds * 1000).toBeGreaterThanOrEqual(plan.expiresAt.getTime());
  });

  it('counts from now while the Job has no start time yet (the controller starts counting later still)', () => {
    expect(planExtension(RECORD, { activeDeadlineSeconds: 60 }, noon, 7 * 3600)).toMatchObject({ change: true, activeDeadlineSeconds: 7 * 3600 });
    expect(planExtension(RECORD, { startTime: new Date('garbage') }, noon, 7 * 3600)).toMatchObject({ change: true, activeDeadlineSeconds: 7 * 3600 });
  });

  it('never lowers the deadline the Job already has', () => {
    expect(planExtension(RECORD, { startTime: started, activeDeadlineSeconds: 30 * 3600 }, noon, 7 * 3600)).toMatchObject({ change: true, activeDeadlineSeconds: 30 * 3600 });
  });

  it('never shortens a copy: an expiry at or before the current one changes nothing', () => {
    expect(planExtension(RECORD, job, noon, 6 * 3600)).toEqual({ change: false, expiresAt: RECORD.expiresAt }); // exactly 18:00
    expect(planExtension(RECORD, job, noon, 60)).toEqual({ change: false, expiresAt: RECORD.expiresAt });
    expect(planExtension(RECORD, job, noon, 6 * 3600 + 1)).toMatchObject({ change: true, expiresAt: new Date('2025-03-01T18:00:01.000Z') });
  });

  it('refuses a ttl beyond any date as a usage error', () => {
    expect(() => planExtension(RECORD, job, noon, 1e13)).toThrow(UsageError);
  });
});

describe('the conditional writes', () => {
  const at = new Date('2025-03-01T22:00:00.000Z');

  it('extends the Job as it was judged: its resourceVersion, expiry and deadline, and a detached copy\'s lease mirror', () => {
    expect(jobExtensionPatch('42', at, 43199, true)).toEqual({
      metadata: { resourceVersion: '42', annotations: { [CopyKeys.expiresAt]: '2025-03-01T22:00:00.000Z', [CopyKeys.leaseExpires]: '2025-03-01T22:00:00.000Z' } },
      spec: { activeDeadlineSeconds: 43199 },
    });
  });

  it('leaves a foreground session\'s lease mirror to its session', () => {
    expect(jobExtensionPatch('42', at, 43199, false)).toEqual({
      metadata: { resourceVersion: '42', annotations: { [CopyKeys.expiresAt]: '2025-03-01T22:00:00.000Z' } },
      spec: { activeDeadlineSeconds: 43199 },
    });
  });

  it('moves a hold\'s lease only on the workload as read', () => {
    expect(holdExtensionPatch('7', at)).toEqual({ metadata: { resourceVersion: '7', annotations: { [HoldKeys.leaseExpires]: '2025-03-01T22:00:00.000Z' } } });
  });
});

describe('podDeadlineWarning', () => {
  const expiresAt = new Date('2025-03-01T22:00:00.000Z');
  const podStart = new Date('2025-03-01T10:00:05.000Z');

  it('says nothing for a pod without its own deadline, or one that ends after the new expiry', () => {
    expect(podDeadlineWarning({ name: 'copy-web-x-abcde', startTime: podStart }, expiresAt)).toBeUndefined();
    expect(podDeadlineWarning({ name: 'copy-web-x-abcde', startTime: podStart, activeDeadlineSeconds: 13 * 3600 }, expiresAt)).toBeUndefined();
  });

  it('names the pod, its deadline and when the kubelet ends it, when that comes first', () => {
    expect(podDeadlineWarning({ name: 'copy-web-x-abcde', startTime: podStart, activeDeadlineSeconds: 3600 }, expiresAt)).toBe(
      "copy pod copy-web-x-abcde keeps the original's pod-level activeDeadlineSeconds (3600s): the kubelet ends it at 2025-03-01T11:00:05.000Z, before the new expiry, " +
        'and extend cannot move that deadline (a pod template is immutable)',
    );
  });

  it('counts from the pod start it does not know yet', () => {
    expect(podDeadlineWarning({ name: 'copy-web-x-abcde', activeDeadlineSeconds: 3600 }, expiresAt)).toMatch(/ends it 3600s after it starts, before the new expiry/);
  });
});
