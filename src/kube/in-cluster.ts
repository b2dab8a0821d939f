import { readFileSync, statSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';

/** Where the kubelet mounts a pod's service-account token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterConfig {
  server: string;
  caFile: string;
  tokenFile: string;
  namespace: string;
}

/**
 * kubectl's in-cluster config (client-go rest.InClusterConfig), used when no kubeconfig is found:
 * possible when KUBERNETES_SERVICE_HOST and _PORT are set and the token file exists. The namespace
 * is POD_NAMESPACE, else the service account's namespace file, else "default".
 */
export function inClusterConfig(env: NodeJS.ProcessEnv = process.env): InClusterConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(SERVICE_ACCOUNT_DIR, 'token');
  try {
    if (!host || !port || statSync(tokenFile).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  let namespace = env.POD_NAMESPACE ?? '';
  if (!namespace) {
    try {
      namespace = readFileSync(join(SERVICE_ACCOUNT_DIR, 'namespace'), 'utf8').trim();
    } catch {
      // no namespace file: "default", as kubectl
    }
  }
  return {
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    caFile: join(SERVICE_ACCOUNT_DIR, 'ca.crt'),
    tokenFile,
    namespace: namespace || 'default',
  };
}
