import { describe, expect, it } from 'vitest';
import type { Cluster, ObjectRef, ResourceKind } from '../../src/kube/cluster.js';
import type { V1Pod, V1ReplicaSet } from '../../src/kube/types.js';
import { topController } from '../../src/resolve/top-controller.js';

// The owner walk alone, over objects held in a map: the e2e tests (scale-down, copy-kinds) walk
// real chains that the controllers built; these cover the chains a controller does not build on cue.

interface Owned {
  kind: ResourceKind;
  name: string;
  uid: string;
  owner?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean };
}

function objectsOf(list: Owned[]) {
  const byKey = new Map(
    list.map((o) => [
      `${o.kind}/${o.name}`,
      { metadata: { name: o.name, uid: o.uid, ownerReferences: o.owner ? [{ controller: true, ...o.owner }] : undefined } },
    ]),
  );
  const reads: string[] = [];
  // Objects with only the metadata the walk reads, whatever their kind.
  const find = async ({ kind, namespace, name }: ObjectRef) => {
    reads.push(`${kind}/${name} in ${namespace}`);
    return byKey.get(`${kind}/${name}`);
  };
  return { reads, find: find as Cluster['find'], get: (key: string) => byKey.get(key)! as V1Pod & V1ReplicaSet };
}

const podOf = (owner?: Owned['owner']): Owned => ({ kind: 'pod', name: 'p', uid: 'pod-uid', owner });

describe('topController', () => {
  it('walks Pod -> ReplicaSet -> Deployment to the Deployment, reading each owner once in the namespace', async () => {
    const cluster = objectsOf([
      podOf({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-uid' }),
      { kind: 'replicaset', name: 'web-1', uid: 'rs-uid', owner: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid' } },
      { kind: 'deployment', name: 'web', uid: 'd-uid' },
    ]);
    const top = await topController(cluster, { kind: 'pod', object: cluster.get('pod/p') }, 'ns');
    expect(top.kind).toBe('deployment');
    expect(top.object.metadata?.name).toBe('web');
    expect(cluster.reads).toEqual(['replicaset/web-1 in ns', 'deployment/web in ns']);
  });

  it('walks Pod -> ReplicaSet -> Rollout and Pod -> Job -> CronJob', async () => {
    const rollout = objectsOf([
      podOf({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'ro-1', uid: 'rs-uid' }),
      { kind: 'replicaset', name: 'ro-1', uid: 'rs-uid', owner: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'ro', uid: 'ro-uid' } },
      { kind: 'rollout', name: 'ro', uid: 'ro-uid' },
    ]);
    expect((await topController(rollout, { kind: 'pod', object: rollout.get('pod/p') }, 'ns')).kind).toBe('rollout');
    const cron = objectsOf([
      podOf({ apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-1', uid: 'job-uid' }),
      { kind: 'job', name: 'nightly-1', uid: 'job-uid', owner: { apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: 'cj-uid' } },
      { kind: 'cronjob', name: 'nightly', uid: 'cj-uid' },
    ]);
    const top = await topController(cron, { kind: 'pod', object: cron.get('pod/p') }, 'ns');
    expect([top.kind, top.object.metadata?.name]).toEqual(['cronjob', 'nightly']);
  });

  it('ignores owner references that are not the controller', async () => {
    const cluster = objectsOf([{ kind: 'pod', name: 'p', uid: 'pod-uid', owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-uid', controller: false } }]);
    const top = await topController(cluster, { kind: 'pod', object: cluster.get('pod/p') }, 'ns');
    expect(top.kind).toBe('pod');
    expect(cluster.reads).toEqual([]);
  });

  it('stops below a controller of a kind it does not know (an operator custom resource)', async () => {
    const cluster = objectsOf([
      podOf({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'sts-uid' }),
      { kind: 'statefulset', name: 'db', uid: 'sts-uid', owner: { apiVersion: 'example.com/v1', kind: 'Database', name: 'db', uid: 'cr-uid' } },
    ]);
    const top = await topController(cluster, { kind: 'pod', object: cluster.get('pod/p') }, 'ns');
    expect([top.kind, top.object.metadata?.name]).toEqual(['statefulset', 'db']);
  });

  it('stops at an object whose controller is gone', async () => {
    const cluster = objectsOf([
      podOf({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-uid' }),
      { kind: 'replicaset', name: 'web-1', uid: 'rs-uid', owner: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid' } },
    ]);
    const top = await topController(cluster, { kind: 'pod', object: cluster.get('pod/p') }, 'ns');
    expect([top.kind, top.object.metadata?.name]).toEqual(['replicaset', 'web-1']);
  });

  it('stops at an object whose controller was replaced by a namesake with another uid', async () => {
    const cluster = objectsOf([
      podOf({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-uid' }),
      { kind: 'replicaset', name: 'web-1', uid: 'rs-uid', owner: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'old-d-uid' } },
      { kind: 'deployment', name: 'web', uid: 'new-d-uid' },
    ]);
    const top = await topController(cluster, { kind: 'pod', object: cluster.get('pod/p') }, 'ns');
    expect([top.kind, top.object.metadata?.name]).toEqual(['replicaset', 'web-1']);
  });

  it('ends on a loop of owner references after a bounded number of reads', async () => {
    const cluster = objectsOf([
      { kind: 'replicaset', name: 'a', uid: 'a-uid', owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: 'b-uid' } },
      { kind: 'replicaset', name: 'b', uid: 'b-uid', owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: 'a-uid' } },
    ]);
    const top = await topController(cluster, { kind: 'replicaset', object: cluster.get('replicaset/a') }, 'ns');
    expect(top.kind).toBe('replicaset');
    expect(cluster.reads).toHaveLength(8);
  });
});
