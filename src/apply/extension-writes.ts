import { CliError } from '../errors.js';
import type { Cluster, JobRef, ObjectRef } from '../kube/cluster.js';
import { isConflict, isNotFound, toCliError } from '../kube/api-errors.js';
import { kindName, type V1Job } from '../kube/types.js';
import { isDamaged } from '../plan/annotation-values.js';
import { holdExtensionPatch, jobExtensionPatch } from '../plan/extension.js';
import { damagedHoldMessage, readHold } from '../plan/hold-record.js';
import { holdStaleReason } from '../plan/liveness.js';
import type { ScalableKind } from '../target/kinds.js';

/** The cluster writes of `extend`; what they write is planned in src/plan/extension.ts. */

const MAX_ATTEMPTS = 10;

/**
 * Writes a copy Job's new expiry, deadline and (detached) lease mirror, only on the Job as it was
 * judged live: undefined when it changed since (409), so the caller reads it and judges again.
 */
export async function patchCopyJob(
  cluster: Cluster,
  ref: JobRef,
  { resourceVersion, expiresAt, activeDeadlineSeconds, detached }: { resourceVersion: string; expiresAt: Date; activeDeadlineSeconds: number; detached: boolean },
): Promise<V1Job | undefined> {
  try {
    return await cluster.patch({ kind: 'job', ...ref }, jobExtensionPatch(resourceVersion, expiresAt, activeDeadlineSeconds, detached), 'application/merge-patch+json');
  } catch (err) {
    if (isConflict(err)) return undefined;
    if (isNotFound(err)) throw new CliError(`copy job ${ref.name} in namespace ${ref.namespace} is gone (deleted meanwhile)`);
    throw toCliError(err, cluster.connection.server, `extend copy job ${ref.name} in namespace ${ref.namespace}`);
  }
}

/** What became of the hold a copy's session took, when its copy was extended. */
export type HoldExtension =
  /** A detached hold, whose lease now lasts until the copy's new expiry (or already did). */
  | { held: 'detached' }
  /** A foreground session's hold: its CLI renews the lease while it runs, so it is left to it. */
  | { held: 'foreground' }
  /** The workload is no longer held for this copy: why, in a phrase. */
  | { held: 'not'; why: string };

/**
 * Moves a detached hold's lease to `leaseExpires`, only while the hold still names `session` and is
 * live on the API server's clock: a merge patch carrying the resourceVersion it was judged on; a
 * 409 (anyone wrote since) means read and judge again. Never shortens the lease. Throws when the
 * hold is stale: gc may be restoring the workload, and the copy goes with it.
 */
export async function extendHoldLease(
  cluster: Cluster,
  ref: ObjectRef<ScalableKind>,
  { session, copyJob, leaseExpires }: { session: string; copyJob: string; leaseExpires: Date },
): Promise<HoldExtension> {
  const named = kindName(ref);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const object = await cluster.find(ref);
    if (!object) return { held: 'not', why: `${named} is gone` };
    const hold = readHold(object.metadata, ref.kind);
    if (!hold) return { held: 'not', why: `${named} is no longer held (its hold was released)` };
    // Never acted on by a guess, but said in full: a person has to set it right.
    if (isDamaged(hold)) return { held: 'not', why: damagedHoldMessage(ref, hold) };
    if (hold.session !== session) return { held: 'not', why: `${named} is held by another session now (${hold.session}, copy job ${hold.copyJob})` };
    if (!hold.detached) return { held: 'foreground' };
    const stale = holdStaleReason(hold, cluster.now(), true);
    if (stale) {
      throw new CliError(
        `copy job ${copyJob} holds ${named} with a stale hold (${stale}), so it cannot be extended; "kubectl copy-target gc -n ${ref.namespace}" restores ${named} and removes the copy`,
      );
    }
    if (hold.leaseExpires >= leaseExpires) return { held: 'detached' };
    try {
      await cluster.patch(ref, holdExtensionPatch(object.metadata!.resourceVersion!, leaseExpires), 'application/merge-patch+json');
      return { held: 'detached' };
    } catch (err) {
      if (isConflict(err)) continue;
      throw toCliError(err, cluster.connection.server, `extend the scale-down hold of copy job ${copyJob} on ${named} in namespace ${ref.namespace}`);
    }
  }
  throw new CliError(`${named} kept changing while extending the hold of copy job ${copyJob} (${MAX_ATTEMPTS} conflicts); try again`);
}
