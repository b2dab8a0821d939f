import { kindName, type V1StatefulSet } from '../kube/types.js';
import type { KindObjects } from '../kube/cluster.js';
import type { ScalableKind } from '../target/kinds.js';

/**
 * Why scaling this workload to zero would destroy data, or undefined when it would not. A
 * StatefulSet whose persistentVolumeClaimRetentionPolicy.whenScaled is Delete has its controller
 * delete the PVC of every ordinal it scales away (and, with the usual reclaimPolicy Delete, the
 * disks): the restore would bring the pods back on new, empty volumes. Pure: object in, verdict out.
 */
export function scaleDownDeletesData(target: { kind: ScalableKind; name: string; namespace: string }, object: KindObjects[ScalableKind]): string | undefined {
  if (target.kind !== 'statefulset') return undefined;
  const spec = (object as V1StatefulSet).spec;
  const claims = spec?.volumeClaimTemplates ?? [];
  // Stryker disable next-line OptionalChaining,StringLiteral: the API server refuses a claim template without a name
  const templates = claims.map((t) => t.metadata?.name ?? '');
  if (spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete' || templates.length === 0) return undefined;
  const named = kindName(target);
  const patch = `'{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Retain"}}}'`;
  return (
    `${named} has persistentVolumeClaimRetentionPolicy.whenScaled: Delete, so scaling it to 0 would delete the PersistentVolumeClaims of its pods (${templates.join(', ')}) and their data; ` +
    `copy it without --scale-down, or set whenScaled to Retain for the session ("kubectl patch ${named} -n ${target.namespace} -p ${patch}")`
  );
}
