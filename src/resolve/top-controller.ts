import { kindOf, type Cluster, type KindObject } from '../kube/cluster.js';
import type { V1ObjectMeta, V1OwnerReference } from '../kube/types.js';

/** Deeper than any real chain (Pod -> ReplicaSet -> Deployment is three): a bound against owner loops. */
const MAX_OWNER_DEPTH = 8;

/**
 * Walks controller ownerReferences up from an object (Pod -> ReplicaSet -> Deployment/Rollout,
 * Pod -> Job -> CronJob, Pod -> StatefulSet) and returns the topmost object of a kind we know.
 * The walk stops at an object whose controller is of a kind we do not know, is gone, or was
 * replaced by a namesake (another uid): that object is its own top, as the garbage collector
 * would soon orphan it.
 */
export async function topController(cluster: Pick<Cluster, 'find'>, start: KindObject, namespace: string): Promise<KindObject> {
  let current = start;
  for (let depth = 0; depth < MAX_OWNER_DEPTH; depth++) {
    const owner = controllerRef(current.object.metadata);
    const kind = owner && kindOf(owner.apiVersion, owner.kind);
    if (!owner || !kind) return current;
    const object = await cluster.find({ kind, namespace, name: owner.name });
    if (!object || object.metadata?.uid !== owner.uid) return current;
    current = { kind, object } as KindObject;
  }
  return current;
}

/** The owner reference that is the object's controller, if any. */
export function controllerRef(meta: V1ObjectMeta | undefined): V1OwnerReference | undefined {
  return meta?.ownerReferences?.find((r) => r.controller);
}
