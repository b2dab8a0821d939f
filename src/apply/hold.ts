import { CliError, ExitCode, messageOf } from '../errors.js';
import { holdStaleReason } from '../plan/liveness.js';
import type { Cluster, KindObjects, ObjectRef } from '../kube/cluster.js';
import { kindName } from '../kube/types.js';
import { isConflict, isFailedPatchTest, isNotFound, toCliError } from '../kube/api-errors.js';
import type { ScaleTarget } from '../resolve/scale-target.js';
import {
  HoldKeys,
  SCALE_DOWN_FORBIDDEN,
  currentScale,
  damagedHoldMessage,
  describeHolder,
  holdTakingPatch,
  originalAfterTakeover,
  readHold,
  releasePatch,
  renewPatch,
  type Hold,
} from '../plan/hold-record.js';
import { isDamaged } from '../plan/annotation-values.js';
import { scaleDownDeletesData } from '../plan/scale-down-safety.js';
import type { ScalableKind } from '../target/kinds.js';

const MAX_ATTEMPTS = 10;

export interface Acquired {
  /**
   * The stale hold we took over, if any, and the resourceVersion its copy Job had when judged
   * (that copy is deleted only as it was then).
   */
  tookOver?: { hold: Hold; reason: string; copyJobVersion?: string };
}

/**
 * Takes the scale-down lock with ONE conditional write (see holdTakingPatch). A 409 means someone
 * wrote first: re-read and decide again, so two racers can never both win. `onTaken` runs as soon
 * as the write succeeded, so the caller knows it must restore whatever happens next.
 */
export async function acquireHold(cluster: Cluster, target: ScaleTarget, hold: Hold, onTaken: () => void): Promise<Acquired> {
  const named = kindName(target);
  let object = target.object;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) object = await cluster.read(target);
    const judged = await judgeHold(cluster, target, object, hold.session);
    hold.original = judged.original;
    try {
      const patch = holdTakingPatch(target.kind, object.metadata!.resourceVersion!, hold);
      target.object = await cluster.patch(target, patch, 'application/merge-patch+json');
    } catch (err) {
      if (isConflict(err)) continue;
      throw toCliError(err, cluster.connection.server, `scale down ${named} in namespace ${target.namespace}`);
    }
    onTaken();
    return { tookOver: judged.tookOver };
  }
  throw new CliError(`${named} kept changing while taking the scale-down hold (${MAX_ATTEMPTS} conflicts); try again`);
}

/**
 * What taking the hold on `object` would mean, decided without writing (a real run and a dry run
 * decide alike): the value to restore at the end, and the stale hold taken over if there is one.
 * Throws as the real run does when someone else holds it (exit 3) or the hold is damaged.
 */
export async function judgeHold(cluster: Cluster, target: ScaleTarget, object: KindObjects[ScalableKind], ownSession?: string): Promise<{ original: number | boolean; tookOver?: Acquired['tookOver'] }> {
  const named = kindName(target);
  const existing = readHold(object.metadata, target.kind);
  if (existing && isDamaged(existing)) throw new CliError(damagedHoldMessage(target, existing));
  if (!existing || existing.session === ownSession) return { original: currentScale(target.kind, object) };
  const job = await cluster.find({ kind: 'job', namespace: target.namespace, name: existing.copyJob });
  const reason = holdStaleReason(existing, cluster.now(), job !== undefined);
  if (!reason) {
    throw new CliError(
      `${describeHolder(existing, named)}; wait until that session ends or ask its owner to run "kubectl copy-target delete ${existing.copyJob} -n ${target.namespace}"`,
      ExitCode.held,
    );
  }
  return { original: originalAfterTakeover(target.kind, object, existing), tookOver: { hold: existing, reason, copyJobVersion: job?.metadata?.resourceVersion } };
}

/** True while the object's hold still names the session (damaged or not). */
async function stillHeldBy(cluster: Cluster, ref: ObjectRef<ScalableKind>, session: string): Promise<boolean> {
  const object = await cluster.find(ref);
  return object?.metadata?.annotations?.[HoldKeys.session] === session;
}

/**
 * Renews the lease (and with `detached`, marks the hold as living as long as its copy), only while
 * the hold still names this session. False when the hold was lost to another session.
 */
export async function renewHold(
  cluster: Cluster,
  ref: ObjectRef<ScalableKind>,
  { session, leaseExpires, detached, signal }: { session: string; leaseExpires: Date; detached?: boolean; signal?: AbortSignal },
): Promise<boolean> {
  try {
    await cluster.patch(ref, renewPatch(session, leaseExpires, detached), 'application/json-patch+json', { signal });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    // 422 is also what validation or an admission policy answers: only a changed session means "lost".
    if (isFailedPatchTest(err) && !(await stillHeldBy(cluster, ref, session))) return false;
    throw toCliError(err, cluster.connection.server, `renew the scale-down lease on ${kindName(ref)}`);
  }
}

export interface Released {
  /** False when the hold no longer named this session (someone took it over), so we left it alone. */
  restored: boolean;
  /** Set when the hold was judged stale but its session renewed the lease meanwhile: left alone. */
  renewed?: true;
  warning?: string;
  /** The workload as restored (for the event that says so). */
  object?: KindObjects[ScalableKind];
}

/**
 * Restores the original scale and removes our annotations, with a conditional write (JSON patch
 * whose first op tests that the annotations still name this session). Someone else's later
 * change of the scale wins over our restore (see releasePatch). gc and the stale-copy pass give
 * `ifLeaseExpires`, the lease they judged expired: a renewal landing since wins over them.
 */
export async function releaseHold(
  cluster: Cluster,
  ref: ObjectRef<ScalableKind>,
  { session, ifLeaseExpires }: { session: string; ifLeaseExpires?: string },
): Promise<Released> {
  const { kind, namespace } = ref;
  const named = kindName(ref);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const object = await cluster.find(ref);
    const annotations = object?.metadata?.annotations ?? {};
    if (annotations[HoldKeys.session] !== session) return { restored: false };
    if (ifLeaseExpires !== undefined && annotations[HoldKeys.leaseExpires] !== ifLeaseExpires) return { restored: false, renewed: true };
    const hold = readHold(object!.metadata, kind);
    // Restoring needs the recorded original: a damaged one is for a person to set right.
    if (hold && isDamaged(hold)) throw new CliError(damagedHoldMessage(ref, hold));
    // Stryker disable next-line ConditionalExpression,ObjectLiteral,BooleanLiteral: unreachable; the session annotation checked above makes readHold return a hold
    if (!hold) return { restored: false };
    const { patch, warning } = releasePatch(ref, object!, hold, ifLeaseExpires);
    try {
      const restored = await cluster.patch(ref, patch, 'application/json-patch+json');
      return { restored: true, warning, object: restored };
    } catch (err) {
      // A failed `test` (the object changed since we read it) is retried; any other refusal is final.
      const changed = isFailedPatchTest(err) && (await cluster.find(ref))?.metadata?.resourceVersion !== object!.metadata!.resourceVersion;
      if (changed || isConflict(err)) continue;
      throw toCliError(err, cluster.connection.server, `restore ${named} in namespace ${namespace}`);
    }
  }
  throw new CliError(`${named} kept changing while restoring it (${MAX_ATTEMPTS} conflicts); run "kubectl copy-target gc -n ${namespace}"`);
}

/**
 * Refuses --scale-down where it would delete data (exit 2: the command asks for what must not be
 * done), where the team said so, or where RBAC would. The policy and RBAC are asked at once (one
 * wait); the policy's refusal says more, so it is the one reported when both refuse.
 */
export async function checkScaleDownAllowed(cluster: Cluster, target: ScaleTarget): Promise<void> {
  const destroys = scaleDownDeletesData(target, target.object);
  if (destroys) throw new CliError(destroys, ExitCode.usage);
  const refusal = scaleDownRefusal(cluster, target);
  await checkScaleDownPolicy(cluster, target);
  const refused = await refusal;
  if (refused) throw refused;
}

/** Refuses --scale-down where the team said so, on the workload or its namespace. */
async function checkScaleDownPolicy(cluster: Cluster, target: ScaleTarget): Promise<void> {
  const named = kindName(target);
  if (target.object.metadata?.annotations?.[HoldKeys.policy] === SCALE_DOWN_FORBIDDEN) {
    throw new CliError(`${named} is annotated ${HoldKeys.policy}=${SCALE_DOWN_FORBIDDEN}; copy it without --scale-down`);
  }
  const namespace = await cluster.find({ kind: 'namespace', namespace: target.namespace, name: target.namespace }).catch(() => undefined);
  if (namespace?.metadata?.annotations?.[HoldKeys.policy] === SCALE_DOWN_FORBIDDEN) {
    throw new CliError(`namespace ${target.namespace} is annotated ${HoldKeys.policy}=${SCALE_DOWN_FORBIDDEN}; copy ${named} without --scale-down`);
  }
}

/** Where the roles are written down, for the error that says one is missing. */
const SCALE_DOWN_ROLE = 'copy-target-scale-down role (docs/rbac.yaml)';

/**
 * Whether the user may take the hold (patch the workload), asked before anything is written, so a
 * user without the scale-down role gets one line and an untouched cluster instead of a copy made
 * and undone. Never rejects: the answer is an error to throw, or undefined to go ahead (allowed,
 * or the server would not say and the real write will tell).
 */
async function scaleDownRefusal(cluster: Cluster, target: ScaleTarget): Promise<CliError | undefined> {
  try {
    const { allowed, resource } = await cluster.mayI('patch', target);
    if (allowed !== false) return undefined;
    return new CliError(`you cannot patch ${resource}/${target.name} in namespace ${target.namespace}: --scale-down needs the ${SCALE_DOWN_ROLE}`);
  } catch (err) {
    return err instanceof CliError ? err : new CliError(messageOf(err));
  }
}
