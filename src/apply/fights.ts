import type { Cluster } from '../kube/cluster.js';
import type { ScaleTarget } from '../resolve/scale-target.js';
import { fightWarnings } from '../plan/fight-warnings.js';

/** Lists what may scale the workload back up (HPAs, KEDA ScaledObjects) and says so. */
export async function fightingTheScaleDown(cluster: Cluster, target: ScaleTarget): Promise<string[]> {
  // Missing CRD (no KEDA) or no permission to list: nothing to warn about.
  const listOrNone = (kind: 'horizontalpodautoscaler' | 'scaledobject') => cluster.list(kind, target.namespace).catch(() => []);
  const [hpas, scaledObjects] = await Promise.all([listOrNone('horizontalpodautoscaler'), listOrNone('scaledobject')]);
  return fightWarnings(`${target.kind}/${target.name}`, target.object, hpas, scaledObjects);
}
