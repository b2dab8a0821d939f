import { hostname } from 'node:os';
import { judgeHold } from '../apply/hold.js';
import { waitForOriginalPodsGone } from '../apply/original-pods.js';
import { faultPoint } from '../fault.js';
import type { Cluster } from '../kube/cluster.js';
import { kindName, type V1Pod } from '../kube/types.js';
import type { CopyPlan } from '../plan/copy-job.js';
import type { CopySession } from '../plan/copy-record.js';
import type { Hold } from '../plan/hold-record.js';
import { namespaceFlag, plural } from '../render/copy-output.js';
import { humanDuration } from '../render/duration.js';
import type { Progress } from '../render/progress.js';
import type { ResolvedTarget } from '../resolve/resolve.js';
import type { ScaleTarget } from '../resolve/scale-target.js';
import { cleanUp, createAndWait } from './copy-pod.js';
import { throwIfInterrupted, untilInterrupted } from './interrupt.js';
import { newSessionId, ScaleDownSession } from './session.js';

/** What the --scale-down flow needs of the copy command's request. */
export interface ScaleDownCopyRequest {
  leaseSeconds: number;
  podRunningTimeoutMs: number;
  /** The copy is made detached (--detach): its hold lasts until --ttl from the start. */
  detach: boolean;
}

/**
 * What is done with the copy once it is Running, while the session holds the original (`copy`:
 * print it, then hold until Ctrl-C or --duration; `run`: run the local command). Resolves with how
 * the session ends: 'end' deletes the copy and restores the original, 'detach' hands the hold to
 * the copy's lifetime (until --ttl or `delete`). A rejection ends it as 'end' does.
 */
export type UseHeldCopy = (pod: V1Pod, session: ScaleDownSession) => Promise<'end' | 'detach'>;

/** --dry-run with --scale-down: what a real run would do and say, and its refusals, writing nothing. */
export async function previewScaleDown(cluster: Cluster, target: ScaleTarget, fightWarnings: string[], progress: Progress): Promise<void> {
  for (const warning of fightWarnings) progress.warn(warning);
  const named = kindName(target);
  const { original, tookOver } = await judgeHold(cluster, target, target.object);
  if (tookOver) progress.say(`would take over the stale hold of ${tookOver.hold.user} on ${named} (${tookOver.reason}) and restore ${original} at the end`);
  const change = typeof original === 'boolean' ? `suspend ${named} (suspend was ${original})` : `scale ${named} to 0 (was ${original})`;
  progress.say(`would ${change} while the copy lives, and restore it afterwards`);
}

export interface HoldContext {
  resolved: ResolvedTarget;
  scaleTarget: ScaleTarget;
  user: string;
  now: Date;
  expiresAt: Date;
  jobName: string;
  /** `mountClaims`: the original's pods are gone, so the copy may mount their StatefulSet claims. */
  planCopy: (session?: CopySession, mountClaims?: boolean) => CopyPlan;
  /** What would scale the original back up (apply/fights.ts), asked before the hold is taken. */
  fightWarnings: Promise<string[]>;
}

/**
 * --scale-down: take the hold, make the copy, then `use` it (hold in the foreground, run a
 * command) and end or detach as it says. From the hold's write on, one try/finally: whatever
 * happens, end() undoes exactly what was done.
 */
export async function copyHoldingOriginal(
  cluster: Cluster,
  req: ScaleDownCopyRequest,
  progress: Progress,
  ctx: HoldContext,
  use: UseHeldCopy,
): Promise<void> {
  const { resolved, scaleTarget, expiresAt, jobName } = ctx;
  for (const warning of await ctx.fightWarnings) progress.warn(warning);
  const leaseMs = req.leaseSeconds * 1000;
  const hold: Hold = {
    session: newSessionId(),
    copyJob: jobName,
    user: ctx.user,
    host: hostname(),
    since: ctx.now,
    leaseExpires: new Date(cluster.now().getTime() + leaseMs),
    original: 0,
    detached: false,
  };
  const session = new ScaleDownSession(cluster, scaleTarget, hold, leaseMs, progress);
  let failure: unknown;
  let detached = false;
  try {
    throwIfInterrupted(`scaling down ${session.kindName}`);
    await session.acquire();
    // Nothing may compete with the copy (and a StatefulSet's volumes must be free to mount).
    let waited = false;
    let lastLine = '';
    await untilInterrupted(
      (abort) =>
        waitForOriginalPodsGone(cluster, scaleTarget, req.podRunningTimeoutMs, abort, ({ names, graceEndsAt }) => {
          waited = true;
          // Only a grace period still to run is worth a line: one that has ended says nothing.
          const graceLeftMs = graceEndsAt ? graceEndsAt.getTime() - cluster.now().getTime() : 0;
          const grace = graceLeftMs >= 1000 ? ` (grace period ends at ${graceEndsAt!.toISOString()}, in ${humanDuration(graceLeftMs)})` : '';
          const line = `waiting for ${plural(names.length, 'pod')} of ${session.kindName} to terminate${grace}`;
          if (line === lastLine) return;
          lastLine = line;
          progress.step(line);
        }),
      `waiting for the pods of ${session.kindName} to terminate`,
    );
    if (waited) progress.done(`the pods of ${session.kindName} terminated`);
    session.assertHeld();
    await faultPoint('after-hold');
    const record: CopySession = {
      id: hold.session,
      scaledKind: scaleTarget.kind,
      scaledName: scaleTarget.name,
      detached: req.detach,
      // Computed now, not at the start: the StatefulSet wait may have outlasted a lease.
      leaseExpires: req.detach ? expiresAt : new Date(cluster.now().getTime() + leaseMs),
    };
    const plan = ctx.planCopy(record, scaleTarget.kind === 'statefulset');
    for (const warning of plan.warnings) progress.warn(warning);
    const pod = await createAndWait(cluster, plan.job, req.podRunningTimeoutMs, progress, (created) => session.setJobCreated(created));
    progress.done(`copy of ${kindName(resolved)} is Running: pod ${pod.metadata?.name}`);
    if ((await use(pod, session)) === 'detach') {
      await session.detach(expiresAt);
      detached = true;
      await faultPoint('after-detach');
      progress.done(`detached: ${session.kindName} stays scaled down until the copy expires in ${humanDuration(expiresAt.getTime() - cluster.now().getTime())}`);
      progress.say(`  end it sooner: kubectl copy-target delete ${jobName}${namespaceFlag(resolved.namespace)}`);
    }
  } catch (err) {
    failure = err;
  } finally {
    if (!detached) {
      if (failure) await cleanUp(progress, () => session.end());
      else await session.end();
    }
  }
  if (failure) throw failure;
}
