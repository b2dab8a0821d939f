import { describe, expect, it, vi } from 'vitest';
import { acquireHold, releaseHold, renewHold } from '../../src/apply/hold.js';
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
