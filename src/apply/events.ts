import { hostname } from 'node:os';
import { typeMeta, type Cluster } from '../kube/cluster.js';
import type { ScalableKind } from '../target/kinds.js';

/** The object an event is about; its uid, when known, ties the event to this incarnation of it. */
export interface EventTarget {
  kind: ScalableKind;
  name: string;
  namespace: string;
  object?: { metadata?: { uid?: string } };
}

/** The reasons `kubectl describe` shows (and `kubectl get events --field-selector reason=...` finds). */
export type EventReason = 'CopyTargetScaledDown' | 'CopyTargetRestored';

/**
 * Records a Kubernetes Event on the workload, so `kubectl describe` tells teammates who scaled it
 * down and when it came back. Best effort: a user who may scale but not create events still works.
 */
export async function recordEvent(cluster: Cluster, target: EventTarget, reason: EventReason, message: string): Promise<boolean> {
  const now = cluster.now().toISOString();
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${target.name}.copy-target-`, namespace: target.namespace },
    involvedObject: { ...typeMeta(target.kind), name: target.name, namespace: target.namespace, uid: target.object?.metadata?.uid },
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
