import { describe, it, expect } from 'vitest';
import { buildCopyJob, type CopyOptions } from '../../src/plan/copy-job.js';
import {
  CONTROLLER_GENERATED_LABELS,
  CopyKeys,
  KEY_PREFIX,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  MANAGED_SELECTOR,
  isControllerGeneratedLabel,
  isValidLabelValue,
  originalOf,
  readCopyRecord,
  scaleDownKeyOf,
  sessionAnnotations,
  type CopyRecord,
  type CopySession,
} from '../../src/plan/copy-record.js';
import { RECORD, RECORD_ANNOTATIONS } from './copy-record-fixture.js';
import { kindName } from '../../src/kube/types.js';

const options: CopyOptions = {
  keepProbes: false,
  excludeContainers: [],
  excludeInitContainers: [],
  setImages: {},
  ttlSeconds: 3600,
  scaleDown: true,
};

describe('label constants', () => {
  it('uses one key prefix for every key', () => {
    expect(KEY_PREFIX).toBe('copy-target.dev');
    for (const key of Object.values(CopyKeys)) expect(key.startsWith('copy-target.dev/')).toBe(true);
    expect(new Set(Object.values(CopyKeys)).size).toBe(Object.values(CopyKeys).length);
  });

  it('builds the managed-by selector from its parts', () => {
    expect(MANAGED_SELECTOR).toBe(`${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`);
    expect(MANAGED_SELECTOR).toBe('app.kubernetes.io/managed-by=kubectl-copy-target');
  });

  it('recognises controller-generated labels', () => {
    for (const key of CONTROLLER_GENERATED_LABELS) expect(isControllerGeneratedLabel(key)).toBe(true);
    expect(isControllerGeneratedLabel('batch.kubernetes.io/job-name')).toBe(true);
    expect(isControllerGeneratedLabel('batch.kubernetes.io/controller-uid')).toBe(true);
    expect(isControllerGeneratedLabel('app')).toBe(false);
    expect(isControllerGeneratedLabel('app.kubernetes.io/name')).toBe(false);
  });

  it('recognises each label a controller stamps on its pods, by name', () => {
    for (const key of [
      'pod-template-hash',
      'controller-revision-hash',
      'statefulset.kubernetes.io/pod-name',
      'apps.kubernetes.io/pod-index',
      'rollouts-pod-template-hash',
      'job-name',
      'controller-uid',
      'batch.kubernetes.io/job-name',
    ]) {
      expect(isControllerGeneratedLabel(key), key).toBe(true);
    }
    expect(isControllerGeneratedLabel('app')).toBe(false);
  });

  it('validates label values of one, two and three characters', () => {
    expect(isValidLabelValue('a')).toBe(true);
    expect(isValidLabelValue('ab')).toBe(true);
    expect(isValidLabelValue('a-b')).toBe(true);
    expect(isValidLabelValue('a b')).toBe(false);
    expect(isValidLabelValue('a-')).toBe(false);
    expect(isValidLabelValue('.a')).toBe(false);
  });

  it('validates label values', () => {
    expect(isValidLabelValue('')).toBe(true);
    expect(isValidLabelValue('web-1.a_b')).toBe(true);
    expect(isValidLabelValue('a'.repeat(63))).toBe(true);
    expect(isValidLabelValue('a'.repeat(64))).toBe(false);
    expect(isValidLabelValue('-web')).toBe(false);
    expect(isValidLabelValue('web.')).toBe(false);
    expect(isValidLabelValue('a/b')).toBe(false);
  });
});

describe('readCopyRecord', () => {
  const now = new Date('2025-03-01T10:00:00.000Z');

  it('round-trips what buildCopyJob records', () => {
    const { job } = buildCopyJob({
      target: { kind: 'deployment', name: 'web', namespace: 'shop' },
      template: { spec: { containers: [{ name: 'app', image: 'nginx' }] } },
      options,
      owner: { user: 'alice', host: 'laptop' },
      now,
      readyBy: new Date('2025-03-01T10:05:00.000Z'),
      suffix: 'abcde',
      signature: '0123456789abcdef',
    });
    expect(readCopyRecord(job.metadata!)).toEqual({
      ...RECORD,
      createdAt: now,
      expiresAt: new Date('2025-03-01T11:00:00.000Z'),
      signature: '0123456789abcdef',
      readyBy: new Date('2025-03-01T10:05:00.000Z'),
    });
  });

  it('round-trips scaleDown false and a recorded pod name', () => {
    const { job } = buildCopyJob({
      target: { kind: 'statefulset', name: 'db', namespace: 'data' },
      template: { spec: { containers: [{ name: 'pg' }] } },
      options: { ...options, scaleDown: false, ttlSeconds: 60 },
      owner: { user: 'bob', host: 'ci' },
      now,
      readyBy: now,
      suffix: 'zzzzz',
      signature: 'ffffffffffffffff',
    });
    job.metadata!.annotations![CopyKeys.podName] = 'copy-db-zzzzz-x1y2z';
    const record = readCopyRecord(job.metadata!) as CopyRecord;
    expect(record.scaleDown).toBe(false);
    expect(record.targetKind).toBe('statefulset');
    expect(record.podName).toBe('copy-db-zzzzz-x1y2z');
    expect(record.expiresAt.toISOString()).toBe('2025-03-01T10:01:00.000Z');
  });

  it('takes a signature only as 16 lower-case hex digits, naming what it should be', () => {
    const withSignature = (signature: string) => readCopyRecord({ ...meta, annotations: { ...meta.annotations, [CopyKeys.signature]: signature } });
    expect((withSignature('0123456789abcdef') as CopyRecord).signature).toBe('0123456789abcdef');
    for (const bad of ['x0123456789abcdef', '0123456789abcdefx', '0123456789ABCDEF', '0123456789abcde']) {
      expect(withSignature(bad)).toEqual({ damaged: `copy-target.dev/signature=${JSON.stringify(bad)} is not a copy signature`, keys: [CopyKeys.signature] });
    }
  });

  it('returns undefined for a foreign Job', () => {
    expect(readCopyRecord({ name: 'nightly', labels: { app: 'batch' }, annotations: {} })).toBeUndefined();
    expect(readCopyRecord({})).toBeUndefined();
  });

  /** A whole record, as a Job's metadata. */
  const meta = {
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    annotations: {
      [CopyKeys.targetKind]: 'deployment',
      [CopyKeys.targetName]: 'web',
      [CopyKeys.targetNamespace]: 'shop',
      [CopyKeys.user]: 'alice',
      [CopyKeys.host]: 'laptop',
      [CopyKeys.scaleDown]: 'false',
      [CopyKeys.createdAt]: '2025-03-01T10:00:00.000Z',
      [CopyKeys.expiresAt]: '2025-03-01T11:00:00.000Z',
    },
  };

  it('reports a broken record as damaged, naming the annotation', () => {
    expect((readCopyRecord(meta) as CopyRecord).targetName).toBe('web');
    const damaged = (key: string, value: string) => readCopyRecord({ ...meta, annotations: { ...meta.annotations, [key]: value } });
    expect(damaged(CopyKeys.targetKind, 'daemonset')).toEqual({
      damaged: 'copy-target.dev/target-kind="daemonset" is not one of pod, deployment, statefulset, replicaset, rollout, job, cronjob, service',
      keys: [CopyKeys.targetKind],
    });
    expect(damaged(CopyKeys.expiresAt, 'soon')).toEqual({ damaged: 'copy-target.dev/expires-at="soon" is not an RFC 3339 time', keys: [CopyKeys.expiresAt] });
    expect(damaged(CopyKeys.scaleDown, 'yes')).toEqual({ damaged: 'copy-target.dev/made-with-scale-down="yes" is not one of true, false', keys: [CopyKeys.scaleDown] });
  });

  it('records "made with --scale-down" under its own key, apart from the team policy key, and still reads the old one', () => {
    expect(CopyKeys.scaleDown).toBe('copy-target.dev/made-with-scale-down');
    const { [CopyKeys.scaleDown]: _new, ...withoutNew } = meta.annotations;
    // A copy made by an earlier version: its record is under the policy's key.
    const legacy = (value: string) => readCopyRecord({ ...meta, annotations: { ...withoutNew, 'copy-target.dev/scale-down': value } });
    expect((legacy('true') as CopyRecord).scaleDown).toBe(true);
    expect((legacy('false') as CopyRecord).scaleDown).toBe(false);
    expect(legacy('yes')).toEqual({ damaged: 'copy-target.dev/scale-down="yes" is not one of true, false', keys: ['copy-target.dev/scale-down'] });
    // The new key wins when both are there.
    const both = readCopyRecord({ ...meta, annotations: { ...meta.annotations, [CopyKeys.scaleDown]: 'true', 'copy-target.dev/scale-down': 'false' } });
    expect((both as CopyRecord).scaleDown).toBe(true);
    // Neither: a damaged record naming the current key.
    expect(readCopyRecord({ ...meta, annotations: withoutNew })).toMatchObject({ keys: [CopyKeys.scaleDown] });
  });

  it('names the key a damaged record is shown by: the new one, or an old copy\'s legacy one', () => {
    expect(scaleDownKeyOf({ [CopyKeys.scaleDown]: 'true', 'copy-target.dev/scale-down': 'false' })).toBe(CopyKeys.scaleDown);
    expect(scaleDownKeyOf({ 'copy-target.dev/scale-down': 'true' })).toBe('copy-target.dev/scale-down');
    expect(scaleDownKeyOf({})).toBe(CopyKeys.scaleDown);
  });
});

/** The record, failing the test when it reads as damaged. */
function readableRecord(m: ReturnType<typeof meta>): CopyRecord {
  const record = readCopyRecord(m);
  if (record === undefined || 'damaged' in record) throw new Error(`not a readable record: ${JSON.stringify(record)}`);
  return record;
}

const meta = (extra: Record<string, string>) => ({
  labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
  annotations: { ...RECORD_ANNOTATIONS, ...extra },
});

const session = (detached: boolean): CopySession => ({
  id: 'sess-1',
  scaledKind: 'deployment',
  scaledName: 'web',
  detached,
  leaseExpires: new Date('2025-03-01T10:05:00.000Z'),
});

describe('originalOf', () => {
  it('names the original a copy was made from, as status shows it', () => {
    expect(kindName(originalOf({ ...RECORD, targetKind: 'statefulset', targetName: 'db' }))).toBe('statefulset/db');
  });
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
    const record = readableRecord(meta(sessionAnnotations(session(detached))));
    expect(record).toEqual({ ...RECORD, session: session(detached) });
    expect(record?.session?.detached).toBe(detached);
    expect(record?.session?.leaseExpires.toISOString()).toBe('2025-03-01T10:05:00.000Z');
  });

  it('round-trips a scaled workload other than the target', () => {
    const s: CopySession = { ...session(false), scaledKind: 'statefulset', scaledName: 'db' };
    expect(readableRecord(meta(sessionAnnotations(s)))?.session).toEqual(s);
  });

  it('has no session without one', () => {
    expect(readableRecord(meta({})).session).toBeUndefined();
  });

  it.each([
    [CopyKeys.leaseExpires, 'later', 'copy-target.dev/lease-expires="later" is not an RFC 3339 time'],
    [CopyKeys.detached, 'yes', 'copy-target.dev/detached="yes" is not one of true, false'],
    [CopyKeys.scaledKind, 'daemonset', 'copy-target.dev/scaled-kind="daemonset" is not one of deployment, statefulset, replicaset, rollout, job, cronjob'],
    [CopyKeys.scaledName, '../../secrets', 'copy-target.dev/scaled-name="../../secrets" is not an object name'],
    [CopyKeys.session, 'Sess 1', 'copy-target.dev/session="Sess 1" is not a DNS label'],
  ])('is damaged when the session has %s=%s, never guessed at', (key, value, damaged) => {
    expect(readCopyRecord(meta({ ...sessionAnnotations(session(true)), [key]: value }))).toEqual({ damaged, keys: [key] });
  });

  it('is damaged when only part of a session is recorded', () => {
    const { [CopyKeys.scaledName]: _gone, ...partial } = sessionAnnotations(session(false));
    expect(readCopyRecord(meta(partial))).toEqual({ damaged: 'copy-target.dev/scaled-name is missing', keys: [CopyKeys.scaledName] });
  });
});
