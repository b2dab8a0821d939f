import { describe, expect, it } from 'vitest';
import { extendHoldLease } from '../../src/apply/extension-writes.js';
import { Cluster } from '../../src/kube/cluster.js';
import type { Connection } from '../../src/kube/config.js';
import { HoldKeys, holdAnnotations, type Hold } from '../../src/plan/hold-record.js';
import { FakeApi } from './fake-api.js';

// extend's write on a detached hold, retried when someone wrote the workload since it was read:
// a real API server will not answer 409 on cue. What extend does to a real cluster is tested e2e
// (extend.test.ts, rbac.test.ts).

const PATH = '/apis/apps/v1/namespaces/shop/deployments/web';
const connection = { namespace: 'shop', server: 'https://fake.example', userName: 'alice', contextNames: [] } as unknown as Connection;
const ref = { kind: 'deployment' as const, name: 'web', namespace: 'shop' };
const later = new Date(Date.now() + 10 * 3600_000);

function heldDetached(): { api: FakeApi; cluster: Cluster } {
  const api = new FakeApi();
  const hold: Hold = {
    session: 'sess-mine',
    copyJob: 'copy-web-abcde',
    user: 'alice',
    host: 'laptop',
    since: new Date(Date.now() - 60_000),
    leaseExpires: new Date(Date.now() + 3600_000),
    original: 3,
    detached: true,
  };
  api.put(PATH, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', annotations: holdAnnotations(hold), labels: { [HoldKeys.held]: 'true' } }, spec: { replicas: 0 } });
  return { api, cluster: new Cluster(connection, { transport: api }) };
}

const leaseOf = (api: FakeApi): string => api.get(PATH).metadata.annotations[HoldKeys.leaseExpires];

describe('extendHoldLease: a conditional write, read and judged again after a conflict', () => {
  it('moves the lease after someone else wrote the workload between its read and its write, keeping what they wrote', async () => {
    const { api, cluster } = heldDetached();
    let interleaved = false;
    api.beforeRequest = (method) => {
      if (method !== 'PATCH' || interleaved) return;
      interleaved = true;
      api.edit(PATH, (o) => (o.metadata.labels.team = 'payments'));
    };
    expect(await extendHoldLease(cluster, ref, { session: 'sess-mine', copyJob: 'copy-web-abcde', leaseExpires: later })).toEqual({ held: 'detached' });
    expect(api.log.filter((l) => l.startsWith('PATCH'))).toHaveLength(2);
    expect(leaseOf(api)).toBe(later.toISOString());
    expect(api.get(PATH).metadata.labels.team).toBe('payments');
  });

  it('leaves the lease alone when the write in between handed the workload to another session', async () => {
    const { api, cluster } = heldDetached();
    const before = leaseOf(api);
    api.refuse('PATCH', /deployments\/web$/, 409, 1);
    api.beforeRequest = (method) => {
      if (method === 'PATCH') api.edit(PATH, (o) => (o.metadata.annotations[HoldKeys.session] = 'sess-theirs'));
    };
    const result = await extendHoldLease(cluster, ref, { session: 'sess-mine', copyJob: 'copy-web-abcde', leaseExpires: later });
    expect(result).toMatchObject({ held: 'not' });
    expect(result.held === 'not' && result.why).toContain('held by another session now (sess-theirs');
    expect(leaseOf(api)).toBe(before);
  });

  it('gives up after ten conflicts in a row, saying what to do, with the lease unchanged', async () => {
    const { api, cluster } = heldDetached();
    const before = leaseOf(api);
    api.refuse('PATCH', /deployments\/web$/, 409, 10);
    await expect(extendHoldLease(cluster, ref, { session: 'sess-mine', copyJob: 'copy-web-abcde', leaseExpires: later })).rejects.toThrow(
      'deployment/web kept changing while extending the hold of copy job copy-web-abcde (10 conflicts); try again',
    );
    expect(leaseOf(api)).toBe(before);
  });
});
