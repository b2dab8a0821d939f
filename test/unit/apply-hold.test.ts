import { describe, expect, it, vi } from 'vitest';
import { acquireHold, checkScaleDownAllowed, releaseHold, renewHold } from '../../src/apply/hold.js';
import { ExitCode } from '../../src/errors.js';
import { Cluster } from '../../src/kube/cluster.js';
import type { Connection } from '../../src/kube/config.js';
import { HoldKeys, holdAnnotations, type Hold } from '../../src/plan/hold-record.js';
import { FakeApi } from './fake-api.js';

// The retry and refusal branches of taking, renewing and releasing a hold, which a real API
// server will not produce on cue. Every outcome the real server can show is tested e2e.

const PATH = '/apis/apps/v1/namespaces/shop/deployments/web';
const connection = { namespace: 'shop', server: 'https://fake.example', userName: 'alice', contextNames: [] } as unknown as Connection;

function setUp(replicas = 3, held?: Hold) {
  const api = new FakeApi();
  api.put(PATH, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', annotations: held ? holdAnnotations(held) : {}, labels: held ? { [HoldKeys.held]: 'true' } : {} },
    spec: { replicas },
  });
  const cluster = new Cluster(connection, { transport: api });
  const target = { kind: 'deployment' as const, name: 'web', namespace: 'shop', object: api.get(PATH) };
  return { api, cluster, target };
}

const hold = (session = 'sess-mine', overrides: Partial<Hold> = {}): Hold => ({
  session,
  copyJob: 'copy-web-abcde',
  user: 'alice',
  host: 'laptop',
  since: new Date('2025-03-01T10:00:00.000Z'),
  leaseExpires: new Date(Date.now() + 30_000),
  original: 0,
  detached: false,
  ...overrides,
});

const patches = (api: FakeApi) => api.log.filter((l) => l.startsWith('PATCH')).length;

describe('acquireHold: the one conditional write, retried on conflict', () => {
  it.each([0, 1, 9])('wins after %i conflicts, and says it took the hold exactly once', async (conflicts) => {
    const { api, cluster, target } = setUp(3);
    api.refuse('PATCH', /deployments\/web$/, 409, conflicts);
    const onTaken = vi.fn();
    const mine = hold();
    await acquireHold(cluster, target, mine, onTaken);
    expect(onTaken).toHaveBeenCalledTimes(1);
    expect(patches(api)).toBe(conflicts + 1);
    const after = api.get(PATH);
    expect(after.spec.replicas).toBe(0);
    expect(after.metadata.annotations[HoldKeys.session]).toBe('sess-mine');
    expect(after.metadata.annotations[HoldKeys.original]).toBe('3');
  });

  it('gives up after ten conflicts in a row, saying so, and never claims the hold', async () => {
    const { api, cluster, target } = setUp(3);
    api.refuse('PATCH', /deployments\/web$/, 409, 10);
    const onTaken = vi.fn();
    await expect(acquireHold(cluster, target, hold(), onTaken)).rejects.toThrow(
      'deployment/web kept changing while taking the scale-down hold (10 conflicts); try again',
    );
    expect(onTaken).not.toHaveBeenCalled();
    expect(api.get(PATH).spec.replicas).toBe(3);
  });

  it('re-reads after a real conflict (someone scaled it meanwhile) and records what it then found', async () => {
    const { api, cluster, target } = setUp(3);
    let once = true;
    api.beforeRequest = (method) => {
      if (method === 'PATCH' && once) {
        once = false;
        api.edit(PATH, (o) => (o.spec.replicas = 5)); // lands between our read and our write
      }
    };
    const mine = hold();
    await acquireHold(cluster, target, mine, () => undefined);
    expect(api.get(PATH).metadata.annotations[HoldKeys.original]).toBe('5');
    expect(mine.original).toBe(5);
  });
});

describe('renewHold: only a changed session means the hold was lost', () => {
  it('a 422 from validation or a policy while the hold is still ours is an error, not a lost hold', async () => {
    const { api, cluster } = setUp(0, hold());
    api.refuse('PATCH', /deployments\/web$/, 422, 1, 'admission webhook "policy.example" denied the request');
    await expect(renewHold(cluster, { kind: 'deployment', namespace: 'shop', name: 'web' }, { session: 'sess-mine', leaseExpires: new Date() })).rejects.toThrow(
      'renew the scale-down lease on deployment/web: admission webhook "policy.example" denied the request',
    );
  });

  it('a failed test because another session holds it now: lost (false), nothing written', async () => {
    const { api, cluster } = setUp(0, hold('sess-other'));
    const before = api.get(PATH);
    expect(await renewHold(cluster, { kind: 'deployment', namespace: 'shop', name: 'web' }, { session: 'sess-mine', leaseExpires: new Date() })).toBe(false);
    expect(api.get(PATH)).toEqual(before);
  });

  it('the workload deleted: lost (false)', async () => {
    const { cluster } = setUp(0);
    expect(await renewHold(cluster, { kind: 'deployment', namespace: 'nowhere', name: 'web' }, { session: 'sess-mine', leaseExpires: new Date() })).toBe(false);
  });
});

describe('releaseHold: restores only what this session holds, as it finds it', () => {
  it('retries when the object changed between its read and its write, then leaves a scale someone set', async () => {
    const { api, cluster } = setUp(0, hold('sess-mine', { original: 3 }));
    let once = true;
    api.beforeRequest = (method) => {
      if (method === 'PATCH' && once) {
        once = false;
        api.edit(PATH, (o) => (o.spec.replicas = 2)); // someone scaled it while we held it
      }
    };
    const released = await releaseHold(cluster, { kind: 'deployment', namespace: 'shop', name: 'web' }, { session: 'sess-mine' });
    expect(released.restored).toBe(true);
    expect(released.warning).toBe('deployment/web was scaled to 2 by someone else while held; leaving it at 2 instead of restoring 3');
    const after = api.get(PATH);
    expect(after.spec.replicas).toBe(2);
    expect(Object.keys(after.metadata.annotations).filter((k) => k.startsWith('copy-target.dev/hold-'))).toEqual([]);
    expect(patches(api)).toBe(2);
  });

  it('gives up after ten conflicts in a row, telling to run gc', async () => {
    const { api, cluster } = setUp(0, hold('sess-mine', { original: 3 }));
    api.refuse('PATCH', /deployments\/web$/, 409, 10);
    await expect(releaseHold(cluster, { kind: 'deployment', namespace: 'shop', name: 'web' }, { session: 'sess-mine' })).rejects.toThrow(
      'deployment/web kept changing while restoring it (10 conflicts); run "kubectl copy-target gc -n shop"',
    );
    expect(api.get(PATH).spec.replicas).toBe(0);
  });

  it('a 422 on an unchanged object (validation) is final, not retried', async () => {
    const { api, cluster } = setUp(0, hold('sess-mine', { original: 3 }));
    api.refuse('PATCH', /deployments\/web$/, 422, 1, 'spec.replicas: Invalid value');
    await expect(releaseHold(cluster, { kind: 'deployment', namespace: 'shop', name: 'web' }, { session: 'sess-mine' })).rejects.toThrow('restore deployment/web in namespace shop: spec.replicas: Invalid value');
    expect(patches(api)).toBe(1);
  });

  it('judged stale on a lease that has since been renewed: left alone, and says so', async () => {
    const mine = hold('sess-mine', { original: 3 });
    const { api, cluster } = setUp(0, mine);
    const released = await releaseHold(cluster, { kind: 'deployment', namespace: 'shop', name: 'web' }, { session: 'sess-mine', ifLeaseExpires: '2025-03-01T10:00:30.000Z' });
    expect(released).toEqual({ restored: false, renewed: true });
    expect(patches(api)).toBe(0);
    expect(api.get(PATH).spec.replicas).toBe(0);
  });

  it('a renewal landing between its read and its write wins over a restore judged on the old lease', async () => {
    const judged = new Date(Date.now() - 1000);
    const { api, cluster } = setUp(0, hold('sess-mine', { original: 3, leaseExpires: judged }));
    let once = true;
    api.beforeRequest = (method) => {
      if (method === 'PATCH' && once) {
        once = false;
        api.edit(PATH, (o) => (o.metadata.annotations[HoldKeys.leaseExpires] = new Date(Date.now() + 30_000).toISOString()));
      }
    };
    const released = await releaseHold(cluster, { kind: 'deployment', namespace: 'shop', name: 'web' }, { session: 'sess-mine', ifLeaseExpires: judged.toISOString() });
    expect(released).toEqual({ restored: false, renewed: true });
    expect(api.get(PATH).spec.replicas).toBe(0);
    expect(api.get(PATH).metadata.annotations[HoldKeys.session]).toBe('sess-mine');
  });
});

const JOB_PATH = '/apis/batch/v1/namespaces/shop/jobs/copy-web-abcde';
const REF = { kind: 'deployment' as const, namespace: 'shop', name: 'web' };
const requests = (api: FakeApi) => api.log.filter((l) => !l.includes('selfsubjectaccessreviews'));

describe('acquireHold: whose hold it is decides', () => {
  it('not held: one write, no extra read, and nothing taken over', async () => {
    const { api, cluster, target } = setUp(3);
    expect(await acquireHold(cluster, target, hold(), () => undefined)).toEqual({ tookOver: undefined });
    expect(api.log).toEqual([`PATCH ${PATH}`]);
  });

  it('held by another live session: exit 3 naming who holds it and how to end it, nothing written', async () => {
    const { api, cluster, target } = setUp(0, hold('sess-other', { original: 3, user: 'bob', host: 'desk' }));
    api.put(JOB_PATH, { metadata: { name: 'copy-web-abcde', namespace: 'shop' } });
    const onTaken = vi.fn();
    const err = await acquireHold(cluster, target, hold(), onTaken).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: ExitCode.held });
    expect((err as Error).message).toMatch(/bob/);
    expect((err as Error).message).toMatch(/; wait until that session ends or ask its owner to run "kubectl copy-target delete copy-web-abcde -n shop"$/);
    expect(onTaken).not.toHaveBeenCalled();
    expect(patches(api)).toBe(0);
  });

  it('a detached hold whose copy job still exists is live; once the job is gone it is taken over', async () => {
    const other = hold('sess-other', { original: 4, detached: true });
    const { api, cluster, target } = setUp(0, other);
    api.put(JOB_PATH, { metadata: { name: 'copy-web-abcde', namespace: 'shop' } });
    await expect(acquireHold(cluster, target, hold(), () => undefined)).rejects.toMatchObject({ exitCode: ExitCode.held });
    api.log.length = 0;
    const gone = setUp(0, other);
    const mine = hold();
    const { tookOver } = await acquireHold(gone.cluster, gone.target, mine, () => undefined);
    expect(tookOver).toMatchObject({ hold: { session: 'sess-other' }, reason: 'its copy job copy-web-abcde is gone', copyJobVersion: undefined });
    // The other session's original scale is what comes back at the end, not the 0 it left.
    expect(mine.original).toBe(4);
    expect(gone.api.get(PATH).metadata.annotations[HoldKeys.original]).toBe('4');
  });

  it('a hold whose lease expired is taken over, remembering its copy job as it was judged', async () => {
    const { api, cluster, target } = setUp(0, hold('sess-other', { original: 2, leaseExpires: new Date('2025-03-01T10:00:30.000Z') }));
    api.put(JOB_PATH, { metadata: { name: 'copy-web-abcde', namespace: 'shop' } });
    const jobVersion = api.get(JOB_PATH).metadata.resourceVersion;
    const onTaken = vi.fn();
    const { tookOver } = await acquireHold(cluster, target, hold(), onTaken);
    expect(tookOver).toMatchObject({ hold: { session: 'sess-other' }, reason: 'its lease expired at 2025-03-01T10:00:30.000Z', copyJobVersion: jobVersion });
    expect(onTaken).toHaveBeenCalledTimes(1);
    expect(api.get(PATH).metadata.annotations[HoldKeys.session]).toBe('sess-mine');
  });

  it('its own session taking it again keeps the scale it finds as the original', async () => {
    const { cluster, target } = setUp(2, hold('sess-mine', { original: 3 }));
    const mine = hold();
    expect(await acquireHold(cluster, target, mine, () => undefined)).toEqual({ tookOver: undefined });
    expect(mine.original).toBe(2);
  });

  it('a damaged hold is left for a person: an error naming it, nothing written', async () => {
    const { api, cluster, target } = setUp(0, hold('sess-other'));
    api.edit(PATH, (o) => (o.metadata.annotations[HoldKeys.original] = 'lots'));
    target.object = api.get(PATH);
    await expect(acquireHold(cluster, target, hold(), () => undefined)).rejects.toThrow(/deployment\/web/);
    expect(patches(api)).toBe(0);
  });

  it('a refusal other than a conflict is final, said with what was being done', async () => {
    const { api, cluster, target } = setUp(3);
    api.refuse('PATCH', /deployments\/web$/, 403, 1, 'deployments.apps "web" is forbidden');
    await expect(acquireHold(cluster, target, hold(), () => undefined)).rejects.toThrow('scale down deployment/web in namespace shop: deployments.apps "web" is forbidden');
    expect(patches(api)).toBe(1);
  });
});

describe('renewHold and releaseHold: what a session finds at the end', () => {
  it('a renewal that lands: true, the new lease written', async () => {
    const { api, cluster } = setUp(0, hold());
    const leaseExpires = new Date(Date.now() + 60_000);
    expect(await renewHold(cluster, REF, { session: 'sess-mine', leaseExpires })).toBe(true);
    expect(api.get(PATH).metadata.annotations[HoldKeys.leaseExpires]).toBe(leaseExpires.toISOString());
  });

  it('someone removed the hold\'s annotations: the renewal says the hold is lost', async () => {
    const { api, cluster } = setUp(0, hold());
    api.edit(PATH, (o) => delete o.metadata.annotations);
    expect(await renewHold(cluster, REF, { session: 'sess-mine', leaseExpires: new Date() })).toBe(false);
  });

  it('held by someone else now, or no hold at all: the release leaves the workload alone', async () => {
    const other = setUp(0, hold('sess-other', { original: 3 }));
    expect(await releaseHold(other.cluster, REF, { session: 'sess-mine' })).toEqual({ restored: false });
    expect(patches(other.api)).toBe(0);
    const none = setUp(0);
    none.api.edit(PATH, (o) => delete o.metadata.annotations);
    expect(await releaseHold(none.cluster, REF, { session: 'sess-mine' })).toEqual({ restored: false });
    expect(patches(none.api)).toBe(0);
  });

  it('the workload deleted meanwhile: nothing to restore', async () => {
    const { api, cluster } = setUp(0, hold('sess-mine', { original: 3 }));
    api.refuse('PATCH', /deployments\/web$/, 422, 1, 'testing value /metadata/annotations failed');
    // Deleted between the read and the write: the write fails its test, and the workload is gone.
    api.beforeRequest = (method) => {
      if (method === 'PATCH') api.remove(PATH);
    };
    expect(await releaseHold(cluster, REF, { session: 'sess-mine' })).toEqual({ restored: false });
    expect(await releaseHold(cluster, { ...REF, name: 'gone' }, { session: 'sess-mine' })).toEqual({ restored: false });
  });

  it('gc releasing on the lease it judged, unchanged since: restores', async () => {
    const lease = new Date('2025-03-01T10:00:30.000Z');
    const { api, cluster } = setUp(0, hold('sess-mine', { original: 3, leaseExpires: lease }));
    const released = await releaseHold(cluster, REF, { session: 'sess-mine', ifLeaseExpires: lease.toISOString() });
    expect(released.restored).toBe(true);
    expect(api.get(PATH).spec.replicas).toBe(3);
  });

  it('a damaged hold is not restored: an error naming it, the workload left as it is', async () => {
    const { api, cluster } = setUp(0, hold('sess-mine', { original: 3 }));
    api.edit(PATH, (o) => (o.metadata.annotations[HoldKeys.original] = 'lots'));
    await expect(releaseHold(cluster, REF, { session: 'sess-mine' })).rejects.toThrow(/deployment\/web/);
    expect(patches(api)).toBe(0);
    expect(api.get(PATH).spec.replicas).toBe(0);
  });
});

describe('checkScaleDownAllowed: refused before anything is written', () => {
  const forbid = (o: any) => (o.metadata.annotations = { ...o.metadata.annotations, [HoldKeys.policy]: 'forbidden' });
  const NS_PATH = '/api/v1/namespaces/shop';

  it('allowed: RBAC says yes and no policy forbids it', async () => {
    const { api, cluster, target } = setUp(3);
    api.put(NS_PATH, { metadata: { name: 'shop', annotations: { [HoldKeys.policy]: 'allowed' } } });
    await expect(checkScaleDownAllowed(cluster, target)).resolves.toBeUndefined();
    expect(requests(api).every((l) => l.startsWith('GET'))).toBe(true);
  });

  it('a workload and namespace with no annotations at all: allowed', async () => {
    const { api, cluster, target } = setUp(3);
    api.edit(PATH, (o) => delete o.metadata.annotations);
    api.put(NS_PATH, { metadata: { name: 'shop' } });
    target.object = api.get(PATH);
    await expect(checkScaleDownAllowed(cluster, target)).resolves.toBeUndefined();
  });

  it('the workload annotated scale-down=forbidden', async () => {
    const { api, cluster, target } = setUp(3);
    api.edit(PATH, forbid);
    target.object = api.get(PATH);
    await expect(checkScaleDownAllowed(cluster, target)).rejects.toThrow(`deployment/web is annotated ${HoldKeys.policy}=forbidden; copy it without --scale-down`);
  });

  it('its namespace annotated scale-down=forbidden', async () => {
    const { api, cluster, target } = setUp(3);
    api.put(NS_PATH, { metadata: { name: 'shop', annotations: {} } });
    api.edit(NS_PATH, forbid);
    await expect(checkScaleDownAllowed(cluster, target)).rejects.toThrow(`namespace shop is annotated ${HoldKeys.policy}=forbidden; copy deployment/web without --scale-down`);
  });

  it('RBAC refuses the patch: one line naming the role to ask for; the policy\'s reason wins when both refuse', async () => {
    const { api, cluster, target } = setUp(3);
    api.allowed = false;
    await expect(checkScaleDownAllowed(cluster, target)).rejects.toThrow(
      'you cannot patch deployments.apps/web in namespace shop: --scale-down needs the copy-target-scale-down role (docs/rbac.yaml)',
    );
    api.edit(PATH, forbid);
    target.object = api.get(PATH);
    await expect(checkScaleDownAllowed(cluster, target)).rejects.toThrow(/is annotated/);
  });

  it('the server will not say (the review itself refused): go ahead, the real write will tell', async () => {
    const { api, cluster, target } = setUp(3);
    api.allowed = undefined;
    await expect(checkScaleDownAllowed(cluster, target)).resolves.toBeUndefined();
  });

  it('a StatefulSet whose PVCs scaling to 0 would delete: exit 2, nothing asked', async () => {
    const { api, cluster } = setUp(3);
    const target = {
      kind: 'statefulset' as const,
      name: 'db',
      namespace: 'shop',
      object: { metadata: { name: 'db' }, spec: { persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete' }, volumeClaimTemplates: [{ metadata: { name: 'data' } }] } },
    };
    await expect(checkScaleDownAllowed(cluster, target as never)).rejects.toMatchObject({ exitCode: ExitCode.usage, message: expect.stringMatching(/^statefulset\/db has persistentVolumeClaimRetentionPolicy/) });
    expect(api.log).toEqual([]);
  });
});
