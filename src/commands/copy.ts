import { hostname } from 'node:os';
import { listCopies, type Copies } from '../apply/copies.js';
import { fightingTheScaleDown } from '../apply/fights.js';
import { checkScaleDownAllowed } from '../apply/hold.js';
import { findReusableCopy } from '../apply/reuse.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import { Cluster } from '../kube/cluster.js';
import { loadConnection, timerLimitError } from '../kube/config.js';
import { kindName, type V1Job } from '../kube/types.js';
import { buildCopyJob, type CopyOptions, type CopyPlan } from '../plan/copy-job.js';
import type { CopySession } from '../plan/copy-record.js';
import { randomSuffix } from '../plan/naming.js';
import { copySignature } from '../plan/signature.js';
import { printJob, printPod } from '../render/copy-output.js';
import { parseOutputFormat, type OutputFormat } from '../render/output.js';
import { createProgress, type Progress } from '../render/progress.js';
import type { IOStreams } from '../render/terminal.js';
import { resolveTarget, type ResolvedTarget } from '../resolve/resolve.js';
import { scaleTargetFor, type ScaleTarget } from '../resolve/scale-target.js';
import { collectStaleCopies } from '../session/collect-garbage.js';
import { createAndWait } from '../session/copy-pod.js';
import { guarded } from '../session/interrupt.js';
import { copyHoldingOriginal, previewScaleDown, type HoldContext, type ScaleDownCopyRequest } from '../session/scale-down-copy.js';
import { parseTarget, type Target } from '../target/parse.js';
import type { CopyFlags } from './copy-flags.js';
import { parseDurationSeconds, parseSetImages } from './flag-values.js';

/** Time for a CLI that gave up waiting to delete its copy before others may judge it stale. */
const READY_BY_MARGIN_MS = 10_000;

/** Everything a copy needs (the copy command's and `run`'s), derived from flags before any API call (kubectl's Options.Complete). */
export interface CopyRequest extends ScaleDownCopyRequest {
  flags: CopyFlags;
  target: Target;
  options: CopyOptions;
  dryRun: 'none' | 'client' | 'server';
  output: OutputFormat;
  /** --duration: end the foreground session after this long. */
  durationMs?: number;
}

export function complete(flags: CopyFlags): CopyRequest {
  const target = parseTarget(flags.target);
  const container = flags.container ?? target.container;
  if (flags.container && target.container && flags.container !== target.container) {
    throw new UsageError(`-c ${flags.container} contradicts the container in target ${flags.target}; give one of them`);
  }
  // kubectl's bare --dry-run (yargs gives it as '') is client; absent is none.
  const dryRun = flags.dryRun === undefined ? 'none' : flags.dryRun === '' ? 'client' : flags.dryRun;
  if (dryRun !== 'none' && dryRun !== 'client' && dryRun !== 'server') {
    throw new UsageError(`invalid --dry-run "${dryRun}"; expected none, client or server`);
  }
  const options: CopyOptions = {
    keepProbes: flags.keepProbes,
    excludeContainers: flags.excludeContainer,
    excludeInitContainers: flags.excludeInitContainer,
    setImages: parseSetImages(flags.setImage),
    ttlSeconds: parseDurationSeconds('ttl', flags.ttl),
    scaleDown: flags.scaleDown,
    keepLabels: flags.keepLabels,
    keepSchedulingRules: flags.keepSchedulingRules,
  };
  if (container !== undefined) options.container = container;
  if (flags.command.length > 0) options.command = { container, args: flags.command };
  return {
    flags,
    target,
    options,
    dryRun,
    detach: flags.detach,
    output: parseOutputFormat(flags.output, ['json', 'yaml', 'name']),
    podRunningTimeoutMs: parseDurationSeconds('pod-running-timeout', flags.podRunningTimeout) * 1000,
    durationMs: flags.duration === undefined ? undefined : parseDurationSeconds('duration', flags.duration) * 1000,
    leaseSeconds: parseDurationSeconds('lease-duration', flags.leaseDuration),
  };
}

/** Checks that need no cluster (kubectl's Options.Validate). */
export function validate(req: CopyRequest): void {
  validateShape(req);
  if (req.flags.container && req.flags.command.length === 0) {
    throw new UsageError(`-c ${req.flags.container} needs a command after --, e.g. -c ${req.flags.container} -- sleep infinity`);
  }
}

/** The checks of what the copy is and how long it lives, shared with `run`. */
export function validateShape(req: CopyRequest): void {
  if (req.options.ttlSeconds <= 0) throw new UsageError('--ttl must be positive: a copy may not live forever');
  if (req.podRunningTimeoutMs <= 0) throw new UsageError('--pod-running-timeout must be positive');
  if (req.durationMs !== undefined && req.durationMs <= 0) throw new UsageError('--duration must be positive');
  if ((req.detach || req.durationMs !== undefined) && !req.options.scaleDown) {
    throw new UsageError('--detach and --duration shape a --scale-down session; without --scale-down the copy always runs detached until --ttl');
  }
  if (req.detach && req.durationMs !== undefined) throw new UsageError('--duration ends a foreground session; it cannot be combined with --detach');
  if (req.leaseSeconds < 3) throw new UsageError('--lease-duration must be at least 3s');
  // Node fires a longer timer after 1 ms: a "30d" session would end (or renew) at once.
  const timers: Array<[string, number | undefined]> = [
    ['duration', req.durationMs],
    ['pod-running-timeout', req.podRunningTimeoutMs],
    ['lease-duration', req.leaseSeconds * 1000],
  ];
  for (const [flag, ms] of timers) {
    const tooLong = timerLimitError(flag, ms);
    if (tooLong) throw tooLong;
  }
}

export async function run(flags: CopyFlags, streams: IOStreams): Promise<void> {
  const req = complete(flags);
  validate(req);
  const cluster = new Cluster(loadConnection(req.flags));
  const progress = createProgress(streams.err, process.env);
  try {
    // Guarded: a signal must not kill the process between a write and its undo.
    await guarded(() => copyWith(cluster, req, streams, progress));
  } finally {
    progress.stop();
    cluster.close();
  }
}

async function copyWith(cluster: Cluster, req: CopyRequest, streams: IOStreams, progress: Progress): Promise<void> {
  const prepared = await prepareCopy(cluster, req, progress);
  const { resolved, plan, scaleTarget } = prepared;
  if (req.dryRun !== 'none') {
    printJob(streams.out, await previewCopy(cluster, req, prepared, progress), req.output, req.dryRun);
    return;
  }
  const reused = await copyToReuse(cluster, req, prepared, progress, '--detach');
  if (reused) {
    printPod(streams, reused.pod, { output: req.output, container: req.options.container });
    return;
  }
  if (!scaleTarget) {
    for (const warning of plan.warnings) progress.warn(warning);
    const pod = await createAndWait(cluster, plan.job, req.podRunningTimeoutMs, progress);
    progress.done(`copy of ${kindName(resolved)} is Running: pod ${pod.metadata?.name}`);
    printPod(streams, pod, { output: req.output, container: req.options.container });
    return;
  }
  await copyHoldingOriginal(cluster, req, progress, holdContext(prepared, scaleTarget), async (pod, session) => {
    printPod(streams, pod, { output: req.output, container: req.options.container });
    if (req.detach) return 'detach';
    progress.done(`holding ${session.kindName} scaled down while the copy runs; Ctrl-C ends the session and restores it`);
    const reason = await session.holdUntilEnd(pod.metadata!.name!, req.durationMs);
    progress.done(`session ended: ${reason}`);
    return 'end';
  });
}

/** What every copy starts from (`copy` and `run`): the target read, the Job planned, --scale-down's checks passed. Nothing written yet. */
export interface PreparedCopy {
  resolved: ResolvedTarget;
  user: string;
  /** Recorded on the copy: the same request again finds it for reuse. */
  signature: string;
  now: Date;
  plan: CopyPlan;
  jobName: string;
  planCopy: HoldContext['planCopy'];
  scaleTarget?: ScaleTarget;
  /** The namespace's copies, listed alongside the target read (none for a dry run, which reuses nothing). */
  copies: Promise<Copies>;
  /** --scale-down: what would scale the original back up, asked alongside its checks. */
  fightWarnings: Promise<string[]>;
}

/** What a copy request needs to prepare and make a copy, whichever command makes it. */
export type CopyRequestCore = Pick<CopyRequest, 'target' | 'options' | 'podRunningTimeoutMs' | 'dryRun'>;

export async function prepareCopy(cluster: Cluster, req: CopyRequestCore, progress: Progress): Promise<PreparedCopy> {
  const namespace = cluster.connection.namespace;
  // Needs only the namespace: sent with the first requests rather than a round trip after them.
  const copies = req.dryRun === 'none' ? listCopies(cluster, namespace) : Promise.resolve<Copies>({ copies: [], damaged: [] });
  copies.catch(() => undefined); // awaited by copyToReuse; a failed read before then is not unhandled
  const [resolved, user] = await Promise.all([resolveTarget(cluster, req.target, namespace), cluster.whoAmI()]);
  if (resolved.via) progress.done(resolved.via);
  const owner = { user, host: hostname() };
  const signature = copySignature(resolved, req.options, user);
  // The API server's clock: expiries are judged on it by everyone, whatever their laptop says.
  const now = cluster.now();
  const suffix = randomSuffix();
  const planCopy = (session?: CopySession, mountClaims?: boolean) =>
    buildCopyJob({
      // Past this, a copy whose pod nobody was told about is stale (its CLI died waiting).
      readyBy: new Date(cluster.now().getTime() + req.podRunningTimeoutMs + READY_BY_MARGIN_MS),
      target: resolved,
      template: resolved.template,
      claimTemplateNames: resolved.claimTemplateNames,
      claims: resolved.claims,
      mountClaims,
      options: req.options,
      owner,
      now,
      suffix,
      signature,
      session,
    });
  // Planned once up front: a wrong container name fails here, before anything is written.
  const plan = planCopy();
  const jobName = plan.job.metadata!.name!;

  const scaleTarget = req.options.scaleDown ? await scaleTargetFor(cluster, resolved) : undefined;
  let fightWarnings: Promise<string[]> = Promise.resolve([]);
  if (scaleTarget) {
    if (scaleTarget.note) progress.done(scaleTarget.note);
    // Asked together with the checks (one wait); heard only once they pass.
    fightWarnings = fightingTheScaleDown(cluster, scaleTarget);
    fightWarnings.catch(() => undefined);
    await checkScaleDownAllowed(cluster, scaleTarget);
  }
  // After the scale-down checks: a refused --scale-down is its one error line, not a note and an error.
  for (const note of resolved.notes ?? []) progress.step(note);
  return { resolved, user, signature, now, plan, jobName, planCopy, scaleTarget, copies, fightWarnings };
}

/** --dry-run: the warnings (and with --scale-down what would be held) a real run would give; the Job it would create (as the server would, for server). */
export async function previewCopy(cluster: Cluster, req: CopyRequestCore, { plan, scaleTarget, fightWarnings }: PreparedCopy, progress: Progress): Promise<V1Job> {
  if (!scaleTarget) for (const warning of plan.warnings) progress.warn(warning);
  else await previewScaleDown(cluster, scaleTarget, await fightWarnings, progress);
  return req.dryRun === 'server' ? await cluster.createJob(plan.job, true) : plan.job;
}

/**
 * Your live copy of the same request, unless --new (after the cheap gc pass over the copies
 * listed). `foregroundHint` names the flag that reuses a detached --scale-down copy.
 */
export async function copyToReuse(
  cluster: Cluster,
  req: CopyRequestCore & { flags: { new: boolean }; detach: boolean },
  { resolved, user, signature, scaleTarget, copies }: PreparedCopy,
  progress: Progress,
  foregroundHint: string,
): Promise<Awaited<ReturnType<typeof findReusableCopy>>> {
  const live = await collectStaleCopies(cluster, (await copies).copies, (line) => progress.done(line));
  if (req.flags.new) return undefined;
  const reused = await findReusableCopy(cluster, live, { signature, user });
  // A foreground session restores the original when it ends; a detached copy holds it until its
  // --ttl. Handing that copy out would end "the session" at once and leave the original at 0.
  if (reused && scaleTarget && !req.detach) {
    const job = reused.job;
    throw new CliError(
      `your detached copy job ${job} already holds ${kindName(scaleTarget)} scaled down (pod ${reused.pod.metadata?.name}, until ${reused.expiresAt.toISOString()}); ` +
        `reuse it with ${foregroundHint}, or end it first with "kubectl copy-target delete ${job} -n ${resolved.namespace}"`,
      ExitCode.held,
    );
  }
  if (reused) {
    progress.done(`reusing copy pod ${reused.pod.metadata?.name} of ${kindName(resolved)}, which expires at ${reused.expiresAt.toISOString()} (pass --new for a fresh one)`);
  }
  return reused;
}

/** The --scale-down flow's context, from a prepared copy. */
export const holdContext = ({ resolved, user, now, plan, jobName, planCopy, fightWarnings }: PreparedCopy, scaleTarget: ScaleTarget): HoldContext => ({
  resolved,
  scaleTarget,
  user,
  now,
  expiresAt: plan.expiresAt,
  jobName,
  planCopy,
  fightWarnings,
});
