import { hostname } from 'node:os';
import { typeMeta, type Cluster } from '../kube/cluster.js';
import type { ScaleTarget } from '../resolve/scale-target.js';

/**
 * Records a Kubernetes Event on the workload, so `kubectl describe` tells teammates who scaled it
 * down and when it came back. Best effort: a user who may scale but not create events still works.
 */
export async function recordEvent(cluster: Cluster, target: ScaleTarget, reason: string, message: string): Promise<boolean> {
  const now = cluster.now().toISOString();
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${target.name}.copy-target-`, namespace: target.namespace },
    involvedObject: { ...typeMeta(target.kind), name: target.name, namespace: target.namespace, uid: target.object.metadata?.uid },
    reason,
    message,
    type: 'Normal',
    source: { component: 'kubectl-copy-target', host: hostname() },
    reportingComponent: 'kubectl-copy-target',
    reportingInstance: hostname(),
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
  return cluster.create('event', target.namespace, event).then(
    () => true,
    () => false,
  );
}
