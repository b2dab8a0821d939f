import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import type { IOStreams } from '../render/terminal.js';
import { deleteCopies, type DeleteRequest } from '../session/delete-copies.js';
import { guarded } from '../session/interrupt.js';
import { copySelector, validateSelector } from './copy-names.js';
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
  return copySelector(flags.names, flags.all);
}

/** Names, or --all: exactly one of them (kubectl delete's rule). */
export function validate(req: DeleteRequest): void {
  validateSelector(req, 'delete');
}
