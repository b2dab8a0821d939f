import { resolve as resolvePath } from 'node:path';
import { CliError, ExitCode, UsageError } from '../errors.js';
import { Cluster } from '../kube/cluster.js';
import { loadConnection, type Connection } from '../kube/config.js';
import { kindName, type V1Pod } from '../kube/types.js';
import {
  commandEnvironment,
  commandLine,
  defaultContainer,
  fillPlaceholders,
  hasPlaceholder,
  PLACEHOLDERS,
  type CopyFacts,
} from '../plan/local-command.js';
import { namespaceFlag } from '../render/copy-output.js';
import { humanDuration } from '../render/duration.js';
import { createLendingProgress, type LendingProgress } from '../render/progress.js';
import { writeLine, type IOStreams } from '../render/terminal.js';
import { cleanUp, createAndWait, watchCopyPod } from '../session/copy-pod.js';
import { describeExit, describeStart, runInForeground, whyNotRunnable, type CommandOutcome } from '../session/foreground-command.js';
import { guarded } from '../session/interrupt.js';
import { copyHoldingOriginal } from '../session/scale-down-copy.js';
import type { CopyFlags } from './copy-flags.js';
import { complete as completeCopy, copyToReuse, holdContext, prepareCopy, previewCopy, validateShape, type CopyRequest, type PreparedCopy } from './copy.js';
import { repeated } from './global-flags.js';
import type { RunFlags } from './run-flags.js';

/** What `run` needs, derived from flags before any API call. */
interface RunRequest {
  /** The copy, exactly as `kubectl copy-target TARGET [flags]` would make it (never detached, no command override). */
  copy: CopyRequest;
  /** The local command, placeholders unfilled. */
  command: string[];
  /** Words typed between the target and `--`: a command that forgot its `--`. */
  stray: string[];
  keep: boolean;
  /** What KUBECONFIG the command gets: the file --kubeconfig named, absolute. */
  kubeconfig?: string;
}

export function complete(flags: RunFlags): RunRequest {
  const copyFlags: CopyFlags = { ...flags, command: [], output: undefined, detach: false, duration: undefined };
  const req: RunRequest = {
    copy: completeCopy(copyFlags),
    command: repeated(flags['--']),
    stray: flags.command,
    keep: flags.keep,
  };
  if (flags.kubeconfig !== undefined) req.kubeconfig = resolvePath(flags.kubeconfig);
  return req;
}

export function validate(req: RunRequest): void {
  const target = req.copy.flags.target;
  if (req.stray.length > 0) {
    throw new UsageError(`the local command goes after --: kubectl copy-target run ${target} -- ${req.stray.join(' ')}`);
  }
  if (req.command.length === 0) {
    throw new UsageError(`name the local command to run after --, e.g. kubectl copy-target run ${target} -- kubectl exec -it {pod} -n {namespace} -- sh`);
  }
  validateShape(req.copy);
}

/** Resolves with the exit code: the local command's. */
export async function run(flags: RunFlags, streams: IOStreams): Promise<number> {
  const req = complete(flags);
  validate(req);
  // Before anything is written: a typo must not scale a workload down.
  const name = req.command[0]!;
  const notRunnable = hasPlaceholder(name) ? undefined : whyNotRunnable(name, process.env);
  if (notRunnable) throw notRunnable;
  const cluster = new Cluster(loadConnection(req.copy.flags));
  const progress = createLendingProgress(streams.err, process.env);
  try {
    // Guarded: a signal must not kill the process between a write and its undo.
    return await guarded(() => runWith(cluster, req, streams, progress));
  } finally {
    progress.stop();
    cluster.close();
  }
}

async function runWith(cluster: Cluster, req: RunRequest, streams: IOStreams, progress: LendingProgress): Promise<number> {
  const prepared = await prepareCopy(cluster, req.copy, progress);
  const { resolved, plan, scaleTarget, jobName } = prepared;
  const context = contextName(cluster.connection);
  const factsOf = (pod: V1Pod, job: string): CopyFacts => ({
    pod: pod.metadata!.name!,
    namespace: resolved.namespace,
    container: defaultContainer(pod, req.copy.options.container),
    context,
    job,
  });

  if (req.copy.dryRun !== 'none') {
    const job = await previewCopy(cluster, req.copy, prepared, progress);
    // The Job controller names the pod: the Job's name and 5 characters of its choosing.
    const template = job.spec!.template;
    const facts = factsOf({ metadata: { ...template.metadata, name: `${jobName}-xxxxx` }, spec: template.spec }, jobName);
    progress.say(`would create job ${jobName} (${req.copy.dryRun} dry run) and, once its pod is Running, run the command below`);
    progress.say(`with ${PLACEHOLDERS.map(([key, variable]) => `${variable}=${facts[key]}`).join(' ')} (xxxxx: the 5 characters the Job controller picks)`);
    writeLine(streams.out, commandLine(fillPlaceholders(req.command, facts)));
    return ExitCode.ok;
  }

  const runCommand = async (pod: V1Pod, job: string, watch: (stop: (reason: string) => void) => () => void): Promise<CommandOutcome> => {
    const facts = factsOf(pod, job);
    const words = fillPlaceholders(req.command, facts);
    progress.say(describeStart(words));
    const outcome = await runInForeground(words, commandEnvironment(process.env, facts, req.kubeconfig), progress, watch);
    progress.done(describeExit(words, outcome));
    return outcome;
  };
  const watchPod = (pod: V1Pod) => (stop: (reason: string) => void) => watchCopyPod(cluster, { namespace: resolved.namespace, name: pod.metadata!.name! }, { ended: stop });

  // Reused as `copy` would: with --scale-down only a detached copy (and only with --keep: it stays so).
  const reused = await copyToReuse(cluster, { ...req.copy, detach: req.keep }, prepared, progress, '--keep');
  if (reused) {
    const outcome = await runCommand(reused.pod, reused.job, watchPod(reused.pod));
    if (!outcome.stopped) progress.done(`left copy job ${reused.job} as it was (it was not made by this run); it expires at ${reused.expiresAt.toISOString()}`);
    return exitCode(req, outcome);
  }

  if (!scaleTarget) {
    for (const warning of plan.warnings) progress.warn(warning);
    const pod = await createAndWait(cluster, plan.job, req.copy.podRunningTimeoutMs, progress);
    progress.done(`copy of ${kindName(resolved)} is Running: pod ${pod.metadata?.name}`);
    let outcome: CommandOutcome | undefined;
    try {
      outcome = await runCommand(pod, jobName, watchPod(pod));
    } catch (err) {
      await cleanUp(progress, () => cluster.deleteJob({ namespace: resolved.namespace, name: jobName }));
      throw err;
    }
    await endCopy(cluster, req, prepared, progress, outcome);
    return exitCode(req, outcome);
  }

  let outcome: CommandOutcome | undefined;
  await copyHoldingOriginal(cluster, req.copy, progress, holdContext(prepared, scaleTarget), async (pod, session) => {
    const after = req.keep ? 'it stays so after the command ends (--keep), until the copy expires or is deleted' : 'it is restored when the command ends';
    progress.done(`holding ${session.kindName} scaled down while ${req.command[0]} runs; ${after}`);
    outcome = await runCommand(pod, jobName, (stop) => session.watchCopy(pod.metadata!.name!, { ended: stop }));
    return req.keep && !outcome.stopped ? 'detach' : 'end';
  });
  return exitCode(req, outcome!);
}

/** Without --scale-down: the copy is deleted when the command ends, or kept (--keep) until --ttl. */
async function endCopy(cluster: Cluster, req: RunRequest, { resolved, jobName, plan }: PreparedCopy, progress: LendingProgress, outcome: CommandOutcome): Promise<void> {
  if (req.keep && !outcome.stopped) {
    progress.done(`kept copy job ${jobName}: it lives until it expires in ${humanDuration(plan.expiresAt.getTime() - cluster.now().getTime())}`);
    progress.say(`  end it sooner: kubectl copy-target delete ${jobName}${namespaceFlag(resolved.namespace)}`);
    return;
  }
  progress.step(`deleting copy job ${jobName}`);
  await cluster.deleteJob({ namespace: resolved.namespace, name: jobName });
  progress.done(`deleted copy job ${jobName}`);
}

/** The command's exit code; exit 4 when it was stopped because the copy died or the hold was lost. */
function exitCode(req: RunRequest, outcome: CommandOutcome): number {
  if (outcome.stopped) {
    throw new CliError(`${outcome.stopped} while ${req.command[0]} ran; it was stopped (it exited with code ${outcome.code})`, ExitCode.copyFailed);
  }
  return outcome.code;
}

/** The kubeconfig context the plugin used, or "" when it used none (flags only, in a pod). */
function contextName(connection: Connection): string {
  const current = connection.kubeConfig.currentContext;
  return connection.contextNames.includes(current) ? current : '';
}
