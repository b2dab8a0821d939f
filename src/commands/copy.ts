import { hostname } from 'node:os';
import { randomInt } from 'node:crypto';
import { waitForCopyPod } from '../apply/wait-for-pod.js';
import { podState } from '../apply/pod-state.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import type { V1Job, V1Pod } from '../kube/types.js';
import { toYaml } from '../kube/yaml.js';
import { buildCopyJob, type CopyOptions } from '../plan/copy-job.js';
import { CopyKeys, MANAGED_SELECTOR, readCopyRecord } from '../plan/labels.js';
import { randomSuffixAlphabet } from '../plan/naming.js';
import { copySignature } from '../plan/signature.js';
import { formatName, formatObjects, parseOutputFormat, type OutputFormat } from '../render/output.js';
import { createProgress, type Progress } from '../render/progress.js';
import { resolveTarget, type ResolvedTarget } from '../resolve/resolve.js';
import { parseTarget, type Target } from '../target/parse.js';
import { parseDurationSeconds, parseSetImages } from './flag-values.js';
import type { GlobalFlags } from './global-flags.js';

export interface CopyFlags extends GlobalFlags {
  target: string;
  command: string[];
  container?: string;
  keepProbes: boolean;
  excludeContainer: string[];
  excludeInitContainer: string[];
  setImage: string[];
  ttl: string;
  podRunningTimeout: string;
  dryRun: string;
  output?: string;
  new: boolean;
}

/** Everything `run` needs, derived from flags before any API call (kubectl's Options.Complete). */
interface CopyRequest {
  flags: CopyFlags;
  target: Target;
  options: CopyOptions;
  dryRun: 'none' | 'client' | 'server';
  output: OutputFormat;
  podRunningTimeoutMs: number;
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
    scaleDown: false,
  };
  if (flags.command.length > 0) options.command = { container, args: flags.command };
  return {
    flags,
    target,
    options,
    dryRun,
    output: parseOutputFormat(flags.output, ['json', 'yaml', 'name']),
    podRunningTimeoutMs: parseDurationSeconds('pod-running-timeout', flags.podRunningTimeout) * 1000,
  };
}

/** Checks that need no cluster (kubectl's Options.Validate). */
export function validate(req: CopyRequest): void {
  if (req.options.ttlSeconds <= 0) throw new UsageError('--ttl must be positive: a copy may not live forever');
  if (req.podRunningTimeoutMs <= 0) throw new UsageError('--pod-running-timeout must be positive');
  if (req.flags.container && req.flags.command.length === 0) {
    throw new UsageError(`-c ${req.flags.container} needs a command after --, e.g. -c ${req.flags.container} -- sleep infinity`);
  }
}

export async function run(flags: CopyFlags): Promise<void> {
  const req = complete(flags);
  validate(req);
  const progress = createProgress(process.stderr, process.env);
  try {
    await copy(req, progress);
  } finally {
    progress.stop();
  }
}

async function copy(req: CopyRequest, progress: Progress): Promise<void> {
  const connection = loadConnection(req.flags);
  const cluster = new Cluster(connection);
  const [resolved, user] = await Promise.all([
    resolveTarget(cluster, req.target, connection.namespace),
    cluster.whoAmI(),
  ]);
  if (resolved.via) progress.step(resolved.via);
  const owner = { user, host: hostname() };
  const signature = copySignature(resolved, req.options, user);
  const plan = buildCopyJob({
    target: resolved,
    template: resolved.template,
    claimTemplateNames: resolved.claimTemplateNames,
    options: req.options,
    owner,
    now: new Date(),
    suffix: randomSuffix(),
    signature,
  });
  for (const warning of plan.warnings) process.stderr.write(`Warning: ${warning}\n`);

  if (req.dryRun !== 'none') {
    const job = req.dryRun === 'server' ? await cluster.createJob(plan.job, true) : plan.job;
    printJob(job, req.output, req.dryRun);
    return;
  }

  if (!req.flags.new) {
    const reused = await findReusableCopy(cluster, resolved, signature, user);
    if (reused) {
      progress.done(`reusing copy pod ${reused.metadata?.name} of ${resolved.kind}/${resolved.name} (pass --new for a fresh one)`);
      printPod(reused, req.output, resolved.namespace);
      return;
    }
  }

  const job = await cluster.createJob(plan.job, false);
  const jobName = job.metadata!.name!;
  progress.step(`created job ${jobName}; waiting for its pod to be Running`);
  const pod = await deleteCopyOnFailure(cluster, resolved.namespace, jobName, async () => {
    const running = await waitForCopyPod(cluster, resolved.namespace, jobName, req.podRunningTimeoutMs, progress);
    // Recorded on the Job so `status` needs a single list call to name the pod.
    await cluster.annotateJob(resolved.namespace, jobName, { [CopyKeys.podName]: running.metadata!.name! });
    return running;
  });
  progress.done(`copy of ${resolved.kind}/${resolved.name} is Running: pod ${pod.metadata?.name}`);
  printPod(pod, req.output, resolved.namespace);
}

/**
 * Runs `work`; if it fails or the user interrupts it, the copy Job is deleted before the error
 * is reported, so no copy is left behind on any failure path.
 */
async function deleteCopyOnFailure<T>(cluster: Cluster, namespace: string, jobName: string, work: () => Promise<T>): Promise<T> {
  let interrupted: ((signal: NodeJS.Signals) => void) | undefined;
  const interruption = new Promise<never>((_, reject) => {
    interrupted = (signal) => reject(new CliError(`interrupted by ${signal}; deleted the copy job ${jobName}`, ExitCode.interrupted));
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.once(s, interrupted!);
  try {
    return await Promise.race([work(), interruption]);
  } catch (err) {
    await cluster.deleteJob(namespace, jobName);
    throw err;
  } finally {
    for (const s of signals) process.off(s, interrupted!);
  }
}

/** A live copy of the same target, made by the same user with the same options, still Running. */
async function findReusableCopy(cluster: Cluster, target: ResolvedTarget, signature: string, user: string): Promise<V1Pod | undefined> {
  const jobs = await cluster.listJobs(target.namespace, `${MANAGED_SELECTOR},${CopyKeys.signature}=${signature}`);
  const now = Date.now();
  for (const job of jobs) {
    const record = readCopyRecord(job.metadata ?? {});
    if (!record?.podName || record.user !== user || job.metadata?.deletionTimestamp) continue;
    if (record.expiresAt.getTime() - now < 60_000 || isFinished(job)) continue;
    const pod = await cluster.readPod(target.namespace, record.podName).catch(() => undefined);
    if (pod && podState(pod).state === 'running') return pod;
  }
  return undefined;
}

const isFinished = (job: V1Job): boolean =>
  (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

function printPod(pod: V1Pod, output: OutputFormat, namespace: string): void {
  const name = pod.metadata!.name!;
  if (output === 'json' || output === 'yaml') {
    process.stdout.write(formatObjects([{ apiVersion: 'v1', kind: 'Pod', ...pod }], output, toYaml));
  } else if (output === 'name') {
    process.stdout.write(`${formatName('pod', name)}\n`);
  } else {
    process.stdout.write(`${name}\n`);
    const ns = namespace === 'default' ? '' : ` -n ${namespace}`;
    process.stderr.write(`Next: kubectl exec -it ${name}${ns} -- sh   or   mirrord exec --target pod/${name}${ns} -- <your app>\n`);
  }
}

function printJob(job: V1Job, output: OutputFormat, dryRun: 'client' | 'server'): void {
  const full = { ...job, apiVersion: 'batch/v1', kind: 'Job' };
  if (output === 'json' || output === 'yaml') process.stdout.write(formatObjects([full], output, toYaml));
  else if (output === 'name') process.stdout.write(`${formatName('job.batch', job.metadata!.name!)}\n`);
  else process.stdout.write(`${formatName('job.batch', job.metadata!.name!)} created (${dryRun} dry run)\n`);
}

function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += randomSuffixAlphabet[randomInt(randomSuffixAlphabet.length)];
  return suffix;
}
