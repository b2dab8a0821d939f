import { randomBytes } from 'node:crypto';
import { recordEvent } from '../apply/events.js';
import { acquireHold, releaseHold, renewHold } from '../apply/hold.js';
import { CliError, messageOf } from '../errors.js';
import { faultPoint } from '../fault.js';
import type { Cluster } from '../kube/cluster.js';
import { kindName } from '../kube/types.js';
import { CopyKeys } from '../plan/copy-record.js';
import { humanDuration } from '../render/duration.js';
import type { Progress } from '../render/progress.js';
import type { ScaleTarget } from '../resolve/scale-target.js';
import { suspends, type Hold } from '../plan/hold-record.js';
import { untilCopyPodGone, watchCopyPod } from './copy-pod.js';
import { whenInterrupted } from './interrupt.js';
import { Renewer } from './renewer.js';
import { retryWhileUnreachable } from './retry-while-unreachable.js';

export const newSessionId = (): string => randomBytes(6).toString('hex');

/** How long the end of a session keeps trying to restore while the API server cannot be reached. */
const RESTORE_RETRY_MS = 20_000;

/**
 * One --scale-down session: holds the original at zero while the copy lives, renews the lease
 * while the CLI runs, and restores the original when it ends — whatever ends it. `end()` is safe
 * to call at any point: it undoes exactly what has been done.
 */
export class ScaleDownSession {
  private readonly renewer: Renewer;
  private held = false;
  private jobCreated = false;
  private lost = false;
  private onLost: (() => void) | undefined;
  /** When the lease was last taken or renewed, and the last renewal's failure since then, for the live line. */
  private renewed = new Date();
  private renewFailure: { at: Date; message: string } | undefined;
  /** Holding in the foreground: renewal failures go to the live line on a terminal. */
  private holding = false;
  /** The scale-down's Event, sent beside the next steps rather than before them; settled before the session ends or detaches. */
  private scaledDownEvent: Promise<unknown> = Promise.resolve();
  readonly kindName: string;

  constructor(
    private readonly cluster: Cluster,
    readonly target: ScaleTarget,
    readonly hold: Hold,
    private readonly leaseMs: number,
    private readonly progress: Progress,
  ) {
    this.kindName = kindName(target);
    this.renewer = new Renewer(Math.max(1000, leaseMs / 3), (signal) => this.renew(signal), leaseMs);
  }

  /** Takes the hold (exit 3 when someone else has it) and starts renewing the lease. */
  async acquire(): Promise<void> {
    const { tookOver } = await acquireHold(this.cluster, this.target, this.hold, () => {
      this.held = true;
      this.renewed = new Date();
      this.renewer.start();
    });
    if (tookOver) {
      this.progress.done(
        `took over a stale hold on ${this.kindName} from ${tookOver.hold.user}@${tookOver.hold.host} (${tookOver.reason}); its copy was deleted and ${this.kindName} will be restored to ${this.hold.original} when this session ends${this.hold.original === tookOver.hold.original ? '' : ` (as someone set it while the hold was stale, not the ${tookOver.hold.original} it recorded)`}`,
      );
      // Only as judged: if it changed since, its session is alive after all and ends itself on
      // its next renewal, when it finds the hold gone.
      await this.cluster.deleteJob({ namespace: this.target.namespace, name: tookOver.hold.copyJob }, tookOver.copyJobVersion).catch((err: unknown) => {
        this.progress.warn(`could not delete the stale copy job ${tookOver.hold.copyJob}: ${messageOf(err)}`);
      });
    }
    const what = suspends(this.target.kind) ? 'suspended' : `scaled to 0 (was ${this.hold.original})`;
    this.progress.done(`${this.kindName} ${what}`);
    this.scaledDownEvent = recordEvent(this.cluster, this.target, 'CopyTargetScaledDown', `${what} by ${this.hold.user}@${this.hold.host} for copy job ${this.hold.copyJob} (session ${this.hold.session})`);
  }

  /** Fails when the hold was lost (taken over after a lease gap), before anything is built on it. */
  assertHeld(): void {
    if (this.lost) throw new CliError(`the hold on ${this.kindName} was taken over by another session; try again`);
  }

  /** The copy Job exists from now on (true), or was deleted (false). */
  setJobCreated(created: boolean): void {
    this.jobCreated = created;
  }

  /** Rejects when the renewal failed (after saying so), so the renewer retries it while the lease holds. */
  private async renew(signal: AbortSignal): Promise<void> {
    const leaseExpires = new Date(this.cluster.now().getTime() + this.leaseMs);
    const ns = this.target.namespace;
    try {
      const [held] = await Promise.all([
        renewHold(this.cluster, this.target, { session: this.hold.session, leaseExpires, signal }),
        this.jobCreated ? this.cluster.annotateJob({ namespace: ns, name: this.hold.copyJob }, { [CopyKeys.leaseExpires]: leaseExpires.toISOString() }, { signal }) : undefined,
      ]);
      if (!held) {
        this.lost = true;
        this.onLost?.();
      } else {
        this.renewed = new Date();
        this.renewFailure = undefined;
      }
    } catch (err) {
      const message = `could not renew the lease on ${this.kindName} (will retry): ${messageOf(err)}`;
      // While holding on a terminal the live line says so; elsewhere it is a line of its own.
      if (this.holding && this.progress.interactive) this.renewFailure = { at: new Date(), message };
      else this.progress.step(message);
      throw err;
    }
  }

  /** A renewal in flight must not land after what comes next: this waits for it. */
  private stopRenewing(): Promise<void> {
    return this.renewer.stop();
  }

  /** Hands the hold to the copy's lifetime (--detach): it lasts until the copy expires or is deleted. */
  async detach(until: Date): Promise<void> {
    await Promise.all([this.stopRenewing(), this.scaledDownEvent]);
    const ns = this.target.namespace;
    const held = await renewHold(this.cluster, this.target, { session: this.hold.session, leaseExpires: until, detached: true });
    if (!held) {
      this.lost = true;
      this.assertHeld();
    }
    await this.cluster.annotateJob({ namespace: ns, name: this.hold.copyJob }, { [CopyKeys.leaseExpires]: until.toISOString(), [CopyKeys.detached]: 'true' });
    this.held = false; // from now on the copy owns the hold: delete or gc restores it
  }

  /**
   * Waits in the foreground until Ctrl-C/SIGTERM/SIGHUP, --duration, the copy pod dying, or the
   * hold being lost. Returns what ended it.
   */
  async holdUntilEnd(podName: string, durationMs: number | undefined): Promise<string> {
    let stopWatch: (() => void) | undefined;
    let durationTimer: NodeJS.Timeout | undefined;
    let liveTimer: NodeJS.Timeout | undefined;
    // The copy pod was Running when the session started holding; the watch keeps this current.
    let phase = 'Running';
    const showLive = (): void => this.progress.live(this.liveLine(podName, phase));
    this.holding = true;
    if (this.progress.interactive) {
      showLive();
      // Once a second, so "renewed 4s ago" counts; the watch and lease timer keep the process alive.
      liveTimer = setInterval(showLive, 1000);
      liveTimer.unref();
    }
    try {
      return await new Promise<string>((resolve) => {
        void whenInterrupted().then(resolve);
        if (durationMs !== undefined) durationTimer = setTimeout(() => resolve('--duration elapsed'), durationMs);
        stopWatch = this.watchCopy(podName, {
          ended: resolve,
          phase: (now) => {
            phase = now;
            if (liveTimer !== undefined) showLive();
          },
        });
      });
    } finally {
      this.holding = false;
      clearInterval(liveTimer);
      clearTimeout(durationTimer);
      stopWatch?.();
    }
  }

  /**
   * Watches what the session needs to go on: the copy pod (Running) and the hold. `ended` is told
   * when the pod is deleted or stops running, or the hold is taken over. Returns the stop.
   */
  watchCopy(podName: string, on: { ended: (reason: string) => void; phase?: (phase: string) => void }): () => void {
    this.onLost = () => on.ended(`the hold on ${this.kindName} was taken over by another session`);
    if (this.lost) this.onLost();
    const stopWatch = watchCopyPod(this.cluster, { namespace: this.target.namespace, name: podName }, on);
    return () => {
      this.onLost = undefined;
      stopWatch();
    };
  }

  /** The one line a held session shows on a terminal: what is held, the copy pod, the lease, how to end it. */
  private liveLine(podName: string, phase: string, now = new Date()): string {
    const held = `holding ${this.kindName} ${suspends(this.target.kind) ? 'suspended' : 'at 0'}`;
    const lease = `lease renewed ${humanDuration(now.getTime() - this.renewed.getTime())} ago`;
    const failure = this.renewFailure ? ` · ${this.renewFailure.message}` : '';
    return `${held} · pod ${podName} ${phase} · ${lease} · Ctrl-C to end and restore${failure}`;
  }

  /**
   * Deletes the copy and restores the original (only if the hold still names this session).
   * Does only what is needed: nothing before the hold was taken, no delete before the Job exists.
   */
  async end(): Promise<void> {
    // The scaled-down Event lands before the restored one, so `kubectl describe` tells them in order.
    await Promise.all([this.stopRenewing(), this.scaledDownEvent]);
    const ns = this.target.namespace;
    // An API server that is away (restarting) gets RESTORE_RETRY_MS to come back.
    const deadline = Date.now() + RESTORE_RETRY_MS;
    const retrying = <T>(work: () => Promise<T>) =>
      retryWhileUnreachable(work, deadline, () => this.progress.step(`the API server cannot be reached; retrying for up to ${RESTORE_RETRY_MS / 1000}s`));
    if (!this.held) {
      if (this.jobCreated) await retrying(() => this.cluster.deleteJob({ namespace: ns, name: this.hold.copyJob }));
      return;
    }
    // The restore must happen even if deleting the copy fails (e.g. forbidden); that error is
    // reported after it.
    this.progress.step(this.jobCreated ? `deleting copy job ${this.hold.copyJob} and restoring ${this.kindName}` : `restoring ${this.kindName}`);
    let deleteFailure: unknown;
    if (this.jobCreated) {
      await retrying(() => this.cluster.deleteJob({ namespace: ns, name: this.hold.copyJob })).catch((err: unknown) => (deleteFailure = err));
      // The original comes back only once the copy's pod is gone (a volume, a singleton consumer);
      // a Job that could not be deleted keeps its pod, so there is nothing to wait for then.
      if (!deleteFailure) {
        const left = await untilCopyPodGone(this.cluster, { namespace: ns, name: this.hold.copyJob }, this.kindName, (line) => this.progress.step(line));
        if (left) this.progress.warn(left);
      }
    }
    await faultPoint('during-restore');
    let released;
    try {
      released = await retrying(() => releaseHold(this.cluster, this.target, { session: this.hold.session }));
    } catch (err) {
      throw new CliError(
        `could not restore ${this.kindName} (${messageOf(err)}); it stays scaled down until "kubectl copy-target gc -n ${this.target.namespace}" succeeds`,
      );
    }
    this.held = false;
    const deleted = this.jobCreated && !deleteFailure ? `deleted copy job ${this.hold.copyJob}; ` : '';
    if (released.warning) this.progress.warn(released.warning);
    if (released.restored) {
      const what = released.warning ? 'released (scale left as someone else set it)' : suspends(this.target.kind) ? `restored (suspend=${this.hold.original})` : `restored to ${this.hold.original} replicas`;
      this.progress.done(`${deleted}${this.kindName} ${what}`);
      await recordEvent(this.cluster, this.target, 'CopyTargetRestored', `${what} after copy job ${this.hold.copyJob} of ${this.hold.user}@${this.hold.host} ended (session ${this.hold.session})`);
    } else {
      this.progress.done(`${deleted}${this.kindName} is held by another session now, left as it is`);
    }
    if (deleteFailure) throw deleteFailure;
  }
}
