import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import { PLUGIN_VERSION } from '../plugin-version.js';
import { writeLine, type IOStreams } from '../render/terminal.js';
import type { GlobalFlags } from './global-flags.js';

/** `kubectl copy-target version`: plugin version, then the server version of the current context. */
export async function run(flags: GlobalFlags, streams: IOStreams): Promise<void> {
  const cluster = new Cluster(loadConnection(flags));
  try {
    const server = await cluster.serverVersion();
    writeLine(streams.out, `Plugin Version: ${PLUGIN_VERSION}`);
    writeLine(streams.out, `Server Version: ${server.gitVersion}`);
  } finally {
    cluster.close();
  }
}
