import { UsageError } from '../errors.js';
import { kindName, type V1Container, type V1Job, type V1PodSpec, type V1PodTemplateSpec } from '../kube/types.js';
import {
  CopyKeys,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  isControllerGeneratedLabel,
  isValidLabelValue,
  sessionAnnotations,
  type CopySession,
} from './copy-record.js';
import { copyJobName } from './naming.js';
import { dropReplicaSpreadingRules, selectorMatches } from './scheduling-rules.js';
import type { TargetKind } from '../target/kinds.js';

export interface CopyOptions {
  keepProbes: boolean;
  excludeContainers: string[];
  excludeInitContainers: string[];
  /** Container name -> image; key '*' = every app container (as kubectl debug --set-image). */
  setImages: Record<string, string>;
  /**
   * `-c NAME -- CMD ARGS...`: replaces that container's command and clears its args. The container
   * defaults to the pod's kubectl.kubernetes.io/default-container annotation, else the first one.
   */
  command?: { container?: string; args: string[] };
  /** The container named in the target (`KIND/NAME/container/C`) or by -c: it must exist. */
  container?: string;
  ttlSeconds: number;
  scaleDown: boolean;
  /**
   * Keep the original's labels on the copy pod (kubectl debug's --keep-labels): Services,
   * PodDisruptionBudgets and NetworkPolicies then select it as one of the original's pods.
   * False: only our own labels. Absent means true.
   */
  keepLabels?: boolean;
  /** Keep pod anti-affinity and topology spread rules that select the original's own pods. Absent means false. */
  keepSchedulingRules?: boolean;
}

export interface CopyPlanInput {
  target: { kind: TargetKind; name: string; namespace: string };
  /** Resolved pod template (metadata.labels/annotations + spec). */
  template: V1PodTemplateSpec;
  /** StatefulSet spec.volumeClaimTemplates[].metadata.name. */
  claimTemplateNames?: string[];
  /** StatefulSet claim-template name -> the PVC the copied pod uses (its own, or the first ordinal's). */
  claims?: Record<string, string>;
  /**
   * Mount those PVCs: only once the original is scaled down and its pods are gone. Otherwise an
   * emptyDir stands in: a ReadWriteOnce claim must never get a second writer (or a Multi-Attach).
   */
  mountClaims?: boolean;
  options: CopyOptions;
  owner: { user: string; host: string };
  now: Date;
  /** 5 random characters for the name. */
  suffix: string;
  /** From signature.ts, recorded on the Job so the same request reuses a live copy. */
  signature: string;
  /** With --scale-down: the session that holds the original while this copy lives. */
  session?: CopySession;
  /** When the CLI stops waiting for the pod (see CopyKeys.readyBy). */
  readyBy: Date;
}

export interface CopyPlan {
  job: V1Job;
  warnings: string[];
  /** When the copy's --ttl runs out (a detached --scale-down session ends then too). */
  expiresAt: Date;
}

const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';
const ALL_CONTAINERS = '*';
const MAX_INT32 = 2147483647;
/** A finished copy cleans itself up. */
const FINISHED_TTL_SECONDS = 60;

/** Builds the Job that runs a probe-free copy of the target's pod (cf. kubectl debug --copy-to). */
export function buildCopyJob(input: CopyPlanInput): CopyPlan {
  const { target, options, owner, now } = input;
  const targetRef = kindName(target);
  const template = structuredClone(input.template);
  const spec: V1PodSpec = template.spec ?? { containers: [] };
  const warnings: string[] = [];

  // With a command, setCommand checks the container (and says it could not set the command).
  if (options.container !== undefined && options.command === undefined) {
    findContainer(spec, { name: options.container, purpose: `use container "${options.container}"`, targetRef });
  }
  excludeContainers(spec, options, targetRef);
  if (!options.keepProbes) {
    // Native sidecars (init containers with restartPolicy Always) may carry probes too.
    for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
      delete container.livenessProbe;
      delete container.readinessProbe;
      delete container.startupProbe;
    }
  }
  setImages(spec, options.setImages, targetRef);
  if (options.command) setCommand(spec, template, options.command, targetRef);
  warnings.push(...fillClaimVolumes(spec, { claimTemplateNames: input.claimTemplateNames ?? [], claims: input.claims ?? {}, mount: input.mountClaims === true, target }));

  delete spec.nodeName;
  const originalLabels = template.metadata?.labels ?? {};
  const podLabels: Record<string, string> = {};
  if (options.keepLabels !== false) {
    for (const [key, value] of Object.entries(originalLabels)) {
      if (!isControllerGeneratedLabel(key)) podLabels[key] = value;
    }
  }
  podLabels[CopyKeys.copy] = 'true';
  if (!options.keepSchedulingRules) warnings.push(...dropSchedulingRules(spec, { originalLabels, copyLabels: podLabels, namespace: target.namespace, targetRef, scaleDown: options.scaleDown }));

  // A crashing container is restarted in place by the kubelet, so the copy pod keeps its name.
  spec.restartPolicy = 'OnFailure';

  const jobLabels: Record<string, string> = {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [CopyKeys.targetKind]: target.kind,
  };
  if (isValidLabelValue(target.name)) jobLabels[CopyKeys.targetName] = target.name;
  jobLabels[CopyKeys.scaleDown] = String(options.scaleDown);
  // As a label too, so finding a reusable copy is one server-side filtered list.
  jobLabels[CopyKeys.signature] = input.signature;

  const expiresAt = new Date(now.getTime() + options.ttlSeconds * 1000);
  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: copyJobName(target.name, input.suffix),
      namespace: target.namespace,
      labels: jobLabels,
      annotations: {
        [CopyKeys.targetKind]: target.kind,
        [CopyKeys.targetName]: target.name,
        [CopyKeys.targetNamespace]: target.namespace,
        [CopyKeys.user]: owner.user,
        [CopyKeys.host]: owner.host,
        [CopyKeys.scaleDown]: String(options.scaleDown),
        [CopyKeys.createdAt]: now.toISOString(),
        [CopyKeys.expiresAt]: expiresAt.toISOString(),
        [CopyKeys.signature]: input.signature,
        [CopyKeys.readyBy]: input.readyBy.toISOString(),
        ...(input.session && sessionAnnotations(input.session)),
      },
    },
    spec: {
      completions: 1,
      parallelism: 1,
      // With OnFailure the Job controller counts container restarts toward backoffLimit; the copy
      // must survive any number of crashes instead of being torn down after the first one.
      backoffLimit: MAX_INT32,
      activeDeadlineSeconds: options.ttlSeconds,
      ttlSecondsAfterFinished: FINISHED_TTL_SECONDS,
      template: {
        metadata: {
          labels: podLabels,
          annotations: {
            ...template.metadata?.annotations,
            [CopyKeys.targetKind]: target.kind,
            [CopyKeys.targetName]: target.name,
            [CopyKeys.targetNamespace]: target.namespace,
          },
        },
        spec,
      },
    },
  };
  return { job, warnings, expiresAt };
}

/**
 * Rules written to spread the original's replicas would keep the copy off every node that runs one;
 * the copy is not a replica. One warning names what was left out; a second one when the replicas'
 * own required anti-affinity still selects the copy's labels (it applies both ways), so the copy
 * still cannot share a node with a running replica.
 */
function dropSchedulingRules(
  spec: V1PodSpec,
  { originalLabels, copyLabels, namespace, targetRef, scaleDown }: {
    originalLabels: Record<string, string>;
    copyLabels: Record<string, string>;
    namespace: string;
    targetRef: string;
    scaleDown: boolean;
  },
): string[] {
  const dropped = dropReplicaSpreadingRules(spec, originalLabels, namespace);
  if (dropped.length === 0) return [];
  const warnings = [
    `left out scheduling rules that spread the pods of ${targetRef}, since the copy is not one of them (--keep-scheduling-rules keeps them): ${dropped.map((d) => d.description).join(', ')}`,
  ];
  const repelled = dropped.some((d) => d.repels && selectorMatches(d.repels, copyLabels));
  if (repelled && !scaleDown) {
    warnings.push(
      `the running pods of ${targetRef} carry the same required pod anti-affinity and the copy keeps the labels it selects, so the copy cannot share a node with one of them; --keep-labels=false lifts that, and so does --scale-down once they have terminated`,
    );
  }
  return warnings;
}

function names(containers: V1Container[] | undefined): string {
  return containers?.length ? containers.map((c) => c.name).join(', ') : 'none';
}

function excludeContainers(spec: V1PodSpec, options: CopyOptions, targetRef: string): void {
  for (const name of options.excludeContainers) {
    if (!spec.containers.some((c) => c.name === name)) {
      throw new UsageError(`cannot exclude container "${name}": ${targetRef} has no such container (containers: ${names(spec.containers)})`);
    }
  }
  for (const name of options.excludeInitContainers) {
    if (!spec.initContainers?.some((c) => c.name === name)) {
      throw new UsageError(
        `cannot exclude init container "${name}": ${targetRef} has no such init container (init containers: ${names(spec.initContainers)})`,
      );
    }
  }
  const kept = spec.containers.filter((c) => !options.excludeContainers.includes(c.name));
  if (kept.length === 0) {
    throw new UsageError(`cannot exclude every container of ${targetRef} (containers: ${names(spec.containers)}); a pod needs at least one`);
  }
  spec.containers = kept;
  if (spec.initContainers) {
    spec.initContainers = spec.initContainers.filter((c) => !options.excludeInitContainers.includes(c.name));
    if (spec.initContainers.length === 0) delete spec.initContainers;
  }
}

/** A container or init container by name, or a UsageError naming what exists. */
function findContainer(spec: V1PodSpec, { name, purpose, targetRef }: { name: string; purpose: string; targetRef: string }): V1Container {
  const found = spec.containers.find((c) => c.name === name) ?? spec.initContainers?.find((c) => c.name === name);
  if (!found) {
    throw new UsageError(
      `cannot ${purpose}: ${targetRef} has no container "${name}" (containers: ${names(spec.containers)}; init containers: ${names(spec.initContainers)})`,
    );
  }
  return found;
}

/** As kubectl debug: '*' sets every app container, and a named override wins over '*' whatever the flag order. */
function setImages(spec: V1PodSpec, images: Record<string, string>, targetRef: string): void {
  const all = images[ALL_CONTAINERS];
  if (all !== undefined) for (const container of spec.containers) container.image = all;
  for (const [name, image] of Object.entries(images)) {
    if (name !== ALL_CONTAINERS) findContainer(spec, { name, purpose: `set image of "${name}"`, targetRef }).image = image;
  }
}

function setCommand(spec: V1PodSpec, template: V1PodTemplateSpec, command: NonNullable<CopyOptions['command']>, targetRef: string): void {
  if (command.args.length === 0) throw new UsageError('no command given after --');
  let container: V1Container | undefined;
  if (command.container !== undefined) {
    container = findContainer(spec, { name: command.container, purpose: 'set command', targetRef });
  } else {
    // Like kubectl, fall back to the first container when the annotated default is absent.
    const defaultName = template.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
    container = spec.containers.find((c) => c.name === defaultName) ?? spec.containers[0];
  }
  if (!container) throw new UsageError(`cannot set command: ${targetRef} has no containers`);
  container.command = [...command.args];
  delete container.args;
}

/**
 * A StatefulSet pod's claim-template volumes are added by the controller, not the template, so the
 * copy would be rejected for mounting an undefined volume. Mount the original's PVC when told to
 * (the original is scaled down and has released it), otherwise an empty stand-in: the PVC is still
 * mounted by its running pod.
 */
function fillClaimVolumes(
  spec: V1PodSpec,
  { claimTemplateNames, claims, mount, target }: { claimTemplateNames: string[]; claims: Record<string, string>; mount: boolean; target: { kind: TargetKind; name: string } },
): string[] {
  const targetRef = kindName(target);
  const warnings: string[] = [];
  const mounted = new Set(
    [...spec.containers, ...(spec.initContainers ?? [])].flatMap((c) => (c.volumeMounts ?? []).map((m) => m.name)),
  );
  for (const name of claimTemplateNames) {
    if (!mounted.has(name) || spec.volumes?.some((v) => v.name === name)) continue;
    spec.volumes ??= [];
    const claimName = claims[name];
    if (mount && claimName !== undefined) {
      spec.volumes.push({ name, persistentVolumeClaim: { claimName } });
      continue;
    }
    spec.volumes.push({ name, emptyDir: {} });
    if (target.kind === 'pod' && claimName !== undefined) {
      warnings.push(
        `volume "${name}" is ${targetRef}'s claim ${claimName}, which that running pod still writes to; the copy gets an empty emptyDir in its place (use --scale-down to mount ${claimName} once the pod is gone)`,
      );
    } else {
      warnings.push(
        `volume "${name}" comes from a volumeClaimTemplate of ${targetRef}; the copy gets an empty emptyDir in its place (use --scale-down to mount the original's PVC${claimName ? ` ${claimName}` : ''})`,
      );
    }
  }
  return warnings;
}
