import { CliError } from '../errors.js';
import { kindOf, type Cluster, type KindObject, type KindObjects, type ObjectRef, type ResourceKind } from '../kube/cluster.js';
import { kindName, type V1Pod, type V1PodTemplateSpec, type V1StatefulSet } from '../kube/types.js';
import { describeInjection, removeInjectedSidecars } from '../plan/injected.js';
import { podTemplateFromLivePod } from '../plan/live-pod.js';
import { CopyKeys } from '../plan/copy-record.js';
import { firstOrdinalClaims } from '../plan/naming.js';
import { selectorQuery } from '../plan/selector.js';
import { controllerRef, topController } from './top-controller.js';
import type { TargetKind } from '../target/kinds.js';
import type { Target } from '../target/parse.js';

/** A target read from the cluster: where its pod spec comes from and what it is. */
export interface ResolvedTarget {
  kind: Exclude<TargetKind, 'service'>;
  name: string;
  namespace: string;
  template: V1PodTemplateSpec;
  /** StatefulSet spec.volumeClaimTemplates names (empty for other kinds). */
  claimTemplateNames: string[];
  /**
   * Claim template name -> the PVC the copied pod uses: a StatefulSet's first ordinal's, a
   * StatefulSet pod's own. Mounted only once the original is scaled down (never beside its writer).
   */
  claims: Record<string, string>;
  /** The object as read (for scale-down and reporting). */
  object: KindObjects[Exclude<TargetKind, 'service'>];
  /** How a service target was followed, e.g. "service/web selects pods of deployment/web". */
  via?: string;
  /** What a Pod target's copy is made from, when it is not simply the live pod (said on stderr). */
  notes?: string[];
}

/** Reads the target and extracts its pod template, following a Service to the workload behind it. */
export async function resolveTarget(cluster: Cluster, target: Target, namespace: string): Promise<ResolvedTarget> {
  if (target.kind === 'service') return resolveService(cluster, { name: target.name, namespace });
  const object = await cluster.read({ kind: target.kind, namespace, name: target.name });
  return fromObject(cluster, { kind: target.kind, object } as KindObject<CopyableKind>, namespace);
}

type CopyableKind = ResolvedTarget['kind'];

async function fromObject(cluster: Cluster, read: KindObject<CopyableKind>, namespace: string): Promise<ResolvedTarget> {
  const base = { kind: read.kind, name: read.object.metadata!.name!, namespace, object: read.object, claimTemplateNames: [] as string[], claims: {} };
  switch (read.kind) {
    case 'pod':
      return { ...base, ...(await fromPod(cluster, read.object, namespace)) };
    case 'deployment':
    case 'replicaset':
    case 'job':
      return { ...base, template: read.object.spec!.template! };
    case 'statefulset': {
      const claimTemplateNames = claimTemplateNamesOf(read.object);
      const claims = firstOrdinalClaims(base.name, claimTemplateNames, read.object.spec?.ordinals?.start ?? 0);
      return { ...base, template: read.object.spec!.template, claimTemplateNames, claims };
    }
    case 'cronjob':
      return { ...base, template: read.object.spec!.jobTemplate.spec!.template };
    case 'rollout': {
      const spec = read.object.spec;
      const ref = spec?.workloadRef;
      if (spec?.template || !ref) {
        if (!spec?.template) throw new CliError(`${kindName(base)} has neither spec.template nor spec.workloadRef`);
        return { ...base, template: spec.template };
      }
      if (ref.kind !== 'Deployment') {
        throw new CliError(`${kindName(base)} references a ${ref.kind} in spec.workloadRef; only Deployment is supported`);
      }
      const deployment = await cluster.read({ kind: 'deployment', namespace, name: ref.name ?? '' });
      return { ...base, template: deployment.spec!.template };
    }
  }
}

/** Controllers whose spec.template is the pod template their pods are made from. */
const TEMPLATE_CONTROLLERS = ['replicaset', 'statefulset', 'daemonset', 'job'] as const;
const isTemplateController = (kind: ResourceKind): kind is (typeof TEMPLATE_CONTROLLERS)[number] => (TEMPLATE_CONTROLLERS as readonly string[]).includes(kind);

/** The names of a StatefulSet's volumeClaimTemplates. */
const claimTemplateNamesOf = (statefulSet: V1StatefulSet): string[] => (statefulSet.spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name ?? '');

/**
 * A Pod's copy is made from its controller's pod template, as for the controller itself: the live
 * pod carries what admission webhooks added (an injected proxy the webhook would add again) and
 * what its controller stamped. A pod without one (or whose controller is gone or of a kind we do
 * not read) is copied live, less what a sidecar injector's status annotation says it added.
 */
async function fromPod(cluster: Cluster, pod: V1Pod, namespace: string): Promise<Pick<ResolvedTarget, 'template' | 'claimTemplateNames' | 'claims' | 'notes'>> {
  const podRef = kindName({ kind: 'pod', name: pod.metadata?.name ?? '' });
  const owner = controllerRef(pod.metadata);
  const kind = owner && kindOf(owner.apiVersion, owner.kind);
  let live: string | undefined;
  if (owner && kind && isTemplateController(kind)) {
    const controller = await cluster.find({ kind, namespace, name: owner.name });
    if (controller && controller.metadata?.uid === owner.uid && controller.spec?.template) {
      const template: V1PodTemplateSpec = structuredClone(controller.spec.template);
      const claimTemplateNames = kind === 'statefulset' ? claimTemplateNamesOf(controller as V1StatefulSet) : [];
      return {
        template,
        claimTemplateNames,
        claims: claimsOf(pod, claimTemplateNames),
        notes: [`${podRef} belongs to ${kindName({ kind, name: owner.name })}: copying its pod template, not the live pod (which admission webhooks may have changed)`],
      };
    }
    live = `its controller ${kindName({ kind, name: owner.name })} is gone`;
  } else if (owner) {
    live = `its controller ${kindName(owner)} is of a kind whose pod template is not read`;
  }
  const template = podTemplateFromLivePod(pod);
  const { removed, unreadable } = removeInjectedSidecars(template);
  const why = live ? `${podRef} is copied from the live pod (${live})` : `${podRef} has no controller`;
  const notes = removed.map((injection) => `${why}; leaving out what a sidecar injector added, so the cluster injects it afresh: ${describeInjection(injection)}`);
  for (const annotation of unreadable) notes.push(`${why}; its ${annotation} annotation cannot be read, so the copy keeps whatever that injection added`);
  if (live && notes.length === 0) notes.push(`${why}`);
  return { template, claimTemplateNames: [], claims: {}, notes };
}

/**
 * A StatefulSet pod mounts its own PVCs, which its controller adds from the claim templates: the
 * claims of that pod (data-db-1 for pod db-1), which its copy mounts once the pod is gone.
 */
function claimsOf(pod: V1Pod, claimTemplateNames: string[]): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const volume of pod.spec?.volumes ?? []) {
    if (claimTemplateNames.includes(volume.name) && volume.persistentVolumeClaim) claims[volume.name] = volume.persistentVolumeClaim.claimName;
  }
  return claims;
}

async function resolveService(cluster: Cluster, { name, namespace }: Omit<ObjectRef<'service'>, 'kind'>): Promise<ResolvedTarget> {
  const service = await cluster.read({ kind: 'service', namespace, name });
  const named = kindName({ kind: 'service', name });
  const selector: Record<string, string> | undefined = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) {
    throw new CliError(`${named} has no selector, so no workload behind it; name the workload instead`);
  }
  const labelSelector = selectorQuery({ matchLabels: selector })!;
  const pods = (await cluster.list('pod', namespace, { labelSelector })).filter((p) => !p.metadata?.deletionTimestamp);
  // Prefer a pod that is not itself a copy, so following a service never copies a copy.
  const pod = pods.find((p) => !isCopyPod(p)) ?? pods[0];
  if (!pod) throw new CliError(`${named} selects no pods (selector ${labelSelector}); is the workload scaled to zero?`);
  const top = await topController(cluster, { kind: 'pod', object: pod }, namespace);
  // A workload kind we cannot copy from (a DaemonSet, say): copy the pod itself.
  const from: KindObject<CopyableKind> = isCopyable(top) ? top : { kind: 'pod', object: pod };
  const resolved = await fromObject(cluster, from, namespace);
  return { ...resolved, via: `${named} selects pods of ${kindName({ kind: top.kind, name: resolved.name })}` };
}

const COPYABLE_KINDS: readonly string[] = ['pod', 'deployment', 'statefulset', 'replicaset', 'rollout', 'job', 'cronjob'] satisfies CopyableKind[];
const isCopyable = (read: KindObject): read is KindObject<CopyableKind> => COPYABLE_KINDS.includes(read.kind);

const isCopyPod = (pod: V1Pod): boolean => pod.metadata?.labels?.[CopyKeys.copy] === 'true';
