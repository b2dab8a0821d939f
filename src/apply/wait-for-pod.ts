import { CliError, ExitCode } from '../errors.js';
import type { Cluster } from '../kube/cluster.js';
import type { V1Pod } from '../kube/types.js';
import type { Progress } from '../render/progress.js';
import { podState } from './pod-state.js';

/**
 * Waits, by watching (never polling), until the copy Job's pod is Running. Fails fast with the
 * reason when the pod cannot run, or when the Job controller cannot create it at all (quota,
 * admission), which only shows up as a FailedCreate event on the Job.
 */
export async function waitForCopyPod(
  cluster: Cluster,
  namespace: string,
  jobName: string,
  timeoutMs: number,
  progress: Progress,
  abort: AbortSignal,
): Promise<V1Pod> {
  const watches: Array<Promise<() => void>> = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<V1Pod>((resolve, reject) => {
      const fail = (message: string) => reject(new CliError(message, ExitCode.copyFailed));
      abort.addEventListener('abort', () => reject(abort.reason), { once: true });
      timer = setTimeout(
        () => fail(`the copy pod of job ${jobName} was not Running after ${Math.round(timeoutMs / 1000)}s; raise --pod-running-timeout or inspect it with "kubectl describe job ${jobName} -n ${namespace}"`),
        timeoutMs,
      );
      let lastDetail = '';
      const onPod = (type: string, pod: V1Pod) => {
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        const state = podState(pod);
        if (state.state === 'running') resolve(pod);
        else if (state.state === 'failed') fail(state.reason);
        else if (state.detail && state.detail !== lastDetail) {
          lastDetail = state.detail;
          progress.step(`pod ${pod.metadata?.name}: ${state.detail}`);
        }
      };
      const onEvent = (type: string, event: { reason?: string; message?: string }) => {
        if (type === 'ADDED' && event.reason === 'FailedCreate') {
          fail(`the Job controller could not create the copy pod: ${event.message ?? 'no message'}`);
        }
      };
      const onDone = (err: unknown) => {
        if (err) fail(`lost the watch on the copy pod of job ${jobName}: ${err instanceof Error ? err.message : String(err)}`);
      };
      watches.push(
        cluster.watch(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: `batch.kubernetes.io/job-name=${jobName}` }, onPod, onDone),
        cluster.watch(
          `/api/v1/namespaces/${namespace}/events`,
          { fieldSelector: `involvedObject.kind=Job,involvedObject.name=${jobName}` },
          onEvent,
          onDone,
        ),
      );
      for (const w of watches) w.catch(reject);
    });
  } finally {
    clearTimeout(timer);
    for (const w of await Promise.allSettled(watches)) if (w.status === 'fulfilled') w.value();
  }
}
