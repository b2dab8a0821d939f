import type { V1Container, V1Pod, V1PodTemplateSpec } from '../kube/types.js';

/** The projected service-account token volume the ServiceAccount admission plugin injects. */
const API_ACCESS_VOLUME_PREFIX = 'kube-api-access-';

/**
 * A Pod target's pod template: the live pod without what the cluster added to it, so the copy is
 * admitted afresh (token volume, node binding and priority are filled in again on creation).
 */
export function podTemplateFromLivePod(pod: V1Pod): V1PodTemplateSpec {
  const { metadata, spec } = structuredClone(pod);
  const template: V1PodTemplateSpec = { metadata: {} };
  if (metadata?.labels) template.metadata!.labels = metadata.labels;
  if (metadata?.annotations) template.metadata!.annotations = metadata.annotations;
  if (!spec) return template;

  delete spec.nodeName;
  delete spec.ephemeralContainers;
  // The Priority admission plugin rejects a set priority that differs from its class's value.
  delete spec.priority;

  const injected = new Set(
    (spec.volumes ?? [])
      .filter((volume) => volume.projected && volume.name.startsWith(API_ACCESS_VOLUME_PREFIX))
      .map((volume) => volume.name),
  );
  if (injected.size > 0) {
    spec.volumes = spec.volumes!.filter((volume) => !injected.has(volume.name));
    if (spec.volumes.length === 0) delete spec.volumes;
    // Stryker disable next-line ArrayDeclaration: equivalent; a placeholder in place of no init containers has no mounts to drop
    for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
      dropMounts(container, injected);
    }
  }
  template.spec = spec;
  return template;
}

function dropMounts(container: V1Container, volumeNames: Set<string>): void {
  if (!container.volumeMounts) return;
  container.volumeMounts = container.volumeMounts.filter((mount) => !volumeNames.has(mount.name));
  if (container.volumeMounts.length === 0) delete container.volumeMounts;
}
