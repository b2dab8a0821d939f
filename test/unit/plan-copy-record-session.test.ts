import { describe, it, expect } from 'vitest';
import { CopyKeys, MANAGED_BY_LABEL, MANAGED_BY_VALUE, readCopyRecord as readRecord, sessionAnnotations, type CopyRecord, type CopySession } from '../../src/plan/copy-record.js';

/** The record, failing the test when it reads as damaged. */
function readCopyRecord(m: ReturnType<typeof meta>): CopyRecord {
  const record = readRecord(m);
  if (record === undefined || 'damaged' in record) throw new Error(`not a readable record: ${JSON.stringify(record)}`);
  return record;
}

const recordAnnotations = {
  [CopyKeys.targetKind]: 'deployment',
  [CopyKeys.targetName]: 'web',
  [CopyKeys.targetNamespace]: 'shop',
  [CopyKeys.user]: 'alice',
  [CopyKeys.host]: 'laptop',
  [CopyKeys.scaleDown]: 'true',
  [CopyKeys.createdAt]: '2025-03-01T10:00:00.000Z',
  [CopyKeys.expiresAt]: '2025-03-01T18:00:00.000Z',
};

const meta = (extra: Record<string, string>) => ({
  labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
  annotations: { ...recordAnnotations, ...extra },
});

const session = (detached: boolean): CopySession => ({
  id: 'sess-1',
  scaledKind: 'deployment',
  scaledName: 'web',
  detached,
  leaseExpires: new Date('2025-03-01T10:05:00.000Z'),
});

describe('sessionAnnotations', () => {
  it('records every session field as a string', () => {
    expect(sessionAnnotations(session(false))).toEqual({
      'copy-target.dev/session': 'sess-1',
      'copy-target.dev/scaled-kind': 'deployment',
      'copy-target.dev/scaled-name': 'web',
      'copy-target.dev/detached': 'false',
      'copy-target.dev/lease-expires': '2025-03-01T10:05:00.000Z',
    });
    expect(sessionAnnotations(session(true))[CopyKeys.detached]).toBe('true');
  });
});

describe('readCopyRecord with a session', () => {
  it.each([false, true])('round-trips detached=%s', (detached) => {
    const record = readCopyRecord(meta(sessionAnnotations(session(detached))));
    expect(record).toEqual({
      targetKind: 'deployment',
      targetName: 'web',
      targetNamespace: 'shop',
      user: 'alice',
      host: 'laptop',
      scaleDown: true,
      createdAt: new Date('2025-03-01T10:00:00.000Z'),
      expiresAt: new Date('2025-03-01T18:00:00.000Z'),
      session: session(detached),
    });
    expect(record?.session?.detached).toBe(detached);
    expect(record?.session?.leaseExpires.toISOString()).toBe('2025-03-01T10:05:00.000Z');
  });

  it('round-trips a scaled workload other than the target', () => {
    const s: CopySession = { ...session(false), scaledKind: 'statefulset', scaledName: 'db' };
    expect(readCopyRecord(meta(sessionAnnotations(s)))?.session).toEqual(s);
  });

  it('has no session without one', () => {
    expect(readCopyRecord(meta({})).session).toBeUndefined();
  });

  it.each([
    [CopyKeys.leaseExpires, 'later', 'copy-target.dev/lease-expires="later" is not an RFC 3339 time'],
    [CopyKeys.detached, 'yes', 'copy-target.dev/detached="yes" is not one of true, false'],
    [CopyKeys.scaledKind, 'daemonset', 'copy-target.dev/scaled-kind="daemonset" is not one of deployment, statefulset, replicaset, rollout, job, cronjob'],
    [CopyKeys.scaledName, '../../secrets', 'copy-target.dev/scaled-name="../../secrets" is not an object name'],
    [CopyKeys.session, 'Sess 1', 'copy-target.dev/session="Sess 1" is not a DNS label'],
  ])('is damaged when the session has %s=%s, never guessed at', (key, value, damaged) => {
    expect(readRecord(meta({ ...sessionAnnotations(session(true)), [key]: value }))).toEqual({ damaged, keys: [key] });
  });

  it('is damaged when only part of a session is recorded', () => {
    const { [CopyKeys.scaledName]: _gone, ...partial } = sessionAnnotations(session(false));
    expect(readRecord(meta(partial))).toEqual({ damaged: 'copy-target.dev/scaled-name is missing', keys: [CopyKeys.scaledName] });
  });
});
