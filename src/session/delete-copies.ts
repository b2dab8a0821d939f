import { listCopies, type Copy, type DamagedCopy } from '../apply/copies.js';
import { CliError, ExitCode, messageOf } from '../errors.js';
import type { Cluster } from '../kube/cluster.js';
import { formatName } from '../render/output.js';
import { warn, writeLine, type IOStreams } from '../render/terminal.js';
import { collectStaleCopies, removeCopy } from './collect-garbage.js';

/** What `kubectl copy-target delete` deletes: every copy, or those the names match. */
export interface DeleteRequest {
  all: boolean;
  matchers: Array<{ name: string; matches: (c: Copy) => boolean }>;
}

/** Deletes the matched copies (restoring what they hold), then the stale ones nobody named. */
export async function deleteCopies(cluster: Cluster, namespace: string, { all, matchers }: DeleteRequest, streams: IOStreams): Promise<void> {
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
      const done = await removeCopy(cluster, copy, (line) => writeLine(streams.err, line));
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
