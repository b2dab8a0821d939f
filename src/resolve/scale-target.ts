import { CliError } from '../errors.js';
import type { Cluster, KindObject } from '../kube/cluster.js';
import { SCALABLE_KINDS, type ScalableKind } from '../target/kinds.js';
import type { ResolvedTarget } from './resolve.js';
import { topController } from './top-controller.js';
import { kindName } from '../kube/types.js';

/** The object --scale-down writes to: the target itself or the controller that owns it. */
export type ScaleTarget = KindObject<ScalableKind> & {
  name: string;
  namespace: string;
  /** Said to the user when the scaled object is not the one they named. */
  note?: string;
};

const isScalable = (read: KindObject): read is KindObject<ScalableKind> => (SCALABLE_KINDS as readonly string[]).includes(read.kind);

/**
 * Deployment, StatefulSet, Rollout: themselves. ReplicaSet: its Deployment or Rollout owner, else
 * itself. Pod: the top controller of its owner chain. CronJob and Job: suspended. Anything else
 * (a bare pod, a DaemonSet) is an error before anything is created.
 */
export async function scaleTargetFor(cluster: Cluster, target: ResolvedTarget): Promise<ScaleTarget> {
  const named = kindName(target);
  if (target.kind === 'pod' || target.kind === 'replicaset') {
    const top = await topController(cluster, { kind: target.kind, object: target.object } as KindObject, target.namespace);
    const topName = top.object.metadata!.name!;
    if (top.kind === 'pod') {
      throw new CliError(`${named} has no controller, so there is nothing to scale down; copy it without --scale-down`);
    }
    if (!isScalable(top)) {
      throw new CliError(`${named} belongs to ${kindName({ kind: top.kind, name: topName })}, which cannot be scaled down; copy it without --scale-down`);
    }
    const topNamed = kindName({ kind: top.kind, name: topName });
    const note = topNamed === named ? undefined : `${named} is managed by ${topNamed}; scaling ${topNamed} down instead`;
    return { ...top, name: topName, namespace: target.namespace, note };
  }
  // The object read for a scalable kind is of that kind.
  return { kind: target.kind, name: target.name, namespace: target.namespace, object: target.object } as ScaleTarget;
}
