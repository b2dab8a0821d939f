import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import { collectGarbage } from '../session/collect-garbage.js';
import { guarded } from '../session/interrupt.js';
import { writeLine, type IOStreams } from '../render/terminal.js';
import type { GcFlags } from './gc-flags.js';

/**
 * `kubectl copy-target gc`: what crashed sessions left behind, restored and deleted. Its only flag
 * is -A, taken as it is: nothing to complete or validate.
 */
export async function run(flags: GcFlags, streams: IOStreams): Promise<void> {
  const connection = loadConnection(flags);
  const cluster = new Cluster(connection);
  let actions = 0;
  try {
    await guarded(() => collectGarbage(cluster, flags.allNamespaces ? undefined : connection.namespace, (line) => {
      actions++;
      writeLine(streams.out, line.replace(/^gc: /, ''));
    }));
  } finally {
    cluster.close();
  }
  if (actions === 0) writeLine(streams.err, 'Nothing to collect');
}
