import type { Cluster } from '../kube/cluster.js';
import type { V1Pod } from '../kube/types.js';

/** Waits, by watching from a list's resourceVersion, until no pod matching the selector and `belongs` is left. */
export async function waitForNoPods(
  cluster: Cluster,
  namespace: string,
  labelSelector: string,
  abort: AbortSignal,
  belongs: (pod: V1Pod) => boolean,
): Promise<void> {
  const { items, resourceVersion } = await cluster.listPodsForWatch(namespace, labelSelector);
  const remaining = new Set(items.filter(belongs).map((p) => p.metadata!.name!));
  if (remaining.size === 0) return;
  let watching: Promise<() => void> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      abort.addEventListener('abort', () => reject(abort.reason), { once: true });
      watching = cluster.watch(
        `/api/v1/namespaces/${namespace}/pods`,
        { labelSelector, resourceVersion },
        (type, pod: V1Pod) => {
          if (!belongs(pod)) return;
          if (type === 'DELETED') remaining.delete(pod.metadata!.name!);
          else remaining.add(pod.metadata!.name!);
          if (remaining.size === 0) resolve();
        },
        (err) => err && (err as Error).name !== 'AbortError' && reject(err),
      );
      watching.catch(reject);
    });
  } finally {
    void watching?.then((stop) => stop(), () => undefined);
  }
}
