import type { KindObjects } from '../kube/cluster.js';
import { kindName, type ScaledObject, type V1CronJob, type V2HorizontalPodAutoscaler } from '../kube/types.js';
import type { ScalableKind } from '../target/kinds.js';
/**
 * Things that will fight a scale-down: autoscalers that scale the workload back up, and GitOps
 * tools that sync replicas back to what is in git. Pure: objects in, warnings out.
 */
const GITOPS_MARKERS: Array<{ key: string; where: 'labels' | 'annotations'; tool: string }> = [
  { key: 'argocd.argoproj.io/tracking-id', where: 'annotations', tool: 'Argo CD' },
  { key: 'argocd.argoproj.io/instance', where: 'labels', tool: 'Argo CD' },
  { key: 'kustomize.toolkit.fluxcd.io/name', where: 'labels', tool: 'Flux' },
  { key: 'helm.toolkit.fluxcd.io/name', where: 'labels', tool: 'Flux' },
];

interface Ref {
  kind?: string;
  name?: string;
  apiVersion?: string;
}

export function fightWarnings(target: { kind: ScalableKind; name: string }, workload: KindObjects[ScalableKind], hpas: V2HorizontalPodAutoscaler[], scaledObjects: ScaledObject[]): string[] {
  const { kind, name } = target;
  const named = kindName(target);
  const targets = (ref: Ref | undefined) => ref?.name === name && ref.kind?.toLowerCase() === kind;
  const warnings: string[] = [];
  for (const hpa of hpas.filter((h) => targets(h.spec?.scaleTargetRef))) {
    // Stryker disable next-line OptionalChaining: an object the API server lists always has metadata
    warnings.push(`HorizontalPodAutoscaler ${hpa.metadata?.name} targets ${named} and may scale it back up while the copy runs`);
  }
  for (const so of scaledObjects.filter((s) => targets({ kind: 'deployment', ...s.spec?.scaleTargetRef }))) {
    // Stryker disable next-line OptionalChaining: an object the API server lists always has metadata
    warnings.push(`KEDA ScaledObject ${so.metadata?.name} targets ${named} and may scale it back up while the copy runs`);
  }
  for (const marker of GITOPS_MARKERS) {
    if (workload.metadata?.[marker.where]?.[marker.key] !== undefined) {
      warnings.push(`${named} is managed by ${marker.tool} (${marker.key}); a sync with self-heal may restore its replicas`);
    }
  }
  // An operator (a controller of a kind we do not scale) owns the workload: it reconciles the spec.
  const controller = workload.metadata?.ownerReferences?.find((r) => r.controller);
  if (controller) {
    warnings.push(`${named} is controlled by ${controller.kind} ${controller.name}, which may scale it back up or change it while held`);
  }
  // Suspending a CronJob stops new runs, not the Jobs it already started.
  // Stryker disable next-line ConditionalExpression: only a CronJob has a list in status.active (a Job's is a number, which has no length)
  const active: Ref[] = kind === 'cronjob' ? ((workload as V1CronJob).status?.active ?? []) : [];
  if (active.length > 0) {
    // Stryker disable next-line StringLiteral: the CronJob controller names every Job it lists as active
    warnings.push(`suspending ${named} does not stop the Jobs it already started (${active.map((j) => kindName({ kind: 'job', name: j.name ?? '' })).join(', ')}); they keep running beside the copy`);
  }
  return warnings;
}
