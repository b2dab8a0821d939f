import type { Cluster, KindObject } from '../kube/cluster.js';
import { kindName, type V1Pod } from '../kube/types.js';
import { selectorQuery } from '../plan/selector.js';
import type { ScaleTarget } from '../resolve/scale-target.js';
import { waitForNoPods, type PodsToGo, type Remaining } from './wait-for-no-pods.js';

/** Kinds whose pods linger after the scale to zero, and are waited for. */
const WAITED_FOR = ['deployment', 'rollout', 'replicaset', 'statefulset'] as const;
type WaitedFor = KindObject<(typeof WAITED_FOR)[number]>;
const isWaitedFor = (target: KindObject): target is WaitedFor => (WAITED_FOR as readonly string[]).includes(target.kind);

const ownedBy = (pod: V1Pod, kind: string, names: Set<string>): boolean =>
  pod.metadata?.ownerReferences?.some((r) => r.controller && r.kind === kind && names.has(r.name)) ?? false;

/**
 * After --scale-down took the hold, waits until the original's pods are gone (a pod keeps running
 * through its termination grace period), so nothing competes with the copy. Deployments and
 * Rollouts own their pods through ReplicaSets. `onRemaining` hears the pods still there.
 */
export async function waitForOriginalPodsGone(
  cluster: Cluster,
  target: ScaleTarget,
  timeoutMs: number,
  abort: AbortSignal,
  onRemaining: (remaining: Remaining) => void,
): Promise<void> {
  if (!isWaitedFor(target)) return;
  const labelSelector = selectorQuery(target.object.spec?.selector);
  let belongs: PodsToGo['belongs'];
  if (target.kind === 'deployment' || target.kind === 'rollout') {
    const uid = target.object.metadata?.uid;
    // Listed together with the pods (one wait, not two).
    belongs = cluster.list('replicaset', target.namespace, { labelSelector }).then((replicaSets) => {
      const owned = new Set<string>(
        replicaSets.filter((rs) => rs.metadata?.ownerReferences?.some((r) => r.uid === uid)).map((rs) => rs.metadata!.name!),
      );
      return (pod: V1Pod) => ownedBy(pod, 'ReplicaSet', owned);
    });
  } else {
    const kind = target.kind === 'statefulset' ? 'StatefulSet' : 'ReplicaSet';
    belongs = (pod) => ownedBy(pod, kind, new Set([target.name]));
  }
  const owner = kindName(target);
  await waitForNoPods(cluster, { namespace: target.namespace, labelSelector, belongs, owner }, timeoutMs, abort, onRemaining);
}
