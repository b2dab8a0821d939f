import type { Cluster } from '../kube/cluster.js';
import type { V1Pod } from '../kube/types.js';

/** Waits, by watching, until no pod matching the selector and `belongs` is left. */
export async function waitForNoPods(
  cluster: Cluster,
  namespace: string,
  labelSelector: string,
  abort: AbortSignal,
  belongs: (pod: V1Pod) => boolean,
): Promise<void> {
  const remaining = new Set<string>();
  const resync = async () => {
    const { items, resourceVersion } = await cluster.listPodsForWatch(namespace, labelSelector);
    remaining.clear();
    for (const pod of items.filter(belongs)) remaining.add(pod.metadata!.name!);
    return resourceVersion;
  };
  const resourceVersion = await resync();
  if (remaining.size === 0) return;
  let stop: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      abort.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      const check = () => remaining.size === 0 && resolve();
      stop = cluster.watchContinuously(
        `/api/v1/namespaces/${namespace}/pods`,
        { labelSelector, resourceVersion },
        (type, pod: V1Pod) => {
          if (!belongs(pod)) return;
          if (type === 'DELETED') remaining.delete(pod.metadata!.name!);
          else remaining.add(pod.metadata!.name!);
          check();
        },
        async () => {
          const rv = await resync();
          check();
          return rv;
        },
        reject,
      );
    });
  } finally {
    stop?.();
  }
}
