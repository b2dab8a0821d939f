import { waitForCopyPod } from '../apply/wait-for-pod.js';
import { messageOf } from '../errors.js';
import { faultPoint } from '../fault.js';
import type { Cluster } from '../kube/cluster.js';
import type { V1Job, V1Pod } from '../kube/types.js';
import { CopyKeys } from '../plan/copy-record.js';
import type { Progress } from '../render/progress.js';
import { throwIfInterrupted, untilInterrupted } from './interrupt.js';

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
  const creating = cluster.createJob(job, false);
  try {
    await untilInterrupted(() => creating, 'creating the copy job');
  } catch (err) {
    // Interrupted mid-request: the server may still have created it.
    if (await creating.then(() => true, () => false)) await cleanUp(progress, () => cluster.deleteJob({ namespace, name: jobName }));
    throw err;
  }
  onJob?.(true);
  await faultPoint('after-job-created');
  progress.step(`created job ${jobName}; waiting for its pod to be Running`);
  try {
    const pod = await untilInterrupted(
      (abort) => waitForCopyPod(cluster, { namespace, name: jobName }, podRunningTimeoutMs, progress, abort),
      'waiting for the copy pod',
    );
    // Recorded on the Job so `status` needs a single list call to name the pod.
    await cluster.annotateJob({ namespace, name: jobName }, { [CopyKeys.podName]: pod.metadata!.name! });
    return pod;
  } catch (err) {
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
