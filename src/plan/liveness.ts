import type { CopyRecord } from './copy-record.js';
import type { Hold } from './hold-record.js';

/*
 * The one definition of a live copy and a live hold, judged on the API server's clock. status, gc
 * (both passes), the reuse lookup and the takeover of a hold all decide with these functions.
 */

/** What a copy's Job says about it beyond the record: finished (Complete/Failed) or being deleted. */
export interface CopyJobState {
  finished: boolean;
  terminating: boolean;
}

/**
 * The hold on the workload a copy's session scaled down, as read: `undefined` when not read (status
 * reads no workloads), `null` when read and no longer naming the copy's session.
 */
export type SessionHold = Hold | null | undefined;

/**
 * Why a copy no longer serves anyone, or undefined while it does: its time ran out, its Job
 * finished or is being deleted, its CLI died before handing out the pod, or (foreground
 * --scale-down) its session stopped renewing the lease, e.g. after kill -9. The copy Job's lease is
 * only a mirror of the hold's (a renewal writes both, and the two writes can fail apart): when the
 * mirror lapsed and the hold was read, the hold decides.
 */
export function copyStaleReason(record: CopyRecord, job: CopyJobState, now: Date, hold?: SessionHold): string | undefined {
  const reason = ownStaleReason(record, job, now);
  // Unread, the mirror is taken at its word; a hold gone to another session leaves an orphan.
  if (reason === undefined || !hold || !decidedByHold(record, job, now)) return reason;
  return holdStaleReason(hold, now, true) === undefined ? undefined : reason;
}

/**
 * True when the copy would be live but for its Job's mirror of the session lease: then the hold
 * on the workload decides, and is worth reading.
 */
export function decidedByHold(record: CopyRecord, job: CopyJobState, now: Date): boolean {
  return mirrorLapsed(record, now) && !job.finished && !job.terminating && record.expiresAt > now;
}

/** A foreground session's lease, as mirrored on the copy Job, has run out. */
const mirrorLapsed = (record: CopyRecord, now: Date): boolean =>
  record.session !== undefined && !record.session.detached && record.session.leaseExpires <= now;

function ownStaleReason(record: CopyRecord, job: CopyJobState, now: Date): string | undefined {
  if (record.expiresAt <= now) return `it expired at ${record.expiresAt.toISOString()}`;
  if (job.finished) return 'its job finished';
  if (job.terminating) return 'its job is being deleted';
  if (!record.podName && record.readyBy && record.readyBy <= now) {
    return `its CLI stopped before handing out its pod (the pod was due Running by ${record.readyBy.toISOString()})`;
  }
  if (mirrorLapsed(record, now)) return `its session stopped renewing the lease at ${record.session!.leaseExpires.toISOString()}`;
  return undefined;
}

/**
 * Why a hold no longer protects anyone, or undefined while it is live. A foreground session proves
 * it is alive by renewing the lease (its copy may not exist yet: a StatefulSet's pods can take long
 * to go); a detached hold lives exactly as long as its copy Job.
 */
export function holdStaleReason(hold: Hold, now: Date, copyJobExists: boolean): string | undefined {
  if (hold.leaseExpires <= now) return `its lease expired at ${hold.leaseExpires.toISOString()}`;
  if (hold.detached && !copyJobExists) return `its copy job ${hold.copyJob} is gone`;
  return undefined;
}

/** Time a reused copy must still have: a copy about to expire is not worth handing out. */
const REUSE_MARGIN_MS = 60_000;

/**
 * A copy that may be handed out again: live for at least another minute, with its pod named, and
 * not a foreground session's (which deletes its copy when it ends).
 */
export function reusable(record: CopyRecord, job: CopyJobState, now: Date): boolean {
  if (!record.podName || (record.session && !record.session.detached)) return false;
  return copyStaleReason(record, job, new Date(now.getTime() + REUSE_MARGIN_MS)) === undefined;
}
