import { CliError, ExitCode, messageOf, UsageError } from '../errors.js';
import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import { formatName } from '../render/output.js';
import { warn, writeLine, type IOStreams } from '../render/terminal.js';
import { parseTarget } from '../target/parse.js';
import { collectStaleCopies, removeCopy } from '../session/collect-garbage.js';
import { guarded } from '../session/interrupt.js';
import { listCopies, type Copy, type DamagedCopy } from '../apply/copies.js';
import type { DeleteFlags } from './delete-flags.js';

/**
 * `kubectl copy-target delete COPY_POD|JOB|KIND/NAME ... | --all`: deletes copies in the namespace.
 * A bare name matches a copy Job or copy pod; KIND/NAME matches every copy of that target (and
 * pod/NAME also a copy pod of that name).
 */
export async function run(flags: DeleteFlags, streams: IOStreams): Promise<void> {
  const req = complete(flags);
  validate(req);
  const connection = loadConnection(flags);
  const cluster = new Cluster(connection);
  try {
    await guarded(() => deleteCopies(cluster, connection.namespace, req, streams));
  } finally {
    cluster.close();
  }
}

/** What to delete, from the flags before any API call (kubectl's Options.Complete). */
interface DeleteRequest {
  all: boolean;
  matchers: Array<{ name: string; matches: (c: Copy) => boolean }>;
}

export function complete(flags: DeleteFlags): DeleteRequest {
  return { all: flags.all, matchers: flags.names.map((name) => ({ name, matches: matcherFor(name) })) };
}

/** Names, or --all: exactly one of them (kubectl delete's rule). */
export function validate(req: DeleteRequest): void {
  if (req.all === req.matchers.length > 0) {
    throw new UsageError('name what to delete (a copy pod, a copy job or KIND/NAME of the original), or pass --all');
  }
}

/** Deletes the matched copies (restoring what they hold), then the stale ones nobody named. */
async function deleteCopies(cluster: Cluster, namespace: string, { all, matchers }: DeleteRequest, streams: IOStreams): Promise<void> {
  const { copies, damaged } = await listCopies(cluster, namespace);
  const selected = new Set<Copy>(all ? copies : []);
  // A damaged record can be trusted for nothing but its Job's own name.
  const selectedDamaged = new Set<DamagedCopy>(all ? damaged : []);
  // kubectl delete goes on past a name it cannot delete, reports each, and fails at the end.
  const failures: string[] = [];
  for (const m of matchers) {
    const hits = copies.filter(m.matches);
    const damagedHits = damaged.filter((d) => d.job.metadata?.name === m.name);
    if (hits.length === 0 && damagedHits.length === 0) {
      failures.push(`no copy matches "${m.name}" in namespace ${namespace}; list them with "kubectl copy-target status"`);
      continue;
    }
    hits.forEach((c) => selected.add(c));
    damagedHits.forEach((d) => selectedDamaged.add(d));
  }
  if (selected.size === 0 && selectedDamaged.size === 0 && failures.length === 0) {
    writeLine(streams.err, `No copies found in namespace ${namespace}`);
    return;
  }
  // The cheap gc pass over what was listed anyway: stale copies not named here go too.
  await collectStaleCopies(cluster, copies.filter((c) => !selected.has(c)), (line) => writeLine(streams.err, line));
  const attempt = async (work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      if (err instanceof CliError && err.exitCode === ExitCode.interrupted) throw err;
      failures.push(messageOf(err));
    }
  };
  for (const copy of selected) {
    await attempt(async () => {
      // Deleting a --scale-down copy also restores its original (if the hold still names it).
      const done = await removeCopy(cluster, copy);
      writeLine(streams.out, `${formatName('job.batch', copy.job.metadata!.name!)} deleted`);
      if (copy.record.session) writeLine(streams.err, done);
    });
  }
  for (const d of selectedDamaged) {
    await attempt(async () => {
      const name = d.job.metadata!.name!;
      await cluster.deleteJob({ namespace, name });
      writeLine(streams.out, `${formatName('job.batch', name)} deleted`);
      warn(streams.err, `copy job ${name} had a damaged record (${d.damaged}), so no hold was released; if it held a workload, "kubectl copy-target gc -n ${namespace}" restores it once that hold is stale`);
    });
  }
  // One error line for each failure; the last one is the command's error (exit 1).
  const last = failures.pop();
  for (const failure of failures) writeLine(streams.err, `error: ${failure}`);
  if (last !== undefined) throw new CliError(last);
}

function matcherFor(text: string): (c: Copy) => boolean {
  if (!text.includes('/')) {
    return (c) => c.job.metadata?.name === text || c.record.podName === text;
  }
  const target = parseTarget(text);
  return (c) =>
    (c.record.targetKind === target.kind && c.record.targetName === target.name) ||
    (target.kind === 'pod' && c.record.podName === target.name);
}
