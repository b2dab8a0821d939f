import { describe, it, expect } from 'vitest';
import {
  HoldKeys,
  currentScale,
  describeHolder,
  holdAnnotations,
  readHold,
  releasePatch,
  renewPatch,
  staleCopyReason,
  staleReason,
  holdTakingPatch,
  type Hold,
} from '../../src/session/hold.js';
import type { CopyRecord } from '../../src/plan/labels.js';

const since = new Date('2025-03-01T10:00:00.000Z');
const leaseExpires = new Date('2025-03-01T10:05:00.000Z');

function hold(overrides: Partial<Hold> = {}): Hold {
  return {
    session: 'sess-1',
    copyJob: 'copy-web-abcde',
    user: 'alice',
    host: 'laptop',
    since,
    leaseExpires,
    original: 3,
    detached: false,
    ...overrides,
  };
}

const at = (ms: number): Date => new Date(since.getTime() + ms);

describe('HoldKeys', () => {
  it('uses the plugin prefix for every key', () => {
    expect(HoldKeys.session).toBe('copy-target.dev/hold-session');
    expect(HoldKeys.held).toBe('copy-target.dev/held');
    expect(HoldKeys.policy).toBe('copy-target.dev/scale-down');
    expect(HoldKeys.original).toBe('copy-target.dev/hold-original');
  });
});

describe('readHold / holdAnnotations', () => {
  it('writes every field as a string annotation', () => {
    expect(holdAnnotations(hold())).toEqual({
      'copy-target.dev/hold-session': 'sess-1',
      'copy-target.dev/hold-copy-job': 'copy-web-abcde',
      'copy-target.dev/hold-user': 'alice',
      'copy-target.dev/hold-host': 'laptop',
      'copy-target.dev/hold-since': '2025-03-01T10:00:00.000Z',
      'copy-target.dev/hold-lease-expires': '2025-03-01T10:05:00.000Z',
      'copy-target.dev/hold-original': '3',
      'copy-target.dev/hold-detached': 'false',
    });
  });

  it.each([3, 0, true, false] as const)('round-trips original=%s', (original) => {
    const h = hold({ original });
    const back = readHold({ annotations: { unrelated: 'x', ...holdAnnotations(h) } });
    expect(back).toEqual(h);
    expect(back?.original).toBe(original);
  });

  it('returns undefined without a session annotation', () => {
    expect(readHold(undefined)).toBeUndefined();
    expect(readHold({})).toBeUndefined();
    expect(readHold({ annotations: { [HoldKeys.copyJob]: 'copy-web-abcde' } })).toBeUndefined();
    expect(readHold({ annotations: { [HoldKeys.session]: '' } })).toBeUndefined();
  });

  it('restores to 1 when the original count is missing or unreadable', () => {
    expect(readHold({ annotations: { [HoldKeys.session]: 's' } })?.original).toBe(1);
    expect(readHold({ annotations: { [HoldKeys.session]: 's', [HoldKeys.original]: 'lots' } })?.original).toBe(1);
  });

  it('defaults missing fields', () => {
    const h = readHold({ annotations: { [HoldKeys.session]: 's', [HoldKeys.original]: '2' } });
    expect(h).toEqual({ session: 's', copyJob: '', user: '', host: '', since: new Date(0), leaseExpires: new Date(0), original: 2, detached: false });
  });
});

describe('staleReason', () => {
  const h = hold({ leaseExpires: at(5 * 60_000) });

  it('is undefined while the lease runs and the job exists', () => {
    expect(staleReason(h, at(1000), true)).toBeUndefined();
    expect(staleReason(h, at(4 * 60_000), true)).toBeUndefined();
  });

  it('reports an expired lease, also at the exact expiry instant', () => {
    expect(staleReason(h, at(5 * 60_000), true)).toBe('its lease expired at 2025-03-01T10:05:00.000Z');
    expect(staleReason(h, at(6 * 60_000), false)).toBe('its lease expired at 2025-03-01T10:05:00.000Z');
  });

  it('a foreground hold is live while its lease runs, even before (or without) its copy job', () => {
    // A StatefulSet session may wait long for its pods to go before the copy job exists.
    expect(staleReason(h, at(0), false)).toBeUndefined();
    expect(staleReason(h, at(4 * 60_000), false)).toBeUndefined();
  });

  it('a detached hold lives exactly as long as its copy job', () => {
    const detached = hold({ leaseExpires: at(5 * 60_000), detached: true });
    expect(staleReason(detached, at(1000), true)).toBeUndefined();
    expect(staleReason(detached, at(1000), false)).toBe('its copy job copy-web-abcde is gone');
  });
});

describe('describeHolder', () => {
  it('names user, host, since, copy job and session', () => {
    expect(describeHolder(hold(), 'deployment/web')).toBe(
      'deployment/web is already scaled down by alice on laptop since 2025-03-01T10:00:00.000Z (copy job copy-web-abcde, session sess-1)',
    );
  });

  it('falls back when user and host are unknown', () => {
    expect(describeHolder(hold({ user: '', host: '' }), 'cronjob/nightly')).toBe(
      'cronjob/nightly is already scaled down by someone on an unknown host since 2025-03-01T10:00:00.000Z (copy job copy-web-abcde, session sess-1)',
    );
  });
});

describe('currentScale', () => {
  it('reads replicas, defaulting to 1', () => {
    expect(currentScale('deployment', { spec: { replicas: 4 } })).toBe(4);
    expect(currentScale('statefulset', { spec: { replicas: 0 } })).toBe(0);
    expect(currentScale('deployment', { spec: {} })).toBe(1);
    expect(currentScale('rollout', {})).toBe(1);
  });

  it('reads suspend for jobs and cronjobs, defaulting to false', () => {
    expect(currentScale('cronjob', { spec: { suspend: true } })).toBe(true);
    expect(currentScale('job', { spec: { suspend: false } })).toBe(false);
    expect(currentScale('cronjob', { spec: {} })).toBe(false);
    expect(currentScale('job', {})).toBe(false);
    expect(currentScale('cronjob', { spec: { replicas: 3 } })).toBe(false);
  });
});

describe('holdTakingPatch', () => {
  it('is one merge patch: resourceVersion precondition, hold annotations, held label, zero replicas', () => {
    expect(holdTakingPatch('deployment', '42', hold())).toEqual({
      metadata: { resourceVersion: '42', annotations: holdAnnotations(hold()), labels: { 'copy-target.dev/held': 'true' } },
      spec: { replicas: 0 },
    });
  });

  it('suspends a CronJob or Job instead', () => {
    const h = hold({ original: false });
    const patch = holdTakingPatch('cronjob', '7', h) as { spec: unknown; metadata: { annotations: Record<string, string> } };
    expect(patch.spec).toEqual({ suspend: true });
    expect(patch.metadata.annotations[HoldKeys.original]).toBe('false');
    expect((holdTakingPatch('job', '7', h) as { spec: unknown }).spec).toEqual({ suspend: true });
  });
});

describe('releasePatch', () => {
  const sessionTest = { op: 'test', path: '/metadata/annotations/copy-target.dev~1hold-session', value: 'sess-1' };
  const removeHoldAnnotations = [
    'hold-session',
    'hold-copy-job',
    'hold-user',
    'hold-host',
    'hold-since',
    'hold-lease-expires',
    'hold-detached',
    'hold-original',
  ].map((k) => ({ op: 'remove', path: `/metadata/annotations/copy-target.dev~1${k}` }));
  const removeHeldLabel = { op: 'remove', path: '/metadata/labels/copy-target.dev~1held' };

  function heldObject(kind: 'deployment' | 'cronjob', h: Hold, spec: Record<string, unknown>) {
    const base = {
      metadata: {
        name: 'web',
        labels: { app: 'web' },
        annotations: { team: 'shop', [HoldKeys.policy]: 'allowed' },
      },
      spec,
    };
    // The object as it looks after holdTakingPatch was applied to it.
    const taken = holdTakingPatch(kind, '1', h) as { metadata: { annotations: object; labels: object }; spec: object };
    return {
      metadata: {
        ...base.metadata,
        labels: { ...base.metadata.labels, ...taken.metadata.labels },
        annotations: { ...base.metadata.annotations, ...taken.metadata.annotations },
      },
      spec: { ...base.spec, ...taken.spec },
    } as any;
  }

  it('restores an untouched workload to its original replicas and removes the hold', () => {
    const object = heldObject('deployment', hold({ original: 3 }), { replicas: 3 });
    const { patch, warning } = releasePatch('deployment', object, hold({ original: 3 }), 'deployment/web');
    expect(warning).toBeUndefined();
    expect(patch).toEqual([
      sessionTest,
      { op: 'test', path: '/spec/replicas', value: 0 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      ...removeHoldAnnotations,
      removeHeldLabel,
    ]);
    const paths = patch.map((p) => p.path);
    expect(paths).not.toContain('/metadata/annotations/team');
    expect(paths).not.toContain('/metadata/annotations/copy-target.dev~1scale-down');
    expect(paths).not.toContain('/metadata/labels/app');
  });

  it('leaves a scale someone else set, and warns naming it', () => {
    const object = heldObject('deployment', hold({ original: 3 }), {});
    object.spec.replicas = 5;
    const { patch, warning } = releasePatch('deployment', object, hold({ original: 3 }), 'deployment/web');
    expect(warning).toBe('deployment/web was scaled to 5 by someone else while held; leaving it at 5 instead of restoring 3');
    expect(patch.filter((p) => p.op === 'replace')).toEqual([]);
    expect(patch.some((p) => p.path === '/spec/replicas')).toBe(false);
    expect(patch).toEqual([sessionTest, ...removeHoldAnnotations, removeHeldLabel]);
  });

  it('treats replicas removed (API default 1) as touched', () => {
    const object = heldObject('deployment', hold(), {});
    delete object.spec.replicas;
    const { patch, warning } = releasePatch('deployment', object, hold(), 'deployment/web');
    expect(warning).toBe('deployment/web was scaled to 1 by someone else while held; leaving it at 1 instead of restoring 3');
    expect(patch.some((p) => p.op === 'replace')).toBe(false);
  });

  it('un-suspends an untouched CronJob to its original suspend value', () => {
    const h = hold({ original: false });
    const object = heldObject('cronjob', h, { schedule: '* * * * *' });
    const { patch, warning } = releasePatch('cronjob', object, h, 'cronjob/nightly');
    expect(warning).toBeUndefined();
    expect(patch).toEqual([
      sessionTest,
      { op: 'test', path: '/spec/suspend', value: true },
      { op: 'replace', path: '/spec/suspend', value: false },
      ...removeHoldAnnotations,
      removeHeldLabel,
    ]);
  });

  it('restores a suspended kind to "not suspended" when the recorded original was unreadable', () => {
    // readHold turns an unreadable original into 1 (right for replicas); for suspend it must be a boolean.
    const h = hold({ original: 1 });
    const object = heldObject('cronjob', h, { schedule: '* * * * *' });
    const { patch } = releasePatch('cronjob', object, h, 'cronjob/nightly');
    expect(patch).toContainEqual({ op: 'replace', path: '/spec/suspend', value: false });
  });

  it('leaves a Job someone resumed, and warns', () => {
    const h = hold({ original: false });
    const object = heldObject('cronjob', h, {});
    object.spec.suspend = false;
    const { patch, warning } = releasePatch('job', object, h, 'job/migrate');
    expect(warning).toBe('job/migrate was resumed by someone else while held; leaving spec.suspend=false as they set it');
    expect(patch.some((p) => p.path === '/spec/suspend')).toBe(false);
    expect(patch).toEqual([sessionTest, ...removeHoldAnnotations, removeHeldLabel]);
  });

  it('only removes the annotations and label that are present', () => {
    const object = {
      metadata: { annotations: { [HoldKeys.session]: 'sess-1', [HoldKeys.original]: '2', [HoldKeys.policy]: 'forbidden' } },
      spec: { replicas: 0 },
    };
    const { patch } = releasePatch('statefulset', object, hold({ original: 2 }), 'statefulset/db');
    expect(patch).toEqual([
      sessionTest,
      { op: 'test', path: '/spec/replicas', value: 0 },
      { op: 'replace', path: '/spec/replicas', value: 2 },
      { op: 'remove', path: '/metadata/annotations/copy-target.dev~1hold-session' },
      { op: 'remove', path: '/metadata/annotations/copy-target.dev~1hold-original' },
    ]);
  });

  it('escapes every "/" in keys as ~1 and leaves none unescaped after the annotations prefix', () => {
    const object = heldObject('deployment', hold(), { replicas: 1 });
    const { patch } = releasePatch('deployment', object, hold(), 'deployment/web');
    for (const op of patch.filter((p) => p.path.startsWith('/metadata/'))) {
      expect(op.path).toMatch(/^\/metadata\/(annotations|labels)\/copy-target\.dev~1[a-z-]+$/);
    }
  });
});

describe('renewPatch', () => {
  it('tests the session, then replaces the lease', () => {
    expect(renewPatch('sess-9', new Date('2025-03-01T10:10:00.000Z'))).toEqual([
      { op: 'test', path: '/metadata/annotations/copy-target.dev~1hold-session', value: 'sess-9' },
      { op: 'replace', path: '/metadata/annotations/copy-target.dev~1hold-lease-expires', value: '2025-03-01T10:10:00.000Z' },
    ]);
  });
});

describe('staleCopyReason', () => {
  const now = new Date('2025-03-01T12:00:00.000Z');
  const base: CopyRecord = {
    targetKind: 'deployment',
    targetName: 'web',
    targetNamespace: 'shop',
    user: 'alice',
    host: 'laptop',
    scaleDown: true,
    createdAt: new Date('2025-03-01T10:00:00.000Z'),
    expiresAt: new Date('2025-03-01T18:00:00.000Z'),
  };
  const session = (detached: boolean, lease: string) => ({
    id: 'sess-1',
    scaledKind: 'deployment',
    scaledName: 'web',
    detached,
    leaseExpires: new Date(lease),
  });

  it('reports an expired copy, also at the exact instant', () => {
    expect(staleCopyReason({ ...base, expiresAt: now }, false, now)).toBe('it expired at 2025-03-01T12:00:00.000Z');
    expect(staleCopyReason({ ...base, expiresAt: new Date('2025-03-01T11:00:00.000Z') }, true, now)).toBe(
      'it expired at 2025-03-01T11:00:00.000Z',
    );
  });

  it('reports a finished job', () => {
    expect(staleCopyReason(base, true, now)).toBe('its job finished');
  });

  it('reports a foreground session whose lease expired', () => {
    expect(staleCopyReason({ ...base, session: session(false, '2025-03-01T11:59:00.000Z') }, false, now)).toBe(
      'its session stopped renewing the lease at 2025-03-01T11:59:00.000Z',
    );
    expect(staleCopyReason({ ...base, session: session(false, '2025-03-01T12:00:00.000Z') }, false, now)).toBe(
      'its session stopped renewing the lease at 2025-03-01T12:00:00.000Z',
    );
  });

  it('never calls a detached session stale by its lease', () => {
    expect(staleCopyReason({ ...base, session: session(true, '2025-03-01T10:01:00.000Z') }, false, now)).toBeUndefined();
  });

  it('is undefined for a live copy', () => {
    expect(staleCopyReason(base, false, now)).toBeUndefined();
    expect(staleCopyReason({ ...base, session: session(false, '2025-03-01T12:01:00.000Z') }, false, now)).toBeUndefined();
  });
});
