import { Cluster } from '../kube/cluster.js';
import { loadConnection } from '../kube/config.js';
import { PLUGIN_VERSION } from '../plugin-version.js';
import { writeLine } from '../render/terminal.js';
import type { GlobalFlags } from './global-flags.js';

/** `kubectl copy-target version`: plugin version, then the server version of the current context. */
export async function run(flags: GlobalFlags): Promise<void> {
  const cluster = new Cluster(loadConnection(flags));
  const server = await cluster.serverVersion();
  writeLine(process.stdout, `Plugin Version: ${PLUGIN_VERSION}`);
  writeLine(process.stdout, `Server Version: ${server.gitVersion}`);
}
