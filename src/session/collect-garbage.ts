import { recordEvent } from '../apply/events.js';
import { releaseHold, type Released } from '../apply/hold.js';
import { describeDamagedCopy, jobState, listCopies, type Copy } from '../apply/copies.js';
import { CliError, messageOf } from '../errors.js';
import { faultPoint } from '../fault.js';
import type { Cluster, ObjectRef } from '../kube/cluster.js';
import { kindName } from '../kube/types.js';
import { untilCopyPodGone } from './copy-pod.js';
import { copyStaleReason, decidedByHold, holdStaleReason } from '../plan/liveness.js';
import { isDamaged } from '../plan/annotation-values.js';
import { damagedHoldMessage, readHold, HoldKeys } from '../plan/hold-record.js';
import { SCALABLE_KINDS, type ScalableKind } from '../target/kinds.js';

/** Tells `kubectl describe` readers that the original came back, and why (best effort). */
async function recordRestore(cluster: Cluster, ref: ObjectRef<ScalableKind>, released: Released, why: string): Promise<void> {
  if (!released.restored) return;
  await recordEvent(cluster, { ...ref, object: released.object }, 'CopyTargetRestored', `restored: ${why}`);
}

/**
 * Deletes one copy and, if it holds a scale-down, restores the original once the copy's pod is
 * gone (bounded; `say` hears the wait). Returns what was done.
 */
export async function removeCopy(cluster: Cluster, copy: Copy, say: (line: string) => void = () => undefined): Promise<string> {
  const ns = copy.job.metadata!.namespace!;
  const jobName = copy.job.metadata!.name!;
  // The copy goes first, so the original never runs beside it.
  await cluster.deleteJob({ namespace: ns, name: jobName });
  const session = copy.record.session;
  if (!session) return `deleted copy job ${jobName}`;
  const scaled = { kind: session.scaledKind, namespace: ns, name: session.scaledName };
  const left = await untilCopyPodGone(cluster, { namespace: ns, name: jobName }, kindName(scaled), say);
  await faultPoint('during-delete');
  const released = await releaseHold(cluster, scaled, { session: session.id }).catch((err: unknown) => {
    throw new CliError(`deleted copy job ${jobName}, but ${messageOf(err)}`);
  });
  await recordRestore(cluster, scaled, released, `copy job ${jobName} was deleted ("kubectl copy-target delete")`);
  const restored = released.restored ? `restored ${kindName(scaled)}` : `${kindName(scaled)} was no longer held by it`;
  return `deleted copy job ${jobName}; ${restored}${released.warning ? ` (${released.warning})` : ''}${left ? ` (${left})` : ''}`;
}

/**
 * Why a copy is stale (plan/liveness.ts), or undefined while it is live. When only its Job's lease
 * mirror lapsed, the hold on the workload is read and decides; `judgedLease` is the hold's lease
 * annotation the judgement was made on. gc and `extend` judge with it.
 */
export async function judgeCopy(cluster: Cluster, copy: Copy, now: Date): Promise<{ reason: string; judgedLease?: string } | undefined> {
  const job = jobState(copy.job);
  const session = copy.record.session;
  if (!session || !decidedByHold(copy.record, job, now)) {
    const reason = copyStaleReason(copy.record, job, now);
    return reason === undefined ? undefined : { reason };
  }
  const object = await cluster.find({ kind: session.scaledKind, namespace: copy.job.metadata!.namespace!, name: session.scaledName });
  const read = object && readHold(object.metadata, session.scaledKind);
  const hold = read && !isDamaged(read) && read.session === session.id ? read : null;
  const reason = copyStaleReason(copy.record, job, now, hold);
  if (reason === undefined) return undefined;
  return { reason, judgedLease: hold ? object?.metadata?.annotations?.[HoldKeys.leaseExpires] : undefined };
}

/** What ending a stale session did: nothing when its copy Job changed since it was judged. */
type StaleEnd =
  | { jobChanged: true }
  | { jobChanged: false; released: Released; left: string | undefined };

/**
 * Ends a session judged stale, acting only on what was judged: its copy Job (if any) is deleted
 * only as it was listed (a renewal of its session changes it), and the hold is released only while
 * its lease is the one seen expired. The copy goes first and the original comes back once its pod
 * is gone (bounded; `say` hears the wait), so the two never run side by side (a singleton
 * consumer, a volume). Both gc passes end stale sessions through here.
 */
async function endStaleSession(
  cluster: Cluster,
  scaled: ObjectRef<ScalableKind>,
  judged: { session: string; lease: string | undefined; copyJob?: { name: string; resourceVersion: string | undefined } },
  why: string,
  say: (line: string) => void,
): Promise<StaleEnd> {
  let left: string | undefined;
  if (judged.copyJob) {
    const job = { namespace: scaled.namespace, name: judged.copyJob.name };
    if (!(await cluster.deleteJob(job, judged.copyJob.resourceVersion))) return { jobChanged: true };
    left = await untilCopyPodGone(cluster, job, kindName(scaled), say);
  }
  await faultPoint('during-gc');
  const released = await releaseHold(cluster, scaled, { session: judged.session, ifLeaseExpires: judged.lease });
  if (!released.renewed) await recordRestore(cluster, scaled, released, why);
  return { jobChanged: false, released, left };
}

/** Removes a copy judged stale (see endStaleSession) and says what was done. */
async function removeStaleCopy(cluster: Cluster, copy: Copy, judgedLease: string | undefined, say: (line: string) => void): Promise<string> {
  const ns = copy.job.metadata!.namespace!;
  const jobName = copy.job.metadata!.name!;
  const session = copy.record.session;
  if (!session) {
    const deleted = await cluster.deleteJob({ namespace: ns, name: jobName }, copy.job.metadata!.resourceVersion);
    return deleted ? `deleted copy job ${jobName}` : `left copy job ${jobName}: it changed since it was judged`;
  }
  const scaledRef = { kind: session.scaledKind, namespace: ns, name: session.scaledName };
  const scaled = kindName(scaledRef);
  const judged = { session: session.id, lease: judgedLease, copyJob: { name: jobName, resourceVersion: copy.job.metadata!.resourceVersion } };
  const end = await endStaleSession(cluster, scaledRef, judged, `its copy job ${jobName} was stale ("kubectl copy-target gc")`, say);
  if (end.jobChanged) return `left it: copy job ${jobName} changed since it was judged (its session renewed the lease on ${scaled} meanwhile, or its pod changed)`;
  const { released, left } = end;
  // Its session is alive after all: it sees its pod deleted, ends and restores itself.
  if (released.renewed) return `deleted copy job ${jobName}; its session renewed the lease on ${scaled} meanwhile and restores it itself`;
  const restored = released.restored ? `restored ${scaled}${released.warning ? ` (${released.warning})` : ''}` : `${scaled} was no longer held by it`;
  return `deleted copy job ${jobName}; ${restored}${left ? ` (${left})` : ''}`;
}

/**
 * The cheap pass every command makes over the copies it already listed: stale copies (expired,
 * finished, or whose session stopped renewing) are deleted and their originals restored.
 * Returns the copies that are still live.
 */
export async function collectStaleCopies(cluster: Cluster, copies: Copy[], report: (line: string) => void): Promise<Copy[]> {
  const now = cluster.now();
  const live: Copy[] = [];
  for (const copy of copies) {
    // One copy we may not clean (someone else's, forbidden) must not fail the command at hand.
    let done: string;
    try {
      const stale = await judgeCopy(cluster, copy, now);
      if (!stale) {
        live.push(copy);
        continue;
      }
      // Stale as being deleted: whoever deletes it restores what it held; nothing to do twice.
      if (jobState(copy.job).terminating) continue;
      await faultPoint('gc-after-judging');
      done = `is stale (${stale.reason}): ${await removeStaleCopy(cluster, copy, stale.judgedLease, (line) => report(`gc: ${line}`))}`;
    } catch (err) {
      done = `could not be cleaned up: ${messageOf(err)}`;
    }
    report(`gc: copy job ${copy.job.metadata!.name} ${done}`);
  }
  return live;
}

/**
 * The full pass (`kubectl copy-target gc`): the cheap pass over every copy, then every workload
 * still labelled as held whose hold is stale (lease expired, or its copy is gone) is restored.
 */
export async function collectGarbage(cluster: Cluster, namespace: string | undefined, report: (line: string) => void): Promise<void> {
  const { copies, damaged } = await listCopies(cluster, namespace);
  for (const d of damaged) report(`gc: ${describeDamagedCopy(d)}`);
  const live = await collectStaleCopies(cluster, copies, report);
  // A damaged copy still runs: the hold it may belong to is not stale for want of it.
  const liveJobs = new Set([...live, ...damaged].map((c) => `${c.job.metadata!.namespace}/${c.job.metadata!.name}`));
  const now = cluster.now();
  for (const kind of SCALABLE_KINDS) {
    // Only Rollouts may be missing altogether (no Argo Rollouts CRD: a 404); a 403 or a timeout is reported.
    const selectors = { labelSelector: `${HoldKeys.held}=true` };
    const held = kind === 'rollout' ? ((await cluster.listIfServed(kind, namespace, selectors)) ?? []) : await cluster.list(kind, namespace, selectors);
    for (const object of held) {
      const ns = object.metadata!.namespace!;
      const ref = { kind, namespace: ns, name: object.metadata!.name! };
      const named = kindName(ref);
      const hold = readHold(object.metadata, kind);
      if (!hold) continue;
      if (isDamaged(hold)) {
        report(`gc: ${damagedHoldMessage(ref, hold)}`);
        continue;
      }
      const jobExists = liveJobs.has(`${ns}/${hold.copyJob}`);
      const reason = holdStaleReason(hold, now, jobExists);
      if (!reason) continue;
      await faultPoint('gc-after-judging');
      // Its session is over: a copy it left running goes first (see endStaleSession).
      const copy = live.find((c) => c.job.metadata!.namespace === ns && c.job.metadata!.name === hold.copyJob);
      const judged = {
        session: hold.session,
        lease: object.metadata!.annotations![HoldKeys.leaseExpires],
        ...(copy && { copyJob: { name: hold.copyJob, resourceVersion: copy.job.metadata!.resourceVersion } }),
      };
      const why = `the hold of copy job ${hold.copyJob} was stale, ${reason} ("kubectl copy-target gc")`;
      const end = await endStaleSession(cluster, ref, judged, why, (line) => report(`gc: ${line}`));
      if (end.jobChanged) {
        report(`gc: hold on ${named} in ${ns} is stale (${reason}), but its copy job ${hold.copyJob} changed since it was judged; left both`);
        continue;
      }
      const { released, left } = end;
      if (released.renewed) {
        report(`gc: hold on ${named} in ${ns} was renewed while judged stale; left it${copy ? ` (its copy job ${hold.copyJob} was deleted: its session sees that, ends and restores it)` : ''}`);
        continue;
      }
      report(
        `gc: hold on ${named} in ${ns} is stale (${reason}): ${copy ? `deleted copy job ${hold.copyJob}; ` : ''}${released.restored ? `restored to ${hold.original}` : 'released'}${released.warning ? ` (${released.warning})` : ''}${left ? ` (${left})` : ''}`,
      );
    }
  }
}
