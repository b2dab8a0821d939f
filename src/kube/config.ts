import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
// The config module alone: the package index also loads exec, attach, port-forward, cp, metrics...
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { CliError, messageOf } from '../errors.js';

/** The connection flags kubectl users expect on every command. */
export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface Connection {
  kubeConfig: KubeConfig;
  contextName: string;
  /** -n, else the context's namespace, else "default" — as kubectl resolves it. */
  namespace: string;
  /** True when -n was given (so "-n" beats the context default in messages). */
  namespaceExplicit: boolean;
  server: string;
  /** The kubeconfig user entry name of the current context. */
  userName: string;
}

/**
 * Loads kubeconfig the way kubectl does: --kubeconfig alone, else every file in KUBECONFIG merged
 * (first file to define a name or current-context wins, missing files skipped), else ~/.kube/config.
 */
export function loadConnection(flags: ConnectionFlags): Connection {
  const files = kubeconfigFiles(flags.kubeconfig);
  const merged = new KubeConfig();
  merged.clusters = [];
  merged.users = [];
  merged.contexts = [];
  merged.currentContext = '';
  for (const file of files) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (err) {
      throw new CliError(`cannot load kubeconfig ${file}: ${firstLine(err)}`);
    }
    mergeFirstWins(merged, one);
  }
  const contextName = flags.context ?? merged.currentContext;
  if (!contextName) {
    throw new CliError(
      `no current context in kubeconfig (${files.join(delimiter) || 'none found'}); pass --context or run "kubectl config use-context"`,
    );
  }
  const context = merged.contexts.find((c) => c.name === contextName);
  if (!context) {
    throw new CliError(`context "${contextName}" does not exist in kubeconfig; list them with "kubectl config get-contexts"`);
  }
  merged.currentContext = contextName;
  const cluster = merged.getCurrentCluster();
  if (!cluster) {
    throw new CliError(`context "${contextName}" names cluster "${context.cluster}", which is not in kubeconfig`);
  }
  const user = merged.getCurrentUser();
  return {
    kubeConfig: merged,
    contextName,
    namespace: flags.namespace ?? (context.namespace || 'default'),
    namespaceExplicit: flags.namespace !== undefined,
    server: cluster.server,
    userName: user?.name ?? context.user,
  };
}

function kubeconfigFiles(explicit: string | undefined): string[] {
  if (explicit !== undefined) {
    if (!existsSync(explicit)) {
      throw new CliError(`kubeconfig file ${explicit} does not exist; check --kubeconfig`);
    }
    return [explicit];
  }
  const fromEnv = (process.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (fromEnv.length > 0) {
    const present = fromEnv.filter((f) => existsSync(f));
    if (present.length === 0) {
      throw new CliError(`none of the files in KUBECONFIG exist (${fromEnv.join(delimiter)})`);
    }
    return present;
  }
  const home = join(homedir(), '.kube', 'config');
  if (!existsSync(home)) {
    throw new CliError(`no kubeconfig: ${home} does not exist and neither KUBECONFIG nor --kubeconfig is set`);
  }
  return [home];
}

function mergeFirstWins(into: KubeConfig, from: KubeConfig): void {
  if (!into.currentContext && from.currentContext) into.currentContext = from.currentContext;
  for (const c of from.clusters) if (!into.clusters.some((x) => x.name === c.name)) into.clusters.push(c);
  for (const u of from.users) if (!into.users.some((x) => x.name === u.name)) into.users.push(u);
  for (const c of from.contexts) if (!into.contexts.some((x) => x.name === c.name)) into.contexts.push(c);
}

function firstLine(err: unknown): string {
  return messageOf(err).split('\n')[0] ?? '';
}
