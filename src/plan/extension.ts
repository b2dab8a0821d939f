import { UsageError } from '../errors.js';
import { CopyKeys, type CopyRecord } from './copy-record.js';
import { HoldKeys } from './hold-record.js';

/*
 * `extend`: the new deadline of a live copy, and the exact edits that move it. Pure; the writes
 * happen in src/apply/extension-writes.ts. A copy's expiry is enforced twice: its expires-at annotation
 * (what status, gc and reuse read) and its Job's spec.activeDeadlineSeconds (Kubernetes fails the
 * Job at that deadline, counted from the Job's status.startTime). Both move together.
 */

/** What the copy Job carries besides its record: the Job-level deadline as the controller counts it. */
export interface CopyJobDeadline {
  /** The Job's status.startTime; absent until the Job controller first synced it. */
  startTime?: Date;
  activeDeadlineSeconds?: number;
}

export type ExtensionPlan =
  | { change: true; expiresAt: Date; activeDeadlineSeconds: number }
  /** The copy already lives longer than asked: extend never shortens a copy. */
  | { change: false; expiresAt: Date };

/**
 * The copy's new expiry, `now` + `ttlSeconds` on the API server's clock, and the Job deadline that
 * ends it no earlier: rounded up to whole seconds from the Job's start (from `now` while it has
 * none, as the controller will start counting later still), and never below the deadline it has.
 */
export function planExtension(record: CopyRecord, job: CopyJobDeadline, now: Date, ttlSeconds: number): ExtensionPlan {
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  if (Number.isNaN(expiresAt.getTime())) throw new UsageError(`--ttl of ${ttlSeconds}s is beyond any date; use a shorter one`);
  if (expiresAt <= record.expiresAt) return { change: false, expiresAt: record.expiresAt };
  const base = job.startTime && !Number.isNaN(job.startTime.getTime()) ? job.startTime : now;
  const fromStart = Math.ceil((expiresAt.getTime() - base.getTime()) / 1000);
  return { change: true, expiresAt, activeDeadlineSeconds: Math.max(fromStart, job.activeDeadlineSeconds ?? 0) };
}

/**
 * The ONE conditional write that extends the copy Job: a merge patch carrying the resourceVersion
 * the copy was judged live on (409 if anything wrote since), its expiry, its Job deadline and, for
 * a detached copy, the mirror of its hold's lease, which a detached hold keeps equal to the expiry.
 */
export function jobExtensionPatch(resourceVersion: string, expiresAt: Date, activeDeadlineSeconds: number, detached: boolean): object {
  const at = expiresAt.toISOString();
  return {
    metadata: { resourceVersion, annotations: { [CopyKeys.expiresAt]: at, ...(detached ? { [CopyKeys.leaseExpires]: at } : {}) } },
    spec: { activeDeadlineSeconds },
  };
}

/**
 * The conditional write that moves a detached hold's lease on the workload with its copy: a merge
 * patch carrying the resourceVersion the hold was read (and found naming the copy's session) at.
 */
export function holdExtensionPatch(resourceVersion: string, leaseExpires: Date): object {
  return { metadata: { resourceVersion, annotations: { [HoldKeys.leaseExpires]: leaseExpires.toISOString() } } };
}

/**
 * A copied pod template may carry the original's own pod-level activeDeadlineSeconds (a Job's or
 * CronJob's pods often do). The kubelet fails the pod at that deadline, counted from the pod's
 * start, whatever the copy's --ttl; a running pod's deadline may only be lowered and a Job's
 * template cannot change, so extend cannot move it. Says so when it comes before the new expiry.
 */
export function podDeadlineWarning(
  pod: { name: string; activeDeadlineSeconds?: number; startTime?: Date },
  expiresAt: Date,
): string | undefined {
  const seconds = pod.activeDeadlineSeconds;
  if (seconds === undefined) return undefined;
  const started = pod.startTime && !Number.isNaN(pod.startTime.getTime()) ? pod.startTime : undefined;
  if (started && started.getTime() + seconds * 1000 >= expiresAt.getTime()) return undefined;
  const when = started ? `at ${new Date(started.getTime() + seconds * 1000).toISOString()}` : `${seconds}s after it starts`;
  return (
    `copy pod ${pod.name} keeps the original's pod-level activeDeadlineSeconds (${seconds}s): the kubelet ends it ${when}, before the new expiry, ` +
    'and extend cannot move that deadline (a pod template is immutable)'
  );
}
