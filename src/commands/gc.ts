import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import { collectGarbage } from '../session/collect-garbage.js';
import { guarded } from '../session/interrupt.js';
import { writeLine, type IOStreams } from '../render/terminal.js';
import type { GcFlags } from './gc-flags.js';

/** Where to collect, from the flags before any API call (kubectl's Options.Complete); no flag combination is invalid. */
export function complete(flags: GcFlags): { flags: GcFlags; allNamespaces: boolean } {
  return { flags, allNamespaces: flags.allNamespaces };
}

/** `kubectl copy-target gc`: what crashed sessions left behind, restored and deleted. */
export async function run(flags: GcFlags, streams: IOStreams): Promise<void> {
  const req = complete(flags);
  const connection = loadConnection(req.flags);
  const cluster = new Cluster(connection);
  let actions = 0;
  try {
    await guarded(() => collectGarbage(cluster, req.allNamespaces ? undefined : connection.namespace, (line) => {
      actions++;
      writeLine(streams.out, line.replace(/^gc: /, ''));
    }));
  } finally {
    cluster.close();
  }
  if (actions === 0) writeLine(streams.err, 'Nothing to collect');
}
