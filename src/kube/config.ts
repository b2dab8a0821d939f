import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { CliError, messageOf, UsageError } from '../errors.js';
import { fixedCredential, NO_CREDENTIALS, TokenFileSource, type CredentialSource } from './credentials.js';
import { execCredentialSource, type ExecClusterInfo, type ExecConfig } from './exec-credential.js';
import { inClusterConfig } from './in-cluster.js';
import { Kubeconfig, readKubeconfigFile, type KubeCluster, type KubeUser } from './kubeconfig.js';

/** A kubeconfig user with what client-node's loader drops: tokenFile (absolute). */
type KubeconfigUser = KubeUser & { tokenFile?: string };
/** A kubeconfig cluster with its exec extension (client.authentication.k8s.io/exec), for provideClusterInfo. */
type KubeconfigCluster = KubeCluster & { execExtension?: unknown };

/** The connection flags kubectl users expect on every command, with kubectl's meaning. */
export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  cluster?: string;
  user?: string;
  server?: string;
  token?: string;
  as?: string;
  /** Repeatable (the flag declaration gives an array). */
  asGroup?: string[];
  asUid?: string;
  certificateAuthority?: string;
  clientCertificate?: string;
  clientKey?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  /** kubectl's --request-timeout: "0" (none), a number of seconds, or a duration (1ms, 5s, 1m). */
  requestTimeout?: string;
}

/** --as, --as-group, --as-uid: who the server acts as (and who is recorded as the copy's user). */
export interface Impersonation {
  user?: string;
  groups: string[];
  uid?: string;
}

export interface Connection {
  /** The one context in use, its cluster and its user (TLS settings and auth providers; flags applied). */
  kubeConfig: Kubeconfig;
  /** -n, else the context's namespace, else "default" — as kubectl resolves it. */
  namespace: string;
  server: string;
  /** The kubeconfig user entry name of the current context. */
  userName: string;
  impersonate?: Impersonation;
  /** --request-timeout; undefined: the client's default. */
  requestTimeoutMs?: number;
  /** Every context the merged kubeconfig defines (kubeConfig itself holds only the one in use). */
  contextNames: string[];
  /** The user's token, token file, basic auth or exec plugin (kubeConfig keeps only TLS settings and auth providers). */
  credentials: CredentialSource;
}

/**
 * Loads kubeconfig the way kubectl does: --kubeconfig alone, else every file in KUBECONFIG merged
 * (first file to define a name or current-context wins, missing files skipped), else ~/.kube/config.
 */
export function loadConnection(flags: ConnectionFlags): Connection {
  const merged = loadMerged(flags);
  const inCluster = !flags.server && !flags.context && merged.contexts.length === 0 && !merged.currentContext ? inClusterConfig() : undefined;
  if (inCluster) {
    // No kubeconfig, but the service-account files of a pod: kubectl's in-cluster config.
    merged.clusters = [{ name: IN_CLUSTER, server: inCluster.server, caFile: inCluster.caFile, skipTLSVerify: false }];
    merged.users = [{ name: IN_CLUSTER, tokenFile: inCluster.tokenFile } as KubeconfigUser];
    merged.contexts = [{ name: IN_CLUSTER, cluster: IN_CLUSTER, user: IN_CLUSTER, namespace: inCluster.namespace }];
    merged.currentContext = IN_CLUSTER;
  }
  // kubectl works from flags alone (--server, --token) when no kubeconfig names a context.
  const contextName = flags.context ?? (merged.currentContext || (flags.server ? FLAGS_ONLY : ''));
  if (!contextName) {
    throw new CliError(`no current context in kubeconfig; pass --context or run "kubectl config use-context"`);
  }
  const context = merged.contexts.find((c) => c.name === contextName) ?? (contextName === FLAGS_ONLY ? { name: FLAGS_ONLY, cluster: FLAGS_ONLY, user: FLAGS_ONLY } : undefined);
  if (!context) {
    throw new CliError(`context "${contextName}" does not exist in kubeconfig; list them with "kubectl config get-contexts"`);
  }
  const clusterName = flags.cluster ?? context.cluster;
  const baseCluster = merged.clusters.find((c) => c.name === clusterName);
  if (!baseCluster && !flags.server) {
    throw new CliError(
      flags.cluster
        ? `cluster "${flags.cluster}" (--cluster) is not in kubeconfig`
        : `context "${contextName}" names cluster "${context.cluster}", which is not in kubeconfig`,
    );
  }
  const userName = flags.user ?? context.user;
  const baseUser = merged.users.find((u) => u.name === userName);
  if (!baseUser && flags.user) throw new CliError(`user "${flags.user}" (--user) is not in kubeconfig`);
  // Stryker disable next-line StringLiteral: without a kubeconfig cluster, --server is given and replaces this server
  const cluster = withClusterFlags({ name: clusterName, server: '', skipTLSVerify: false, ...baseCluster }, flags);
  const user = withUserFlags({ name: userName, ...baseUser }, flags);
  const namespace = flags.namespace ?? (context.namespace || 'default');
  const credentials = credentialSource(user, cluster);
  // Credentials are ours (credentials.ts); client-node keeps TLS settings and auth providers.
  const { token: _token, tokenFile: _tokenFile, exec: _exec, username: _username, password: _password, ...tlsUser } = user;
  const kubeConfig = Kubeconfig.of({
    clusters: [cluster],
    users: [tlsUser as KubeUser],
    contexts: [{ name: contextName, cluster: cluster.name, user: user.name, namespace }],
    currentContext: contextName,
  });
  const groups = flags.asGroup ?? [];
  const impersonate = flags.as !== undefined || groups.length > 0 || flags.asUid !== undefined ? { user: flags.as, groups, uid: flags.asUid } : undefined;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: impersonation without a user was asked for by --as-group or --as-uid, so one of them is there
  if (impersonate && !impersonate.user && (impersonate.groups.length > 0 || impersonate.uid)) {
    throw new CliError('--as-group and --as-uid need --as (the user to impersonate), as in kubectl');
  }
  return {
    kubeConfig,
    namespace,
    server: cluster.server,
    userName: user.name,
    impersonate,
    requestTimeoutMs: flags.requestTimeout === undefined ? undefined : parseRequestTimeout(flags.requestTimeout),
    contextNames: inCluster ? [] : merged.contexts.map((c) => c.name),
    credentials,
  };
}

const IN_CLUSTER = 'in-cluster';

/**
 * As client-go chooses: a token (a tokenFile wins while readable: it rotates), else basic auth,
 * else an exec plugin unless a client certificate is given.
 */
function credentialSource(user: KubeconfigUser, cluster: KubeconfigCluster): CredentialSource {
  if (user.tokenFile) return new TokenFileSource(user.tokenFile, user.name, user.token);
  if (user.token) return fixedCredential({ token: user.token });
  if (user.username) return fixedCredential({ username: user.username, password: user.password });
  if (user.exec && !user.certFile && !user.certData) return execCredentialSource(user.exec as ExecConfig, user.name, execClusterInfo(cluster));
  return NO_CREDENTIALS;
}

/** The cluster as client-go describes it to an exec plugin (KUBERNETES_EXEC_INFO with provideClusterInfo). */
function execClusterInfo(cluster: KubeconfigCluster): ExecClusterInfo {
  let caData = cluster.caData;
  if (!caData && cluster.caFile) {
    try {
      caData = readFileSync(cluster.caFile).toString('base64');
    } catch {
      // the TLS setup names the unreadable file
    }
  }
  const info: ExecClusterInfo = { server: cluster.server };
  // Stryker disable ConditionalExpression: a field set to undefined is left out of the JSON the plugin reads, as one never set
  if (cluster.tlsServerName) info['tls-server-name'] = cluster.tlsServerName;
  if (cluster.skipTLSVerify) info['insecure-skip-tls-verify'] = true;
  if (caData) info['certificate-authority-data'] = caData;
  if (cluster.proxyUrl) info['proxy-url'] = cluster.proxyUrl;
  if (cluster.execExtension !== undefined) info.config = cluster.execExtension;
  // Stryker restore ConditionalExpression
  return info;
}

/** The name of the context, cluster and user made from flags when no kubeconfig names any. */
const FLAGS_ONLY = 'flags';

/** Every kubeconfig file merged as kubectl merges them; none at all is fine when --server is given. */
function loadMerged(flags: ConnectionFlags): Kubeconfig {
  const merged = new Kubeconfig();
  let files: string[];
  try {
    files = kubeconfigFiles(flags.kubeconfig);
  } catch (err) {
    if (flags.kubeconfig === undefined && (flags.server || inClusterConfig())) return merged;
    throw err;
  }
  for (const file of files) {
    // Stryker disable next-line ConditionalExpression: the loader reads an empty file as an empty kubeconfig too; this only skips the work
    if (statSync(file).size === 0) continue; // an empty kubeconfig (e.g. /dev/null) holds nothing, as for kubectl
    let one: Kubeconfig;
    try {
      const { config, raw } = readKubeconfigFile(file);
      withWhatClientNodeDrops(config, raw, dirname(resolve(file)));
      one = config;
    } catch (err) {
      throw new CliError(`cannot load kubeconfig ${file}: ${firstLine(err)}`);
    }
    mergeFirstWins(merged, one);
  }
  return merged;
}

/**
 * What client-node's loader drops or leaves relative, as client-go resolves it: a user's
 * tokenFile, and an exec command with a path in it, relative to the kubeconfig file's directory;
 * a cluster's exec extension.
 */
function withWhatClientNodeDrops(config: Kubeconfig, raw: any, dir: string): void {
  // Stryker disable next-line ArrayDeclaration: a stand-in entry names no user, so it is skipped
  for (const entry of Array.isArray(raw?.users) ? raw.users : []) {
    const user = config.users.find((u) => u.name === entry?.name) as { -readonly [K in keyof KubeconfigUser]: KubeconfigUser[K] } | undefined;
    // Stryker disable next-line ConditionalExpression: the loader refuses a user entry without a name, so every entry has its user
    if (!user) continue;
    if (typeof entry.user?.tokenFile === 'string' && entry.user.tokenFile) user.tokenFile = resolve(dir, entry.user.tokenFile);
    if (user.exec && typeof user.exec.command === 'string' && user.exec.command.includes(sep)) {
      user.exec = { ...user.exec, command: resolve(dir, user.exec.command) };
    }
  }
  // Stryker disable next-line ArrayDeclaration: a stand-in entry names no cluster and has no extensions
  for (const entry of Array.isArray(raw?.clusters) ? raw.clusters : []) {
    // Stryker disable next-line OptionalChaining,ArrayDeclaration: the loader refuses a cluster entry without its cluster; a stand-in extension has no name
    const extension = (Array.isArray(entry?.cluster?.extensions) ? entry.cluster.extensions : []).find((e: any) => e?.name === 'client.authentication.k8s.io/exec');
    const cluster = config.clusters.find((c) => c.name === entry?.name) as KubeconfigCluster | undefined;
    if (cluster && extension) cluster.execExtension = extension.extension;
  }
}

/** --server, --certificate-authority, --insecure-skip-tls-verify, --tls-server-name win over the kubeconfig. */
function withClusterFlags(cluster: KubeconfigCluster, flags: ConnectionFlags): KubeconfigCluster {
  const out: { -readonly [K in keyof KubeconfigCluster]: KubeconfigCluster[K] } = { ...cluster };
  if (flags.server) out.server = flags.server;
  if (flags.certificateAuthority) {
    out.caFile = flags.certificateAuthority;
    delete out.caData;
  }
  if (flags.insecureSkipTlsVerify) {
    out.skipTLSVerify = true;
    delete out.caFile; // kubectl refuses both at once; skipping verification means no CA
    delete out.caData;
  }
  if (flags.tlsServerName) out.tlsServerName = flags.tlsServerName;
  // Stryker disable next-line ConditionalExpression,StringLiteral,CallExpression: unreachable from a kubeconfig (the loader refuses a cluster without a server) or from flags (--server is the server); kept as the last guard
  if (!out.server) throw new CliError(`cluster "${out.name}" has no server; pass --server or fix the kubeconfig`);
  return out;
}

/** --token, --client-certificate, --client-key win over the kubeconfig's credentials for the user. */
function withUserFlags(user: KubeconfigUser, flags: ConnectionFlags): KubeconfigUser {
  const out: { -readonly [K in keyof KubeconfigUser]: KubeconfigUser[K] } = { ...user };
  if (flags.token) {
    out.token = flags.token;
    delete out.tokenFile;
    // A given token is the credential: no exec plugin or auth provider is run instead of it.
    delete out.exec;
    delete out.authProvider;
  }
  if (flags.clientCertificate) {
    out.certFile = flags.clientCertificate;
    delete out.certData;
  }
  if (flags.clientKey) {
    out.keyFile = flags.clientKey;
    delete out.keyData;
  }
  return out;
}

/** The longest delay a Node timer keeps (2^31-1 ms, about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** The refusal of a wait flag beyond MAX_TIMER_MS, or undefined when it fits. */
export function timerLimitError(flag: string, ms: number | undefined): UsageError | undefined {
  if (ms === undefined || ms <= MAX_TIMER_MS || ms === Infinity) return undefined;
  // Said in the units the flag takes (h, m, s): 2147483s is 596h31m23s, about 24.8 days.
  return new UsageError(`--${flag} must be at most 596h31m23s (about 24.8 days, the longest a timer waits): longer waits are not supported`);
}

/** kubectl's --request-timeout: 0 means none (Infinity); a bare number is seconds; else a Go-style duration. */
function parseRequestTimeout(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new UsageError(`invalid --request-timeout "${value}"; expected a duration such as 1ms, 5s or 1m (0: no timeout)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']!;
  const ms = Number(match[1]) * unit;
  // Each request's timeout is a Node timer: a longer one would fail every request at once.
  const tooLong = timerLimitError('request-timeout', ms);
  if (tooLong) throw tooLong;
  return ms === 0 ? Infinity : ms;
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

function mergeFirstWins(into: Kubeconfig, from: Kubeconfig): void {
  if (!into.currentContext && from.currentContext) into.currentContext = from.currentContext;
  // Stryker disable next-line ConditionalExpression,ArrowFunction: every lookup takes the first entry of a name, so a second one kept is never used
  for (const c of from.clusters) if (!into.clusters.some((x) => x.name === c.name)) into.clusters.push(c);
  // Stryker disable next-line ConditionalExpression,ArrowFunction: every lookup takes the first entry of a name, so a second one kept is never used
  for (const u of from.users) if (!into.users.some((x) => x.name === u.name)) into.users.push(u);
  for (const c of from.contexts) if (!into.contexts.some((x) => x.name === c.name)) into.contexts.push(c);
}

function firstLine(err: unknown): string {
  const [first] = messageOf(err).split('\n');
  // Stryker disable next-line StringLiteral: split always returns at least one element
  return first ?? '';
}
