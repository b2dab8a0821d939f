import { randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import { fightingTheScaleDown } from '../apply/fights.js';
import { checkScaleDownPolicy, judgeHold, scaleDownRefusal } from '../apply/hold.js';
import { podState } from '../apply/pod-state.js';
import { waitForOriginalPodsGone } from '../apply/original-pods.js';
import { waitForCopyPod } from '../apply/wait-for-pod.js';
import { messageOf, UsageError } from '../errors.js';
import { faultPoint } from '../fault.js';
import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import type { V1Job, V1Pod } from '../kube/types.js';
import { toYaml } from '../kube/yaml.js';
import { buildCopyJob, type CopyOptions, type CopyPlan } from '../plan/copy-job.js';
import { CopyKeys, type CopySession } from '../plan/copy-record.js';
import { randomSuffixAlphabet } from '../plan/naming.js';
import { reusable } from '../plan/liveness.js';
import { copySignature } from '../plan/signature.js';
import { formatName, formatObjects, parseOutputFormat, type OutputFormat } from '../render/output.js';
import { humanDuration } from '../render/duration.js';
import { createProgress, type Progress } from '../render/progress.js';
import { warn, writeData, writeLine } from '../render/terminal.js';
import { resolveTarget, type ResolvedTarget } from '../resolve/resolve.js';
import { scaleTargetFor, type ScaleTarget } from '../resolve/scale-target.js';
import { collectStaleCopies } from '../session/collect-garbage.js';
import type { Hold } from '../plan/hold-record.js';
import { guarded, throwIfInterrupted, untilInterrupted } from '../session/interrupt.js';
import { newSessionId, ScaleDownSession } from '../session/session.js';
import { parseTarget, type Target } from '../target/parse.js';
import { jobState, listCopies, type Copy } from '../apply/copies.js';
import { parseDurationSeconds, parseSetImages } from './flag-values.js';
import type { CopyFlags } from './copy-flags.js';

/** Time for a CLI that gave up waiting to delete its copy before others may judge it stale. */
const READY_BY_MARGIN_MS = 10_000;

/** Everything `run` needs, derived from flags before any API call (kubectl's Options.Complete). */
interface CopyRequest {
  flags: CopyFlags;
  target: Target;
  options: CopyOptions;
  dryRun: 'none' | 'client' | 'server';
  output: OutputFormat;
  podRunningTimeoutMs: number;
  /** --duration: end a foreground --scale-down session after this long. */
  durationMs?: number;
  leaseSeconds: number;
}

export function complete(flags: CopyFlags): CopyRequest {
  const target = parseTarget(flags.target);
  const container = flags.container ?? target.container;
  if (flags.container && target.container && flags.container !== target.container) {
    throw new UsageError(`-c ${flags.container} contradicts the container in target ${flags.target}; give one of them`);
  }
  const dryRun = flags.dryRun;
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
    output: parseOutputFormat(flags.output, ['json', 'yaml', 'name']),
    podRunningTimeoutMs: parseDurationSeconds('pod-running-timeout', flags.podRunningTimeout) * 1000,
    durationMs: flags.duration === undefined ? undefined : parseDurationSeconds('duration', flags.duration) * 1000,
    leaseSeconds: parseDurationSeconds('lease-duration', flags.leaseDuration),
  };
}

/** Checks that need no cluster (kubectl's Options.Validate). */
export function validate(req: CopyRequest): void {
  if (req.options.ttlSeconds <= 0) throw new UsageError('--ttl must be positive: a copy may not live forever');
  if (req.podRunningTimeoutMs <= 0) throw new UsageError('--pod-running-timeout must be positive');
  if (req.durationMs !== undefined && req.durationMs <= 0) throw new UsageError('--duration must be positive');
  if ((req.flags.detach || req.durationMs !== undefined) && !req.options.scaleDown) {
    throw new UsageError('--detach and --duration shape a --scale-down session; without --scale-down the copy always runs detached until --ttl');
  }
  if (req.flags.detach && req.durationMs !== undefined) throw new UsageError('--duration ends a foreground session; it cannot be combined with --detach');
  if (req.leaseSeconds < 3) throw new UsageError('--lease-duration must be at least 3s');
  if (req.flags.container && req.flags.command.length === 0) {
    throw new UsageError(`-c ${req.flags.container} needs a command after --, e.g. -c ${req.flags.container} -- sleep infinity`);
  }
}

export async function run(flags: CopyFlags): Promise<void> {
  const req = complete(flags);
  validate(req);
  const progress = createProgress(process.stderr, process.env);
  try {
    // Guarded: a signal must not kill the process between a write and its undo.
    await guarded(() => copy(req, progress));
  } finally {
    progress.stop();
  }
}

async function copy(req: CopyRequest, progress: Progress): Promise<void> {
  const connection = loadConnection(req.flags);
  const cluster = new Cluster(connection);
  try {
    await copyWith(cluster, req, progress);
  } finally {
    cluster.close();
  }
}

async function copyWith(cluster: Cluster, req: CopyRequest, progress: Progress): Promise<void> {
  const namespace = cluster.connection.namespace;
  const [resolved, user] = await Promise.all([resolveTarget(cluster, req.target, namespace), cluster.whoAmI()]);
  if (resolved.via) progress.done(resolved.via);
  const owner = { user, host: hostname() };
  // Computed before claimVolumes are known, so the same request always has the same signature.
  const signature = copySignature(resolved, req.options, user);
  // The API server's clock: expiries are judged on it by everyone, whatever their laptop says.
  const now = cluster.now();
  const suffix = randomSuffix();
  const planCopy = (session?: CopySession, claimVolumes?: Record<string, string>) =>
    buildCopyJob({
      // Past this, a copy whose pod nobody was told about is stale (its CLI died waiting).
      readyBy: new Date(cluster.now().getTime() + req.podRunningTimeoutMs + READY_BY_MARGIN_MS),
      target: resolved,
      template: resolved.template,
      claimTemplateNames: resolved.claimTemplateNames,
      options: { ...req.options, claimVolumes },
      owner,
      now,
      suffix,
      signature,
      session,
    });
  // Planned once up front: a wrong container name fails here, before anything is written.
  const plan = planCopy();
  const jobName = plan.job.metadata!.name!;
  const expiresAt = new Date(now.getTime() + req.options.ttlSeconds * 1000);

  const scaleTarget = req.options.scaleDown ? await scaleTargetFor(cluster, resolved) : undefined;
  if (scaleTarget) {
    if (scaleTarget.note) progress.done(scaleTarget.note);
    // Asked alongside the policy read (one request, no extra wait); the policy's refusal says more, so it comes first.
    const refusal = scaleDownRefusal(cluster, scaleTarget);
    await checkScaleDownPolicy(cluster, scaleTarget);
    const refused = await refusal;
    if (refused) throw refused;
  }
  // After the scale-down checks: a refused --scale-down is its one error line, not a note and an error.
  for (const note of resolved.notes ?? []) progress.step(note);

  if (req.dryRun !== 'none') {
    if (!scaleTarget) for (const warning of plan.warnings) warn(warning);
    else await previewScaleDown(cluster, scaleTarget);
    const job = req.dryRun === 'server' ? await cluster.createJob(plan.job, true) : plan.job;
    printJob(job, req.output, req.dryRun);
    return;
  }

  const live = await collectStaleCopies(cluster, (await listCopies(cluster, resolved.namespace)).copies, (line) => progress.done(line));
  if (!req.flags.new) {
    const reused = await findReusableCopy(cluster, live, signature, user);
    if (reused) {
      progress.done(`reusing copy pod ${reused.pod.metadata?.name} of ${resolved.kind}/${resolved.name}, which expires at ${reused.expiresAt.toISOString()} (pass --new for a fresh one)`);
      printPod(reused.pod, req.output, resolved.namespace, req.options.container);
      return;
    }
  }

  if (!scaleTarget) {
    for (const warning of plan.warnings) warn(warning);
    const pod = await createAndWait(cluster, req, plan.job, progress);
    progress.done(`copy of ${resolved.kind}/${resolved.name} is Running: pod ${pod.metadata?.name}`);
    printPod(pod, req.output, resolved.namespace, req.options.container);
    return;
  }

  await copyHoldingOriginal(cluster, req, progress, { resolved, scaleTarget, user, now, expiresAt, jobName, planCopy });
}

/** --dry-run with --scale-down: what a real run would do and say, and its refusals, writing nothing. */
async function previewScaleDown(cluster: Cluster, target: ScaleTarget): Promise<void> {
  for (const warning of await fightingTheScaleDown(cluster, target)) warn(warning);
  const kindName = `${target.kind}/${target.name}`;
  const { original, tookOver } = await judgeHold(cluster, target, target.object);
  if (tookOver) writeLine(process.stderr, `would take over the stale hold of ${tookOver.hold.user} on ${kindName} (${tookOver.reason})`);
  const change = typeof original === 'boolean' ? `suspend ${kindName} (suspend was ${original})` : `scale ${kindName} to 0 (was ${original})`;
  writeLine(process.stderr, `would ${change} while the copy lives, and restore it afterwards`);
}

interface HoldContext {
  resolved: ResolvedTarget;
  scaleTarget: ScaleTarget;
  user: string;
  now: Date;
  expiresAt: Date;
  jobName: string;
  planCopy: (session?: CopySession, claimVolumes?: Record<string, string>) => CopyPlan;
}

/**
 * --scale-down: take the hold, make the copy, then hold in the foreground (or detach). From the
 * hold's write on, one try/finally: whatever happens, end() undoes exactly what was done.
 */
async function copyHoldingOriginal(cluster: Cluster, req: CopyRequest, progress: Progress, ctx: HoldContext): Promise<void> {
  const { resolved, scaleTarget, expiresAt, jobName } = ctx;
  for (const warning of await fightingTheScaleDown(cluster, scaleTarget)) warn(warning);
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
    await untilInterrupted(
      (abort) =>
        waitForOriginalPodsGone(cluster, scaleTarget, req.podRunningTimeoutMs, abort, (names) => {
          waited = true;
          progress.step(`waiting for ${plural(names.length, 'pod')} of ${session.kindName} to terminate`);
        }),
      `waiting for the pods of ${session.kindName} to terminate`,
    );
    if (waited) progress.done(`the pods of ${session.kindName} terminated`);
    const claimVolumes = scaleTarget.kind === 'statefulset' ? ordinalZeroClaims(scaleTarget.name, resolved.claimTemplateNames) : undefined;
    session.assertHeld();
    await faultPoint('after-hold');
    const record: CopySession = {
      id: hold.session,
      scaledKind: scaleTarget.kind,
      scaledName: scaleTarget.name,
      detached: req.flags.detach,
      // Computed now, not at the start: the StatefulSet wait may have outlasted a lease.
      leaseExpires: req.flags.detach ? expiresAt : new Date(cluster.now().getTime() + leaseMs),
    };
    const plan = ctx.planCopy(record, claimVolumes);
    for (const warning of plan.warnings) warn(warning);
    const pod = await createAndWait(cluster, req, plan.job, progress, (created) => session.setJobCreated(created));
    progress.done(`copy of ${resolved.kind}/${resolved.name} is Running: pod ${pod.metadata?.name}`);
    printPod(pod, req.output, resolved.namespace, req.options.container);
    if (req.flags.detach) {
      await session.detach(expiresAt);
      detached = true;
      await faultPoint('after-detach');
      progress.done(`detached: ${session.kindName} stays scaled down until the copy expires in ${humanDuration(expiresAt.getTime() - cluster.now().getTime())}`);
      writeLine(process.stderr, `  end it sooner: kubectl copy-target delete ${jobName}${namespaceFlag(resolved.namespace)}`);
      return;
    }
    progress.done(`holding ${session.kindName} scaled down while the copy runs; Ctrl-C ends the session and restores it`);
    const reason = await session.holdUntilEnd(pod.metadata!.name!, req.durationMs);
    progress.done(`session ended: ${reason}`);
  } catch (err) {
    failure = err;
  } finally {
    if (!detached) {
      if (failure) await cleanUp(() => session.end());
      else await session.end();
    }
  }
  if (failure) throw failure;
}

/**
 * Runs cleanup after a failure. The failure that got us here stays the error the user sees; a
 * cleanup that fails too is a warning line naming what is left.
 */
async function cleanUp(cleanup: () => Promise<unknown>): Promise<void> {
  try {
    await cleanup();
  } catch (err) {
    warn(`cleanup failed: ${messageOf(err)}`);
  }
}

/**
 * Creates the copy Job and waits for its pod to be Running. On any failure or interruption the
 * Job is deleted before the error is reported: no copy is left behind.
 */
async function createAndWait(
  cluster: Cluster,
  req: CopyRequest,
  job: V1Job,
  progress: Progress,
  onJob?: (exists: boolean) => void,
): Promise<V1Pod> {
  const namespace = job.metadata!.namespace!;
  const jobName = job.metadata!.name!;
  // A Ctrl-C that came during an earlier, uninterruptible request: nothing is created after it.
  throwIfInterrupted('creating the copy job');
  const creating = cluster.createJob(job, false);
  try {
    await untilInterrupted(() => creating, 'creating the copy job');
  } catch (err) {
    // Interrupted mid-request: the server may still have created it.
    if (await creating.then(() => true, () => false)) await cleanUp(() => cluster.deleteJob(namespace, jobName));
    throw err;
  }
  onJob?.(true);
  await faultPoint('after-job-created');
  progress.step(`created job ${jobName}; waiting for its pod to be Running`);
  try {
    const pod = await untilInterrupted(
      (abort) => waitForCopyPod(cluster, namespace, jobName, req.podRunningTimeoutMs, progress, abort),
      'waiting for the copy pod',
    );
    // Recorded on the Job so `status` needs a single list call to name the pod.
    await cluster.annotateJob(namespace, jobName, { [CopyKeys.podName]: pod.metadata!.name! });
    return pod;
  } catch (err) {
    await cleanUp(async () => {
      await cluster.deleteJob(namespace, jobName);
      onJob?.(false);
    });
    throw err;
  }
}

/** The PVC of each claim template that the StatefulSet's pod 0 used, for the copy to mount. */
function ordinalZeroClaims(statefulSet: string, claimTemplates: string[]): Record<string, string> {
  return Object.fromEntries(claimTemplates.map((t) => [t, `${t}-${statefulSet}-0`]));
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A live copy of the same target, made by the same user with the same options, still Running. */
async function findReusableCopy(cluster: Cluster, liveCopies: Copy[], signature: string, user: string): Promise<{ pod: V1Pod; expiresAt: Date } | undefined> {
  const now = cluster.now();
  for (const { job, record } of liveCopies) {
    if (record.signature !== signature || record.user !== user || !reusable(record, jobState(job), now)) continue;
    const pod = await cluster.find('pod', record.podName!, job.metadata!.namespace!);
    if (pod && podState(pod).state === 'running') return { pod, expiresAt: record.expiresAt };
  }
  return undefined;
}

function printPod(pod: V1Pod, output: OutputFormat, namespace: string, container?: string): void {
  const name = pod.metadata!.name!;
  if (output === 'json' || output === 'yaml') {
    writeData(process.stdout, formatObjects([withoutManagedFields({ apiVersion: 'v1', kind: 'Pod', ...pod })], output, toYaml));
  } else if (output === 'name') {
    writeLine(process.stdout, formatName('pod', name));
  } else {
    writeLine(process.stdout, name);
    // One suggestion a line: together they wrapped on a 140-column terminal.
    for (const line of nextSteps(name, namespace, container)) writeLine(process.stderr, line);
  }
}

/** ` -n NS` for a suggested command, or nothing in the default namespace. */
const namespaceFlag = (namespace: string): string => (namespace === 'default' ? '' : ` -n ${namespace}`);

/** The `Next:` hint after a copy: each suggestion on its own short line. */
function nextSteps(name: string, namespace: string, container?: string): string[] {
  const ns = namespaceFlag(namespace);
  const into = container === undefined ? '' : ` -c ${container}`;
  const targetPath = container === undefined ? `pod/${name}` : `pod/${name}/container/${container}`;
  return [`Next: kubectl exec -it ${name}${into}${ns} -- sh`, `  or: mirrord exec --target ${targetPath}${ns} -- <your app>`];
}

function printJob(job: V1Job, output: OutputFormat, dryRun: 'client' | 'server'): void {
  const full = withoutManagedFields({ ...job, apiVersion: 'batch/v1', kind: 'Job' });
  if (output === 'json' || output === 'yaml') writeData(process.stdout, formatObjects([full], output, toYaml));
  else if (output === 'name') writeLine(process.stdout, formatName('job.batch', job.metadata!.name!));
  else writeLine(process.stdout, `${formatName('job.batch', job.metadata!.name!)} created (${dryRun} dry run)`);
}

/** kubectl hides managedFields unless asked (--show-managed-fields); so do we. */
function withoutManagedFields<T extends { metadata?: { managedFields?: unknown } }>(object: T): T {
  const { managedFields: _hidden, ...metadata } = object.metadata ?? {};
  return { ...object, metadata };
}

function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += randomSuffixAlphabet[randomInt(randomSuffixAlphabet.length)];
  return suffix;
}
