import { CliError, ExitCode } from '../errors.js';
import type { Cluster } from '../kube/cluster.js';
import type { V1Pod } from '../kube/types.js';

export interface PodsToGo {
  namespace: string;
  labelSelector: string | undefined;
  /**
   * Which of the selected pods count (e.g. owned by the workload). A promise when deciding takes a
   * request of its own: it is then sent together with the pods' list.
   */
  belongs: ((pod: V1Pod) => boolean) | Promise<(pod: V1Pod) => boolean>;
  /** What they are, for messages: "deployment/web". */
  owner: string;
  /**
   * What the timeout's message says happens next, before its "kubectl describe" hint (default: raise
   * --pod-running-timeout, which bounds the wait beyond the grace periods).
   */
  onTimeout?: string;
}

/** What is left: the pods' names, and when the latest grace period among them ends (server clock). */
export interface Remaining {
  names: string[];
  graceEndsAt?: Date;
}

/**
 * After the latest deletionTimestamp, time for the kubelet to report the pod gone before anything
 * but a finalizer or an unreachable node can be what keeps it.
 */
const AFTER_GRACE_MS = 15_000;

/**
 * A Failed (Evicted, say) or Succeeded pod runs nothing and holds no volume, yet its ReplicaSet
 * never deletes it: it must not count as a pod still to go.
 */
const stillRuns = (pod: V1Pod): boolean => pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded';

const deletionTime = (pod: V1Pod): number | undefined => {
  const at = Date.parse(String(pod.metadata?.deletionTimestamp ?? ''));
  return Number.isNaN(at) ? undefined : at;
};

/** Why a pod outlived its grace period, for the timeout's message. */
function whyStillThere(pod: V1Pod, nowMs: number): string {
  const name = pod.metadata!.name!;
  const at = deletionTime(pod);
  if (at === undefined) return `${name} (not being deleted yet)`;
  if (at > nowMs) return `${name} (its grace period ends at ${new Date(at).toISOString()})`;
  const finalizers = pod.metadata?.finalizers ?? [];
  if (finalizers.length > 0) return `${name} (held by finalizer ${finalizers.join(', ')})`;
  return `${name} (past its grace period: its node${pod.spec?.nodeName ? ` ${pod.spec.nodeName}` : ''} may be unreachable)`;
}

/**
 * Waits, by watching, until no pod matching the selector and `belongs` is left. `onRemaining` hears
 * each change. A pod ends by its deletionTimestamp (its grace period, 300 s for some), so the wait
 * lasts at least until the latest one plus a margin, whatever `timeoutMs` says; `timeoutMs` bounds
 * only what keeps a pod beyond that (a finalizer, an unreachable node) and pods not yet deleted.
 * Then it fails with exit 4, naming each pod still there and why.
 */
export async function waitForNoPods(
  cluster: Cluster,
  pods: PodsToGo,
  timeoutMs: number,
  abort: AbortSignal,
  onRemaining: (remaining: Remaining) => void,
): Promise<void> {
  const { namespace, labelSelector } = pods;
  let belongs: (pod: V1Pod) => boolean = () => false;
  const remaining = new Map<string, V1Pod>();
  const startedAt = cluster.now().getTime();
  let reported = '';
  const graceEndsAt = (): number | undefined => {
    const times = [...remaining.values()].map(deletionTime).filter((t): t is number => t !== undefined);
    return times.length > 0 ? Math.max(...times) : undefined;
  };
  const report = () => {
    if (remaining.size === 0) return;
    const ends = graceEndsAt();
    const key = `${remaining.size}/${ends ?? ''}`;
    if (key === reported) return;
    reported = key;
    onRemaining({ names: [...remaining.keys()].sort(), graceEndsAt: ends === undefined ? undefined : new Date(ends) });
  };
  const resync = async () => {
    const [{ items, resourceVersion }, decided] = await Promise.all([cluster.listForWatch('pod', namespace, { labelSelector }), pods.belongs]);
    belongs = decided;
    remaining.clear();
    for (const pod of items.filter((p) => belongs(p) && stillRuns(p))) remaining.set(pod.metadata!.name!, pod);
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
      const expire = () => {
        const now = cluster.now().getTime();
        const ends = graceEndsAt();
        // A grace period that ends later than first thought (a pod deleted since) is waited out.
        if (ends !== undefined && ends + AFTER_GRACE_MS > now) return schedule();
        const left = [...remaining.values()].sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
        reject(
          new CliError(
            `${left.length} pod(s) of ${pods.owner} were still there after ${Math.round((now - startedAt) / 1000)}s: ${left.map((p) => whyStillThere(p, now)).join(', ')}; ` +
              `${pods.onTimeout ?? 'raise --pod-running-timeout (it bounds the wait beyond their grace periods)'}; see why with "kubectl describe pod ${left[0]!.metadata!.name} -n ${namespace}"`,
            ExitCode.copyFailed,
          ),
        );
      };
      const schedule = () => {
        clearTimeout(timer);
        const ends = graceEndsAt();
        const deadline = Math.max(startedAt + timeoutMs, ends === undefined ? 0 : ends + AFTER_GRACE_MS);
        timer = setTimeout(expire, Math.max(0, deadline - cluster.now().getTime()));
      };
      schedule();
      const check = () => (remaining.size === 0 ? resolve() : report());
      stop = cluster.watchContinuously(
        'pod',
        namespace,
        { labelSelector, resourceVersion },
        (type, pod) => {
          if (!belongs(pod)) return;
          if (type === 'DELETED' || !stillRuns(pod)) remaining.delete(pod.metadata!.name!);
          else remaining.set(pod.metadata!.name!, pod);
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


/** How long a restore waits for the copy's pod beyond its grace period (and at least), before restoring anyway. */
export const COPY_POD_GONE_TIMEOUT_MS = 30_000;

/**
 * After a copy Job was deleted, waits until its pods are gone (through their grace period, then at
 * most COPY_POD_GONE_TIMEOUT_MS more), so the original does not come back beside them: a
 * StatefulSet volume, a singleton consumer. Never throws: the restore must happen anyway, so a pod
 * that stays (or a wait that fails) is returned as a line saying what was left running.
 */
export async function waitForCopyPodGone(
  cluster: Cluster,
  job: { namespace: string; name: string },
  onRemaining: (remaining: Remaining) => void,
): Promise<string | undefined> {
  const pods: PodsToGo = {
    namespace: job.namespace,
    labelSelector: `batch.kubernetes.io/job-name=${job.name}`,
    belongs: () => true,
    owner: `copy job ${job.name}`,
    onTimeout: 'restoring anyway',
  };
  try {
    await waitForNoPods(cluster, pods, COPY_POD_GONE_TIMEOUT_MS, new AbortController().signal, onRemaining);
    return undefined;
  } catch (err) {
    if (err instanceof CliError) return err.message;
    return `could not watch the pods of copy job ${job.name} (${err instanceof Error ? err.message : String(err)}); restoring anyway`;
  }
}
