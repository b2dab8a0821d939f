import { describe, it, expect } from 'vitest';
import {
  originalAfterTakeover,
  HoldKeys,
  currentScale,
  describeHolder,
  holdAnnotations,
  MAX_RESTORED_REPLICAS,
  damagedHoldMessage,
  readHold,
  releasePatch,
  renewPatch,
  holdTakingPatch,
  SCALE_DOWN_FORBIDDEN,
  type Hold,
} from '../../src/plan/hold-record.js';
import type { ScalableKind } from '../../src/target/kinds.js';
import type { Damaged } from '../../src/plan/annotation-values.js';
import type { V1CronJob, V1Job } from '../../src/kube/types.js';

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

  it.each([
    ['deployment', 3],
    ['statefulset', 0],
    ['job', true],
    ['cronjob', false],
  ] as const)('round-trips a %s hold with original=%s', (kind, original) => {
    const h = hold({ original });
    const back = readHold({ annotations: { unrelated: 'x', ...holdAnnotations(h) } }, kind);
    expect(back).toEqual(h);
  });

  it('returns undefined when there is no hold at all', () => {
    expect(readHold(undefined, 'deployment')).toBeUndefined();
    expect(readHold({}, 'deployment')).toBeUndefined();
    expect(readHold({ annotations: { [HoldKeys.policy]: 'forbidden' } }, 'deployment')).toBeUndefined();
  });
});

describe('readHold of a malformed hold: damaged, naming the annotation, never guessed at', () => {
  const valid = holdAnnotations(hold());
  const withValue = (key: string, value: string, kind: ScalableKind = 'deployment') =>
    readHold({ annotations: { ...valid, [key]: value } }, kind);

  it.each([
    ['lots', 'is not a whole number from 0 to 150000'],
    ['', 'is not a whole number from 0 to 150000'],
    ['-1', 'is not a whole number from 0 to 150000'],
    ['2.5', 'is not a whole number from 0 to 150000'],
    ['03', 'is not a whole number from 0 to 150000'],
    ['+3', 'is not a whole number from 0 to 150000'],
    ['1e3', 'is not a whole number from 0 to 150000'],
    [' 3', 'is not a whole number from 0 to 150000'],
    ['150001', 'is not a whole number from 0 to 150000'],
    ['99999999999999999999', 'is not a whole number from 0 to 150000'],
    ['true', 'is not a whole number from 0 to 150000'],
  ])('replica count %j', (value, problem) => {
    expect(withValue(HoldKeys.original, value)).toEqual({
      damaged: `copy-target.dev/hold-original=${JSON.stringify(value)} ${problem}`,
      keys: [HoldKeys.original],
    });
  });

  it('accepts the edges of the replica range', () => {
    expect((withValue(HoldKeys.original, '0') as Hold).original).toBe(0);
    expect((withValue(HoldKeys.original, String(MAX_RESTORED_REPLICAS)) as Hold).original).toBe(MAX_RESTORED_REPLICAS);
  });

  it.each(['1', '0', 'True', 'yes', ''])('suspend value %j on a Job', (value) => {
    expect(withValue(HoldKeys.original, value, 'job')).toEqual({
      damaged: `copy-target.dev/hold-original=${JSON.stringify(value)} is not one of true, false`,
      keys: [HoldKeys.original],
    });
  });

  it.each([
    [HoldKeys.since, 'yesterday', 'is not an RFC 3339 time'],
    [HoldKeys.since, '2025-03-01', 'is not an RFC 3339 time'],
    [HoldKeys.leaseExpires, '2025-03-01T10:05:00', 'is not an RFC 3339 time'],
    [HoldKeys.leaseExpires, '2025-13-45T10:05:00Z', 'is not an RFC 3339 time'],
    [HoldKeys.detached, 'yes', 'is not one of true, false'],
    [HoldKeys.copyJob, '../../secrets/x', 'is not an object name'],
    [HoldKeys.session, 'Sess 1', 'is not a DNS label'],
  ])('%s=%j', (key, value, problem) => {
    expect(withValue(key, value)).toEqual({ damaged: `${key}=${JSON.stringify(value)} ${problem}`, keys: [key] });
  });

  it('accepts a timestamp with an offset, as a person may write it when fixing one', () => {
    expect((withValue(HoldKeys.leaseExpires, '2025-03-01T11:05:00+01:00') as Hold).leaseExpires).toEqual(leaseExpires);
  });

  it('names every missing annotation, and a held label with no record at all', () => {
    const { [HoldKeys.original]: _o, [HoldKeys.since]: _s, ...partial } = valid;
    expect(readHold({ annotations: partial }, 'deployment')).toEqual({
      damaged: 'copy-target.dev/hold-since is missing; copy-target.dev/hold-original is missing',
      keys: [HoldKeys.since, HoldKeys.original],
    });
    const labelOnly = readHold({ labels: { [HoldKeys.held]: 'true' } }, 'deployment');
    expect(labelOnly && 'damaged' in labelOnly && labelOnly.keys).toHaveLength(8);
    expect(readHold({ annotations: { [HoldKeys.copyJob]: 'copy-web-abcde' } }, 'deployment')).toMatchObject({
      damaged: expect.stringContaining('copy-target.dev/hold-session is missing'),
    });
  });

  it('quotes a huge value short, so the message stays one readable line', () => {
    const damage = withValue(HoldKeys.original, 'x'.repeat(10_000));
    expect(damage).toEqual({
      damaged: `copy-target.dev/hold-original=${JSON.stringify('x'.repeat(40))}... (10000 characters) is not a whole number from 0 to 150000`,
      keys: [HoldKeys.original],
    });
  });

  it('damagedHoldMessage names the workload, what is wrong and what to do', () => {
    const damage = withValue(HoldKeys.original, 'lots') as Damaged;
    expect(damagedHoldMessage({ kind: 'deployment', namespace: 'shop', name: 'web' }, damage)).toBe(
      'deployment/web in namespace shop has a damaged scale-down hold (copy-target.dev/hold-original="lots" is not a whole number from 0 to 150000); ' +
        'left it as it is: fix copy-target.dev/hold-original ("kubectl annotate deployment/web -n shop KEY=VALUE --overwrite") and run "kubectl copy-target gc -n shop", ' +
        'or restore it by hand and remove the copy-target.dev/hold-* annotations and the copy-target.dev/held label',
    );
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
    expect(currentScale('cronjob', { spec: { suspend: true } } as V1CronJob)).toBe(true);
    expect(currentScale('job', { spec: { suspend: false } } as V1Job)).toBe(false);
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
    const { patch, warning } = releasePatch({ kind: 'deployment', name: 'web' }, object, hold({ original: 3 }));
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

  it('restores a hold judged stale only while its lease is still the one judged', () => {
    const object = heldObject('deployment', hold({ original: 3 }), { replicas: 3 });
    const { patch } = releasePatch({ kind: 'deployment', name: 'web' }, object, hold({ original: 3 }), '2025-03-01T10:00:30.000Z');
    expect(patch.slice(0, 2)).toEqual([
      sessionTest,
      { op: 'test', path: '/metadata/annotations/copy-target.dev~1hold-lease-expires', value: '2025-03-01T10:00:30.000Z' },
    ]);
  });

  it('leaves a scale someone else set, and warns naming it', () => {
    const object = heldObject('deployment', hold({ original: 3 }), {});
    object.spec.replicas = 5;
    const { patch, warning } = releasePatch({ kind: 'deployment', name: 'web' }, object, hold({ original: 3 }));
    expect(warning).toBe('deployment/web was scaled to 5 by someone else while held; leaving it at 5 instead of restoring 3');
    expect(patch.filter((p) => p.op === 'replace')).toEqual([]);
    expect(patch.map((p) => p.path)).not.toContain('/spec/replicas');
    expect(patch).toEqual([sessionTest, ...removeHoldAnnotations, removeHeldLabel]);
  });

  it('says plainly that someone scaled it back to the original (not "leaving it at 3 instead of restoring 3")', () => {
    const object = heldObject('deployment', hold({ original: 3 }), {});
    object.spec.replicas = 3;
    const { patch, warning } = releasePatch({ kind: 'deployment', name: 'web' }, object, hold({ original: 3 }));
    expect(warning).toBe('deployment/web was scaled back to 3 by someone else while held; left as it is');
    expect(patch).toEqual([sessionTest, ...removeHoldAnnotations, removeHeldLabel]);
  });

  it('treats replicas removed (API default 1) as touched', () => {
    const object = heldObject('deployment', hold(), {});
    delete object.spec.replicas;
    const { patch, warning } = releasePatch({ kind: 'deployment', name: 'web' }, object, hold());
    expect(warning).toBe('deployment/web was scaled to 1 by someone else while held; leaving it at 1 instead of restoring 3');
    expect(patch.map((p) => p.op)).not.toContain('replace');
  });

  it('un-suspends an untouched CronJob to its original suspend value', () => {
    const h = hold({ original: false });
    const object = heldObject('cronjob', h, { schedule: '* * * * *' });
    const { patch, warning } = releasePatch({ kind: 'cronjob', name: 'nightly' }, object, h);
    expect(warning).toBeUndefined();
    expect(patch).toEqual([
      sessionTest,
      { op: 'test', path: '/spec/suspend', value: true },
      { op: 'replace', path: '/spec/suspend', value: false },
      ...removeHoldAnnotations,
      removeHeldLabel,
    ]);
  });

  it('leaves a Job someone resumed, and warns', () => {
    const h = hold({ original: false });
    const object = heldObject('cronjob', h, {});
    object.spec.suspend = false;
    const { patch, warning } = releasePatch({ kind: 'job', name: 'migrate' }, object, h);
    expect(warning).toBe('job/migrate was resumed by someone else while held; leaving spec.suspend=false as they set it');
    expect(patch.map((p) => p.path)).not.toContain('/spec/suspend');
    expect(patch).toEqual([sessionTest, ...removeHoldAnnotations, removeHeldLabel]);
  });

  it('only removes the annotations and label that are present', () => {
    const object = {
      metadata: { annotations: { [HoldKeys.session]: 'sess-1', [HoldKeys.original]: '2', [HoldKeys.policy]: 'forbidden' } },
      spec: { replicas: 0 },
    };
    const { patch } = releasePatch({ kind: 'statefulset', name: 'db' }, object, hold({ original: 2 }));
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
    const { patch } = releasePatch({ kind: 'deployment', name: 'web' }, object, hold());
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

describe('originalAfterTakeover', () => {
  it("restores the stale hold's recorded original while the workload is still at its zero", () => {
    expect(originalAfterTakeover('deployment', { spec: { replicas: 0 } } as never, hold({ original: 2 }))).toBe(2);
  });

  it('restores what someone scaled it to while the hold was stale, not the recorded original', () => {
    expect(originalAfterTakeover('deployment', { spec: { replicas: 5 } } as never, hold({ original: 2 }))).toBe(5);
  });

  it('a resumed Job or CronJob stays resumed; one still suspended gets its recorded value', () => {
    expect(originalAfterTakeover('cronjob', { spec: { suspend: false } } as never, hold({ original: true }))).toBe(false);
    expect(originalAfterTakeover('cronjob', { spec: { suspend: true } } as never, hold({ original: false }))).toBe(false);
  });
});

describe('hold records with more than one thing wrong, or parts missing', () => {
  it('damagedHoldMessage lists every annotation to fix, comma-separated', () => {
    const { [HoldKeys.original]: _o, [HoldKeys.since]: _s, ...partial } = holdAnnotations(hold());
    const damage = readHold({ annotations: partial }, 'deployment') as Damaged;
    expect(damagedHoldMessage({ kind: 'statefulset', namespace: 'db', name: 'pg' }, damage)).toContain(
      'fix copy-target.dev/hold-since, copy-target.dev/hold-original ("kubectl annotate statefulset/pg -n db KEY=VALUE --overwrite")',
    );
  });

  it('releasePatch on an object read without metadata only tests and restores: there is nothing of ours to remove', () => {
    const { patch, warning } = releasePatch({ kind: 'deployment', name: 'web' }, { spec: { replicas: 0 } }, hold());
    expect(warning).toBeUndefined();
    expect(patch).toEqual([
      { op: 'test', path: '/metadata/annotations/copy-target.dev~1hold-session', value: 'sess-1' },
      { op: 'test', path: '/spec/replicas', value: 0 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
    ]);
  });

  it('renewPatch marks the hold detached (or not) when told, after renewing the lease', () => {
    const until = new Date('2025-03-01T10:10:00.000Z');
    expect(renewPatch('sess-9', until, true).slice(2)).toEqual([{ op: 'add', path: '/metadata/annotations/copy-target.dev~1hold-detached', value: 'true' }]);
    expect(renewPatch('sess-9', until, false).slice(2)).toEqual([{ op: 'add', path: '/metadata/annotations/copy-target.dev~1hold-detached', value: 'false' }]);
    expect(renewPatch('sess-9', until)).toHaveLength(2);
  });

  it('SCALE_DOWN_FORBIDDEN is the policy value a team writes to refuse --scale-down', () => {
    expect(SCALE_DOWN_FORBIDDEN).toBe('forbidden');
  });
});

describe('readHold: the held label is a label, the policy is not part of a hold', () => {
  it('takes an annotation that happens to be named like the held label for no hold', () => {
    expect(readHold({ annotations: { [HoldKeys.held]: 'true' } }, 'deployment')).toBeUndefined();
  });
});
