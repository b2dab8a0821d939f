import { CliError, ExitCode, messageOf } from '../errors.js';
import { faultPoint } from '../fault.js';
import type { Cluster, JobRef } from '../kube/cluster.js';
import type { V1Pod } from '../kube/types.js';
import type { Progress } from '../render/progress.js';
import { podState } from './pod-state.js';

/**
 * Waits, by watching (never polling), until the copy Job's pod is Running. Fails fast with the
 * reason when the pod cannot run, or when the Job controller cannot create it at all (quota,
 * admission), which only shows up as a FailedCreate event on the Job. An Unschedulable pod is
 * waited for (a node may be on its way) until the timeout, which then names the scheduler's reason.
 */
export async function waitForCopyPod(
  cluster: Cluster,
  { namespace, name: jobName }: JobRef,
  timeoutMs: number,
  progress: Progress,
  abort: AbortSignal,
): Promise<V1Pod> {
  const stops: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<V1Pod>((resolve, reject) => {
      const fail = (message: string) => reject(new CliError(message, ExitCode.copyFailed));
      abort.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      // The scheduler's last word while the pod waited for a node, for the timeout's message.
      let unschedulable: { pod: string; why: string } | undefined;
      const seconds = Math.round(timeoutMs / 1000);
      const inspect = `inspect it with "kubectl describe job ${jobName} -n ${namespace}"`;
      timer = setTimeout(
        () =>
          fail(
            unschedulable
              ? `pod ${unschedulable.pod} could not be scheduled within ${seconds}s (${unschedulable.why.replace(/\.$/, '')}); raise --pod-running-timeout if nodes are on their way, or ${inspect}`
              : `the copy pod of job ${jobName} was not Running after ${seconds}s; raise --pod-running-timeout or ${inspect}`,
          ),
        timeoutMs,
      );
      let lastDetail = '';
      const onPod = (type: string, pod: V1Pod) => {
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        void faultPoint('while-waiting');
        const state = podState(pod);
        if (state.state === 'pending') {
          unschedulable = state.unschedulable ? { pod: pod.metadata?.name ?? '<pod>', why: state.unschedulable } : undefined;
        }
        if (state.state === 'running') resolve(pod);
        else if (state.state === 'failed') fail(state.reason);
        else if (state.state === 'pending' && state.detail && state.detail !== lastDetail) {
          lastDetail = state.detail;
          progress.step(`pod ${pod.metadata?.name}: ${state.detail}`);
        }
      };
      const onEvent = (type: string, event: { reason?: string; message?: string }) => {
        if (type === 'ADDED' && event.reason === 'FailedCreate') {
          fail(`the Job controller could not create the copy pod: ${event.message ?? 'no message'}`);
        }
      };
      const lost = (err: unknown) => fail(`lost the watch on the copy pod of job ${jobName}: ${messageOf(err)}`);
      const labelSelector = `batch.kubernetes.io/job-name=${jobName}`;
      const resyncPods = async () => {
        const { items, resourceVersion } = await cluster.listForWatch('pod', namespace, { labelSelector });
        for (const pod of items) onPod('ADDED', pod);
        return resourceVersion;
      };
      stops.push(cluster.watchContinuously('pod', namespace, { labelSelector }, onPod, resyncPods, lost));
      // Without a resourceVersion a restarted event watch replays what exists, so nothing is missed.
      const fieldSelector = `involvedObject.kind=Job,involvedObject.name=${jobName}`;
      stops.push(cluster.watchContinuously('event', namespace, { fieldSelector }, onEvent, async () => undefined, lost));
    });
  } finally {
    clearTimeout(timer);
    for (const stop of stops) stop();
  }
}
