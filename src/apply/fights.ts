import type { Cluster } from '../kube/cluster.js';
import type { ScaleTarget } from '../resolve/scale-target.js';
import { fightWarnings } from '../plan/fight-warnings.js';

/** Lists what may scale the workload back up (HPAs, KEDA ScaledObjects) and says so. */
export async function fightingTheScaleDown(cluster: Cluster, target: ScaleTarget): Promise<string[]> {
  // Missing CRD (no KEDA) or no permission to list: nothing to warn about.
  const [hpas, scaledObjects] = await Promise.all([
    cluster.list('horizontalpodautoscaler', target.namespace).catch(() => []),
    cluster.list('scaledobject', target.namespace).catch(() => []),
  ]);
  return fightWarnings(target, target.object, hpas, scaledObjects);
}
