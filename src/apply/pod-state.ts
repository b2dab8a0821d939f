import type { V1Pod } from '../kube/types.js';

/** Where a copy pod stands: running, still on its way, never going to run (and why), or being deleted. */
export type PodState =
  | { state: 'running' }
  | { state: 'pending'; detail?: string; unschedulable?: string }
  | { state: 'failed'; reason: string }
  | { state: 'terminating' };

/** Container waiting reasons that do not resolve on their own. */
const FATAL_WAITING_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** Classifies a pod from its status alone (pure). */
export function podState(pod: V1Pod): PodState {
  const name = pod.metadata?.name ?? '<pod>';
  const status = pod.status;
  // Its containers are being stopped, though it may show Running for its whole grace period.
  if (pod.metadata?.deletionTimestamp) return { state: 'terminating' };
  if (status?.phase === 'Failed' || status?.phase === 'Succeeded') {
    return { state: 'failed', reason: `pod ${name} ${status.phase === 'Failed' ? 'failed' : 'exited'}${describe(status.reason, status.message)}` };
  }
  for (const c of [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && FATAL_WAITING_REASONS.has(waiting.reason)) {
      return { state: 'failed', reason: `container ${c.name} of pod ${name} cannot start${describe(waiting.reason, waiting.message)}` };
    }
  }
  const scheduled = status?.conditions?.find((c) => c.type === 'PodScheduled');
  // Not final: with cluster-autoscaler or Karpenter, Unschedulable is how a pod asks for a node.
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const message = firstSentence(scheduled.message);
    const why = `${scheduled.reason}${message ? `: ${message}` : ''}`;
    return { state: 'pending', detail: `cannot be scheduled yet (${why})`, unschedulable: why };
  }
  if (status?.phase === 'Running') return { state: 'running' };
  return { state: 'pending', detail: scheduled?.status === 'True' ? 'starting containers' : 'waiting to be scheduled' };
}

function describe(reason: string | undefined, message: string | undefined): string {
  const parts = [reason, message].filter(Boolean);
  return parts.length ? `: ${parts.join(': ')}` : '';
}

/**
 * The scheduler's verdict without what trails it: its messages go on with "preemption: ..." and
 * fragments ("...PersistentVolumeClaims. not found"); the first sentence is the reason.
 */
export function firstSentence(message: string | undefined): string | undefined {
  const first = message?.split(/\.(?:\s+|$)/)[0]?.trim();
  return first ? `${first}.` : undefined;
}
