import { listCopies, selectCopies, type Copy, type CopySelector } from '../apply/copies.js';
import type { Cluster } from '../kube/cluster.js';
import { formatName } from '../render/output.js';
import { warn, writeLine, type IOStreams } from '../render/terminal.js';
import { collectStaleCopies, removeCopy } from './collect-garbage.js';
import { Failures } from './failures.js';

/** What `kubectl copy-target delete` deletes: every copy, or those the names match. */
export type DeleteRequest = CopySelector;

/** Deletes the matched copies (restoring what they hold), then the stale ones nobody named. */
export async function deleteCopies(cluster: Cluster, namespace: string, req: DeleteRequest, streams: IOStreams): Promise<void> {
  const listed = await listCopies(cluster, namespace);
  const { copies } = listed;
  const picked = selectCopies(listed, req, namespace);
  const selected = new Set<Copy>(picked.copies);
  const selectedDamaged = picked.damaged;
  // kubectl delete goes on past a name it cannot delete, reports each, and fails at the end.
  const failures = new Failures(picked.failures);
  if (selected.size === 0 && selectedDamaged.length === 0 && failures.count === 0) {
    writeLine(streams.err, `No copies found in namespace ${namespace}`);
    return;
  }
  // The cheap gc pass over what was listed anyway: stale copies not named here go too.
  await collectStaleCopies(cluster, copies.filter((c) => !selected.has(c)), (line) => writeLine(streams.err, line));
  for (const copy of selected) {
    await failures.attempt(async () => {
      // Deleting a --scale-down copy also restores its original (if the hold still names it).
      const done = await removeCopy(cluster, copy, (line) => writeLine(streams.err, line));
      writeLine(streams.out, `${formatName('job.batch', copy.job.metadata!.name!)} deleted`);
      if (copy.record.session) writeLine(streams.err, done);
    });
  }
  for (const d of selectedDamaged) {
    await failures.attempt(async () => {
      const name = d.job.metadata!.name!;
      await cluster.deleteJob({ namespace, name });
      writeLine(streams.out, `${formatName('job.batch', name)} deleted`);
      warn(streams.err, `copy job ${name} had a damaged record (${d.damaged}), so no hold was released; if it held a workload, "kubectl copy-target gc -n ${namespace}" restores it once that hold is stale`);
    });
  }
  failures.report(streams);
}
