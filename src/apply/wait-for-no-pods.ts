import { CliError, ExitCode } from '../errors.js';
import type { Cluster } from '../kube/cluster.js';
import type { V1Pod } from '../kube/types.js';

export interface PodsToGo {
  namespace: string;
  labelSelector: string | undefined;
  /** Which of the selected pods count (e.g. owned by the workload). */
  belongs: (pod: V1Pod) => boolean;
  /** What they are, for messages: "deployment/web". */
  owner: string;
}

/**
 * Waits, by watching, until no pod matching the selector and `belongs` is left. `onRemaining` hears
 * each change of the count. After `timeoutMs` it fails with exit 4, naming the pods still there.
 */
export async function waitForNoPods(
  cluster: Cluster,
  pods: PodsToGo,
  timeoutMs: number,
  abort: AbortSignal,
  onRemaining: (names: string[]) => void,
): Promise<void> {
  const { namespace, labelSelector, belongs } = pods;
  const remaining = new Set<string>();
  let reported = -1;
  const report = () => {
    if (remaining.size === reported || remaining.size === 0) return;
    reported = remaining.size;
    onRemaining([...remaining].sort());
  };
  const resync = async () => {
    const { items, resourceVersion } = await cluster.listForWatch('pod', namespace, { labelSelector });
    remaining.clear();
    for (const pod of items.filter(belongs)) remaining.add(pod.metadata!.name!);
    return resourceVersion;
  };
  const resourceVersion = await resync();
  if (remaining.size === 0) return;
  report();
  let stop: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      abort.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      timer = setTimeout(() => {
        const names = [...remaining].sort();
        reject(
          new CliError(
            `${names.length} pod(s) of ${pods.owner} were still there after ${Math.round(timeoutMs / 1000)}s (${names.join(', ')}); ` +
              `raise --pod-running-timeout, or see why with "kubectl describe pod ${names[0]} -n ${namespace}"`,
            ExitCode.copyFailed,
          ),
        );
      }, timeoutMs);
      const check = () => (remaining.size === 0 ? resolve() : report());
      stop = cluster.watchContinuously(
        'pod',
        namespace,
        { labelSelector, resourceVersion },
        (type, pod) => {
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
    clearTimeout(timer);
    stop?.();
  }
}
