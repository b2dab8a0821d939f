import { COPY_POD_GONE_TIMEOUT_MS, waitForCopyPodGone } from '../apply/wait-for-no-pods.js';
import { waitForCopyPod } from '../apply/wait-for-pod.js';
import { messageOf } from '../errors.js';
import { isUnreachable } from '../kube/api-errors.js';
import { faultPoint } from '../fault.js';
import type { Cluster } from '../kube/cluster.js';
import type { V1Job, V1Pod } from '../kube/types.js';
import { podState } from '../apply/pod-state.js';
import { CopyKeys } from '../plan/copy-record.js';
import type { Progress } from '../render/progress.js';
import { interruption, throwIfInterrupted, untilInterrupted } from './interrupt.js';
import { retryWhileUnreachable } from './retry-while-unreachable.js';

/**
 * Creates the copy Job and waits for its pod to be Running. On any failure or interruption the
 * Job is deleted before the error is reported: no copy is left behind.
 */
export async function createAndWait(
  cluster: Cluster,
  job: V1Job,
  podRunningTimeoutMs: number,
  progress: Progress,
  onJob?: (exists: boolean) => void,
): Promise<V1Pod> {
  const namespace = job.metadata!.namespace!;
  const jobName = job.metadata!.name!;
  // A Ctrl-C that came during an earlier, uninterruptible request: nothing is created after it.
  throwIfInterrupted('creating the copy job');
  // The pod's watches open together with the create, a round trip sooner: a watch without a
  // resourceVersion first replays what exists, so a pod made before it opened is seen all the same.
  const stopWatching = new AbortController();
  const running = waitForCopyPod(cluster, { namespace, name: jobName }, podRunningTimeoutMs, progress, AbortSignal.any([interruption, stopWatching.signal]));
  running.catch(() => undefined); // awaited below once the Job exists; until then a failure waits there
  const creating = cluster.createJob(job, false).catch(async (err: unknown) => {
    // The answer may be lost after the server made the Job (a timeout, a dropped connection, a
    // 504): the copy then exists with our name. Going on with it beats leaving an orphan that
    // keeps the original's labels and takes its traffic.
    if (!(await madeByThisCreate(cluster, job))) throw err;
    progress.step(`the answer to creating job ${jobName} was lost (${messageOf(err)}), but the server made it; going on with it`);
  });
  try {
    await untilInterrupted(() => creating, 'creating the copy job');
  } catch (err) {
    stopWatching.abort();
    // Interrupted mid-request, or failed with no Job found (perhaps for want of an answer): the
    // server may still have made it. Deleting a Job that is not there costs one 404.
    if ((await creating.then(() => true, () => false)) || isUnreachable(err)) await cleanUp(progress, () => cluster.deleteJob({ namespace, name: jobName }));
    throw err;
  }
  onJob?.(true);
  try {
    await faultPoint('after-job-created');
    progress.step(`created job ${jobName}; waiting for its pod to be Running`);
    const pod = await untilInterrupted(() => running, 'waiting for the copy pod');
    // Recorded on the Job so `status` needs a single list call to name the pod.
    await cluster.annotateJob({ namespace, name: jobName }, { [CopyKeys.podName]: pod.metadata!.name! });
    return pod;
  } catch (err) {
    stopWatching.abort();
    await cleanUp(progress, async () => {
      await cluster.deleteJob({ namespace, name: jobName });
      onJob?.(false);
    });
    throw err;
  }
}

/**
 * Runs cleanup after a failure. The failure that got us here stays the error the user sees; a
 * cleanup that fails too is a warning line naming what is left.
 */
export async function cleanUp(progress: Progress, cleanup: () => Promise<unknown>): Promise<void> {
  try {
    await cleanup();
  } catch (err) {
    progress.warn(`cleanup failed: ${messageOf(err)}`);
  }
}

/** How long the lookup after a failed create keeps trying while the API server cannot be reached. */
const LOOKUP_RETRY_MS = 5_000;

/** Whether the Job this create sent exists (its name is random, its creation time ours): then the server made it. */
async function madeByThisCreate(cluster: Cluster, job: V1Job): Promise<boolean> {
  const { namespace, name, annotations } = job.metadata!;
  try {
    const found = await retryWhileUnreachable(() => cluster.find({ kind: 'job', namespace: namespace!, name: name! }), Date.now() + LOOKUP_RETRY_MS);
    return found?.metadata?.annotations?.[CopyKeys.createdAt] === annotations?.[CopyKeys.createdAt];
  } catch {
    return false;
  }
}

/**
 * Before restoring `restoring`: waits (bounded) for the pods of the deleted copy Job to be gone,
 * saying which on `say`. Returns a warning when it restores without that.
 */
export function untilCopyPodGone(cluster: Cluster, job: { namespace: string; name: string }, restoring: string, say: (line: string) => void): Promise<string | undefined> {
  let said = '';
  return waitForCopyPodGone(cluster, job, ({ names }) => {
    const line = `waiting for ${names.length === 1 ? 'pod' : 'pods'} ${names.join(', ')} of the copy to terminate before restoring ${restoring} (up to ${COPY_POD_GONE_TIMEOUT_MS / 1000}s past its grace period)`;
    // The same pods seen again (their deletionTimestamp arriving) are not news.
    if (line !== said) say(line);
    said = line;
  });
}

/**
 * Watches a copy pod that is Running until it stops: `ended` is told once why (deleted, stopped
 * running, the watch lost), `phase` each new phase before that. Returns the function that stops
 * watching. A deleted pod is stopping from the moment it has a deletionTimestamp, though it stays
 * Terminating for its grace period: that is when it ends here, not when the pod is gone.
 */
export function watchCopyPod(
  cluster: Cluster,
  { namespace, name }: { namespace: string; name: string },
  { ended, phase: onPhase }: { ended: (reason: string) => void; phase?: (phase: string) => void },
): () => void {
  let over = false;
  let phase = 'Running';
  const end = (reason: string): void => {
    if (over) return;
    over = true;
    ended(reason);
  };
  const onPod = (type: string, pod: V1Pod | undefined): void => {
    if (type === 'DELETED' || pod?.metadata?.deletionTimestamp) end(`copy pod ${name} was deleted`);
    else if (pod && podState(pod).state === 'failed') end(`copy pod ${name} stopped running`);
    else if (typeof pod?.status?.phase === 'string' && pod.status.phase !== phase) {
      phase = pod.status.phase;
      onPhase?.(phase);
    }
  };
  return cluster.watchContinuously(
    'pod',
    namespace,
    { fieldSelector: `metadata.name=${name}` },
    onPod,
    async () => {
      const pod = await cluster.find({ kind: 'pod', namespace, name });
      if (!pod) onPod('DELETED', undefined);
      else onPod('MODIFIED', pod);
      return pod?.metadata?.resourceVersion;
    },
    (err) => end(`lost the watch on copy pod ${name}: ${messageOf(err)}`),
  );
}
