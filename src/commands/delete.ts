import { UsageError } from '../errors.js';
import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import type { IOStreams } from '../render/terminal.js';
import { parseTarget } from '../target/parse.js';
import { deleteCopies, type DeleteRequest } from '../session/delete-copies.js';
import { guarded } from '../session/interrupt.js';
import type { Copy } from '../apply/copies.js';
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
export function complete(flags: DeleteFlags): DeleteRequest {
  return { all: flags.all, matchers: flags.names.map((name) => ({ name, matches: matcherFor(name) })) };
}

/** Names, or --all: exactly one of them (kubectl delete's rule). */
export function validate(req: DeleteRequest): void {
  if (req.all === req.matchers.length > 0) {
    throw new UsageError('name what to delete (a copy pod, a copy job or KIND/NAME of the original), or pass --all');
  }
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
