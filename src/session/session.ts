import { randomBytes } from 'node:crypto';
import { podState } from '../apply/pod-state.js';
import { acquireHold, releaseHold, renewHold } from '../apply/hold.js';
import { recordEvent } from '../apply/events.js';
import type { Cluster } from '../kube/cluster.js';
import { CopyKeys } from '../plan/labels.js';
import type { Progress } from '../render/progress.js';
import type { ScaleTarget } from '../resolve/scale-target.js';
import { suspends, type Hold } from './hold.js';
import { nextSignal } from './interrupt.js';

export const newSessionId = (): string => randomBytes(6).toString('hex');

/**
 * One --scale-down session: holds the original at zero while the copy lives, renews the lease
 * while the CLI runs, and restores the original when it ends — whatever ends it.
 */
export class ScaleDownSession {
  private timer: NodeJS.Timeout | undefined;
  private jobCreated = false;
  private lost = false;
  private onLost: (() => void) | undefined;
  readonly kindName: string;

  constructor(
    private readonly cluster: Cluster,
    readonly target: ScaleTarget,
    readonly hold: Hold,
    private readonly leaseMs: number,
    private readonly progress: Progress,
  ) {
    this.kindName = `${target.kind}/${target.name}`;
  }

  /** Takes the hold (exit 3 when someone else has it) and starts renewing the lease. */
  async acquire(): Promise<void> {
    const { tookOver } = await acquireHold(this.cluster, this.target, this.hold, () => new Date());
    if (tookOver) {
      this.progress.step(
        `took over a stale hold on ${this.kindName} from ${tookOver.hold.user}@${tookOver.hold.host} (${tookOver.reason}); its copy was deleted and ${this.kindName} will be restored to ${tookOver.hold.original} when this session ends`,
      );
    }
    const what = suspends(this.target.kind) ? 'suspended' : `scaled to 0 (was ${this.hold.original})`;
    this.progress.step(`${this.kindName} ${what}`);
    await recordEvent(this.cluster, this.target, 'CopyTargetScaledDown', `${what} by ${this.hold.user}@${this.hold.host} for copy job ${this.hold.copyJob} (session ${this.hold.session})`);
    this.timer = setInterval(() => void this.renew(), Math.max(1000, this.leaseMs / 3));
    this.timer.unref();
  }

  /** The copy Job exists from now on, so its lease annotation is renewed too. */
  jobExists(): void {
    this.jobCreated = true;
  }

  private async renew(): Promise<void> {
    const leaseExpires = new Date(Date.now() + this.leaseMs);
    const ns = this.target.namespace;
    try {
      const [held] = await Promise.all([
        renewHold(this.cluster, this.target.kind, ns, this.target.name, this.hold.session, leaseExpires),
        this.jobCreated ? this.cluster.annotateJob(ns, this.hold.copyJob, { [CopyKeys.leaseExpires]: leaseExpires.toISOString() }) : undefined,
      ]);
      if (!held) {
        this.lost = true;
        this.onLost?.();
      }
    } catch (err) {
      this.progress.step(`could not renew the lease on ${this.kindName} (will retry): ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Hands the hold to the copy's lifetime (--detach): the lease lasts until the copy expires. */
  async detach(until: Date): Promise<void> {
    this.stopRenewing();
    await renewHold(this.cluster, this.target.kind, this.target.namespace, this.target.name, this.hold.session, until);
    if (this.jobCreated) {
      await this.cluster.annotateJob(this.target.namespace, this.hold.copyJob, { [CopyKeys.leaseExpires]: until.toISOString() });
    }
  }

  /**
   * Waits in the foreground until Ctrl-C/SIGTERM/SIGHUP, --duration, the copy pod dying, or the
   * hold being lost. Returns what ended it.
   */
  async holdUntilEnd(podName: string, durationMs: number | undefined): Promise<string> {
    const ns = this.target.namespace;
    const signal = nextSignal();
    let watching: Promise<() => void> | undefined;
    let durationTimer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<string>((resolve, reject) => {
        signal.signal.then((s) => resolve(`received ${s}`));
        if (durationMs !== undefined) durationTimer = setTimeout(() => resolve('--duration elapsed'), durationMs);
        this.onLost = () => resolve(`the hold on ${this.kindName} was taken over by another session`);
        if (this.lost) this.onLost();
        watching = this.cluster.watch(
          `/api/v1/namespaces/${ns}/pods`,
          { fieldSelector: `metadata.name=${podName}` },
          (type, pod) => {
            if (type === 'DELETED') resolve(`copy pod ${podName} was deleted`);
            else if (podState(pod).state === 'failed') resolve(`copy pod ${podName} stopped running`);
          },
          (err) => {
            if (err && (err as Error).name !== 'AbortError') resolve(`lost the watch on copy pod ${podName}`);
          },
        );
        watching.catch(reject);
      });
    } finally {
      signal.stop();
      clearTimeout(durationTimer);
      // The watch may still be connecting: stop it whenever it is up, or it keeps the process alive.
      void watching?.then((stop) => stop(), () => undefined);
    }
  }

  private stopRenewing(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Deletes the copy and restores the original (only if the hold still names this session). */
  async end(): Promise<void> {
    this.stopRenewing();
    // The restore must happen even if deleting the copy fails (e.g. forbidden); that error is
    // reported after it.
    let deleteFailure: unknown;
    if (this.jobCreated) {
      await this.cluster.deleteJob(this.target.namespace, this.hold.copyJob).catch((err: unknown) => (deleteFailure = err));
    }
    const released = await releaseHold(this.cluster, this.target.kind, this.target.namespace, this.target.name, this.hold.session);
    if (released.warning) process.stderr.write(`Warning: ${released.warning}\n`);
    if (released.restored) {
      const what = released.warning ? 'released (scale left as someone else set it)' : suspends(this.target.kind) ? `restored (suspend=${this.hold.original})` : `restored to ${this.hold.original} replicas`;
      this.progress.done(`${this.jobCreated ? `deleted copy job ${this.hold.copyJob}; ` : ''}${this.kindName} ${what}`);
      await recordEvent(this.cluster, this.target, 'CopyTargetRestored', `${what} after copy job ${this.hold.copyJob} of ${this.hold.user}@${this.hold.host} ended (session ${this.hold.session})`);
    } else {
      this.progress.done(`${this.jobCreated ? `deleted copy job ${this.hold.copyJob}; ` : ''}${this.kindName} is held by another session now, left as it is`);
    }
    if (deleteFailure) throw deleteFailure;
  }
}
