/**
 * The kubeconfig in use, and the TLS settings and headers a request to its server takes, without
 * client-node's KubeConfig class: loading that one pulls in the generated API models, the OIDC,
 * Azure and GCP authenticators, node-fetch with iconv-lite and the proxy agents, which cost most of
 * the plugin's start-up (BENCHMARKS.md, Start-up). Entries are parsed by client-node's own
 * config_types (the same checks and error messages: it needs nothing but node:fs), and an
 * `auth-provider` user, the one thing only client-node implements, still goes through its
 * KubeConfig, loaded then and only then.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { dirname, isAbsolute, join } from 'node:path';
import { load } from 'js-yaml';
import { newClusters, newContexts, newUsers, type Cluster, type Context, type User } from '@kubernetes/client-node/dist/config_types.js';

export type { Cluster as KubeCluster, Context as KubeContext, User as KubeUser };

/** The options of one request that the kubeconfig sets: TLS, headers, basic auth. */
export type AccessOptions = Pick<http.RequestOptions, 'headers' | 'auth'> & {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized?: boolean;
};

/** What a client needs of a kubeconfig: its current cluster and user (client-node's KubeConfig has both too). */
export interface ClusterAndUser {
  getCurrentCluster(): Cluster | null;
  getCurrentUser(): User | null;
}

/** Clusters, users and contexts by name, as in a kubeconfig file (several files merge into one). */
export class Kubeconfig implements ClusterAndUser {
  clusters: Cluster[] = [];
  users: User[] = [];
  contexts: Context[] = [];
  currentContext = '';

  static of(entries: { clusters: Cluster[]; users: User[]; contexts: Context[]; currentContext: string }): Kubeconfig {
    return Object.assign(new Kubeconfig(), entries);
  }

  getCurrentCluster(): Cluster | null {
    const context = this.contexts.find((c) => c.name === this.currentContext);
    return (context && this.clusters.find((c) => c.name === context.cluster)) ?? null;
  }

  getCurrentUser(): User | null {
    const context = this.contexts.find((c) => c.name === this.currentContext);
    return (context && this.users.find((u) => u.name === context.user)) ?? null;
  }
}

/**
 * One kubeconfig file, as client-node's loadFromFile reads it (entries checked, certificate and
 * key paths made absolute to the file's directory), and its raw document for what that drops.
 */
export function readKubeconfigFile(file: string): { config: Kubeconfig; raw: any } {
  const raw = parsedYaml(file);
  const config = Kubeconfig.of({
    clusters: newClusters(raw?.clusters),
    contexts: newContexts(raw?.contexts),
    users: newUsers(raw?.users),
    currentContext: raw?.['current-context'] ?? '',
  });
  const root = dirname(file);
  const absolute = (path: string) => (isAbsolute(path) ? path : join(root, path));
  for (const cluster of config.clusters) if (cluster.caFile) (cluster as { caFile?: string }).caFile = absolute(cluster.caFile);
  for (const user of config.users) {
    const writable = user as { certFile?: string; keyFile?: string };
    if (user.certFile) writable.certFile = absolute(user.certFile);
    if (user.keyFile) writable.keyFile = absolute(user.keyFile);
  }
  return { config, raw };
}

/** The last parse of each file, by its text: the connections opened ahead read the same files a moment before the command does. */
const parsed = new Map<string, { text: string; document: unknown }>();

function parsedYaml(file: string): any {
  const text = readFileSync(file, 'utf8');
  const known = parsed.get(file);
  if (known?.text === text) return known.document;
  const document = load(text);
  parsed.set(file, { text, document });
  return document;
}

function fileOrData(file: string | undefined | null, data: string | undefined | null): Buffer | undefined {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return undefined;
}

/**
 * What client-node's KubeConfig.applyToHTTPSOptions sets on a request, for the current cluster
 * and user: the CA, client certificate and key (files read on every call, so a rotated file is
 * picked up as before), insecure-skip-tls-verify, tls-server-name, the user's `as`, basic auth
 * and a static token. An `auth-provider` user (oidc, azure, gcp, a token file provider) is
 * applied by client-node itself, loaded for that user only.
 */
export async function applyAccess(config: ClusterAndUser, opts: AccessOptions): Promise<void> {
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  if (!user) return;
  Object.assign(opts, serverTls(config));
  const headers = (opts.headers ??= {}) as Record<string, string | string[] | number>;
  if (user.impersonateUser != null) headers['Impersonate-User'] = user.impersonateUser;
  if (user.authProvider) await applyAuthProvider(cluster, user, opts);
  if (user.token) headers.Authorization = `Bearer ${user.token}`;
  if (user.username) opts.auth = `${user.username}:${user.password}`;
}

/** The TLS settings of a connection to the current cluster as its user (no request is needed to know them). */
export function serverTls(config: ClusterAndUser): Pick<AccessOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'> {
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  const tls: Pick<AccessOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'> = {};
  if (!user) return tls;
  if (cluster?.skipTLSVerify) tls.rejectUnauthorized = false;
  if (cluster?.tlsServerName) tls.servername = cluster.tlsServerName;
  const ca = cluster ? fileOrData(cluster.caFile, cluster.caData) : undefined;
  if (ca) tls.ca = ca;
  const cert = fileOrData(user.certFile, user.certData);
  if (cert) tls.cert = cert;
  const key = fileOrData(user.keyFile, user.keyData);
  if (key) tls.key = key;
  return tls;
}

/** client-node's authenticators for an `auth-provider` user: the only path that loads its KubeConfig. */
async function applyAuthProvider(cluster: Cluster | null, user: User, opts: AccessOptions): Promise<void> {
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  // Without the proxy and with TLS checks off for http:// (its agent, which we do not use, would refuse it).
  const server = cluster ?? { name: 'cluster', server: 'https://unused', skipTLSVerify: false };
  kc.loadFromOptions({
    clusters: [{ ...server, proxyUrl: undefined, skipTLSVerify: server.skipTLSVerify || server.server.startsWith('http:') }],
    users: [user],
    contexts: [{ name: 'current', cluster: server.name, user: user.name }],
    currentContext: 'current',
  });
  const applied: { headers?: Record<string, unknown> } = {};
  await kc.applyToHTTPSOptions(applied);
  Object.assign(opts.headers as object, applied.headers);
}
