import { describe, it, expect } from 'vitest';
import { CopyKeys, MANAGED_BY_LABEL, MANAGED_BY_VALUE, readCopyRecord, sessionAnnotations, type CopySession } from '../../src/plan/labels.js';

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

  it('has no session without one, or without a readable lease', () => {
    expect(readCopyRecord(meta({}))?.session).toBeUndefined();
    const broken = { ...sessionAnnotations(session(false)), [CopyKeys.leaseExpires]: 'later' };
    const record = readCopyRecord(meta(broken));
    expect(record?.targetName).toBe('web');
    expect(record?.session).toBeUndefined();
  });

  it('reads any detached value other than "true" as foreground', () => {
    const record = readCopyRecord(meta({ ...sessionAnnotations(session(true)), [CopyKeys.detached]: 'yes' }));
    expect(record?.session?.detached).toBe(false);
  });
});
