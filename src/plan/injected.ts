import type { V1Container, V1PodSpec, V1PodTemplateSpec } from '../kube/types.js';

/**
 * What a mutating webhook (a service mesh's sidecar injector) added to a live pod, as its status
 * annotation records it. A copy made from the live pod would carry those containers, and the
 * annotation tells the injector that the pod is already injected, so the copy would keep a stale
 * proxy instead of getting its own.
 */
export interface Injection {
  /** The annotation that recorded it. */
  annotation: string;
  containers: string[];
  initContainers: string[];
  volumes: string[];
}

export const ISTIO_STATUS = 'sidecar.istio.io/status';
const LINKERD_PROXY_VERSION = 'linkerd.io/proxy-version';

/** What linkerd's injector adds (its annotation carries a version, not a list). */
const LINKERD = {
  containers: ['linkerd-proxy'],
  initContainers: ['linkerd-init', 'linkerd-network-validator'],
  volumes: ['linkerd-identity-end-entity', 'linkerd-proxy-init-xtables-lock', 'linkerd-identity-token'],
};

/**
 * Removes (in place) what each injection recorded on the template added: the listed containers
 * (from containers and, for native sidecars, init containers), init containers and volumes, the
 * mounts of those volumes, and the status annotation, so the cluster's injector injects the copy
 * afresh. Returns what was removed, naming only what was there; an annotation that cannot be read
 * is reported with nothing removed.
 */
export function removeInjectedSidecars(template: V1PodTemplateSpec): { removed: Injection[]; unreadable: string[] } {
  const annotations = template.metadata?.annotations ?? {};
  // Stryker disable next-line ArrayDeclaration: a stand-in spec is not written anywhere, and a listed name is removed only if a container has it
  const spec: V1PodSpec = template.spec ?? { containers: [] };
  const removed: Injection[] = [];
  const unreadable: string[] = [];
  const istio = annotations[ISTIO_STATUS];
  if (istio !== undefined) {
    const listed = parseIstioStatus(istio);
    if (listed) removed.push(remove(spec, ISTIO_STATUS, listed));
    else unreadable.push(ISTIO_STATUS);
  }
  if (annotations[LINKERD_PROXY_VERSION] !== undefined) removed.push(remove(spec, LINKERD_PROXY_VERSION, LINKERD));
  for (const injection of removed) delete annotations[injection.annotation];
  return { removed, unreadable };
}

function parseIstioStatus(value: string): Omit<Injection, 'annotation'> | undefined {
  let status: unknown;
  // Stryker disable BlockStatement: an empty catch leaves status undefined, which the check below refuses the same way
  try {
    status = JSON.parse(value);
  } catch {
    return undefined;
  }
  // Stryker restore BlockStatement
  if (typeof status !== 'object' || status === null || Array.isArray(status)) return undefined;
  const list = (key: string): string[] | undefined => {
    const v = (status as Record<string, unknown>)[key];
    // Stryker disable next-line ArrayDeclaration: a listed name is removed only if a container, init container or volume has it
    if (v === undefined || v === null) return [];
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  };
  const containers = list('containers');
  const initContainers = list('initContainers');
  const volumes = list('volumes');
  if (!containers || !initContainers || !volumes) return undefined;
  return { containers, initContainers, volumes };
}

function remove(spec: V1PodSpec, annotation: string, listed: Omit<Injection, 'annotation'>): Injection {
  const present = (list: { name: string }[] | undefined, names: string[]) => names.filter((name) => list?.some((x) => x.name === name));
  const injection: Injection = {
    annotation,
    // Stryker disable next-line ArrayDeclaration: a stand-in entry has no name, so it matches no listed name
    containers: present([...spec.containers, ...(spec.initContainers ?? [])], listed.containers),
    initContainers: present(spec.initContainers, listed.initContainers),
    volumes: present(spec.volumes, listed.volumes),
  };
  spec.containers = spec.containers.filter((c) => !injection.containers.includes(c.name));
  if (spec.initContainers) {
    const gone = new Set([...injection.containers, ...injection.initContainers]);
    spec.initContainers = spec.initContainers.filter((c) => !gone.has(c.name));
    if (spec.initContainers.length === 0) delete spec.initContainers;
  }
  if (spec.volumes) {
    spec.volumes = spec.volumes.filter((v) => !injection.volumes.includes(v.name));
    if (spec.volumes.length === 0) delete spec.volumes;
  }
  // Stryker disable next-line ArrayDeclaration: a stand-in entry has no volume mounts to drop
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) dropMounts(container, injection.volumes);
  return injection;
}

function dropMounts(container: V1Container, volumes: string[]): void {
  if (!container.volumeMounts) return;
  container.volumeMounts = container.volumeMounts.filter((m) => !volumes.includes(m.name));
  if (container.volumeMounts.length === 0) delete container.volumeMounts;
}

/** "sidecar.istio.io/status: containers istio-proxy; init containers istio-init; volumes istio-envoy". */
export function describeInjection(injection: Injection): string {
  const parts = [
    ['containers', injection.containers],
    ['init containers', injection.initContainers],
    ['volumes', injection.volumes],
  ]
    .filter(([, names]) => names!.length > 0)
    .map(([what, names]) => `${what} ${(names as string[]).join(', ')}`);
  return `${injection.annotation}: ${parts.length ? parts.join('; ') : 'nothing of it is left in the pod'}`;
}
