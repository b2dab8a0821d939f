import { releaseHold } from '../apply/hold.js';
import { describeDamagedCopy, isFinished, listCopies, type Copy } from '../apply/copies.js';
import { CliError, messageOf } from '../errors.js';
import type { Cluster } from '../kube/cluster.js';
import { damagedHoldMessage, isDamaged, readHold, SCALABLE_KINDS, staleCopyReason, staleReason, HoldKeys } from './hold.js';

/** Deletes one copy and, if it holds a scale-down, restores the original. Returns what was done. */
export async function removeCopy(cluster: Cluster, copy: Copy): Promise<string> {
  const ns = copy.job.metadata!.namespace!;
  const jobName = copy.job.metadata!.name!;
  await cluster.deleteJob(ns, jobName);
  const session = copy.record.session;
  if (!session) return `deleted copy job ${jobName}`;
  const kind = session.scaledKind;
  const released = await releaseHold(cluster, kind, ns, session.scaledName, session.id).catch((err: unknown) => {
    throw new CliError(`deleted copy job ${jobName}, but ${messageOf(err)}`);
  });
  const restored = released.restored ? `restored ${kind}/${session.scaledName}` : `${kind}/${session.scaledName} was no longer held by it`;
  return `deleted copy job ${jobName}; ${restored}${released.warning ? ` (${released.warning})` : ''}`;
}

/**
 * The cheap pass every command makes over the copies it already listed: stale copies (expired,
 * finished, or whose session stopped renewing) are deleted and their originals restored.
 * Returns the copies that are still live.
 */
export async function collectStaleCopies(cluster: Cluster, copies: Copy[], report: (line: string) => void): Promise<Copy[]> {
  const now = new Date();
  const live: Copy[] = [];
  for (const copy of copies) {
    const reason = staleCopyReason(copy.record, isFinished(copy.job), now);
    if (!reason || copy.job.metadata?.deletionTimestamp) {
      if (!copy.job.metadata?.deletionTimestamp) live.push(copy);
      continue;
    }
    // One copy we may not clean (someone else's, forbidden) must not fail the command at hand.
    const done = await removeCopy(cluster, copy).catch((err: unknown) => `could not clean it up: ${messageOf(err)}`);
    report(`gc: copy job ${copy.job.metadata!.name} is stale (${reason}): ${done}`);
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
  const now = new Date();
  for (const kind of SCALABLE_KINDS) {
    // Only Rollouts may be missing altogether (no Argo Rollouts CRD: a 404); a 403 or a timeout is reported.
    const held = kind === 'rollout' ? ((await cluster.listIfServed(kind, namespace, `${HoldKeys.held}=true`)) ?? []) : await cluster.list(kind, namespace, `${HoldKeys.held}=true`);
    for (const object of held) {
      const ns = object.metadata.namespace as string;
      const name = object.metadata.name as string;
      const hold = readHold(object.metadata, kind);
      if (!hold) continue;
      if (isDamaged(hold)) {
        report(`gc: ${damagedHoldMessage(`${kind}/${name}`, ns, hold)}`);
        continue;
      }
      const jobExists = liveJobs.has(`${ns}/${hold.copyJob}`);
      const reason = staleReason(hold, now, jobExists);
      if (!reason) continue;
      if (jobExists) await cluster.deleteJob(ns, hold.copyJob);
      const released = await releaseHold(cluster, kind, ns, name, hold.session);
      report(
        `gc: hold on ${kind}/${name} in ${ns} is stale (${reason}): ${released.restored ? `restored to ${hold.original}` : 'released'}${released.warning ? ` (${released.warning})` : ''}`,
      );
    }
  }
}
