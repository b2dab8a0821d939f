import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { kubeconfig } from './harness.js';

/** The local cluster's API server and CA, and the admin's token, read from its kubeconfig. */
export function clusterAccess(): { server: string; ca: string; adminToken: string; devToken: string } {
  const config = readFileSync(kubeconfig(), 'utf8');
  return {
    server: /server: (\S+)/.exec(config)![1]!,
    ca: /certificate-authority: (\S+)/.exec(config)![1]!,
    adminToken: /- name: admin\n {2}user:\n {4}token: (\S+)/.exec(config)![1]!,
    devToken: /- name: dev\n {2}user:\n {4}token: (\S+)/.exec(config)![1]!,
  };
}

/** A client certificate and key for `user` (and `groups`), signed by the local cluster's CA. */
export function clientCertificate(user: string, groups: string[] = []): { cert: string; key: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ct-user-'));
  const pki = join(dirname(kubeconfig()), 'pki');
  const [key, csr, cert] = ['client.key', 'client.csr', 'client.crt'].map((f) => join(dir, f)) as [string, string, string];
  const subject = `${groups.map((g) => `/O=${g}`).join('')}/CN=${user}`;
  execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', key, '-out', csr], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', join(pki, 'ca.crt'), '-CAkey', join(pki, 'ca.key'), '-CAcreateserial', '-days', '1', '-out', cert], { stdio: 'ignore' });
  return { cert, key, dir };
}

/**
 * A kubeconfig of its own for one user of the local cluster (`kubectl config set-credentials`
 * arguments: --token, --client-certificate/--client-key with --embed-certs, --exec-command...),
 * its context's namespace set. Returns the file's path, for KUBECONFIG.
 */
export function userKubeconfig(namespace: string, credentials: string[]): string {
  const { server, ca } = clusterAccess();
  const file = join(mkdtempSync(join(tmpdir(), 'ct-kubeconfig-')), 'config');
  const config = (...args: string[]) => execFileSync('kubectl', ['config', '--kubeconfig', file, ...args], { stdio: 'ignore' });
  config('set-cluster', 'local', `--server=${server}`, `--certificate-authority=${ca}`, '--embed-certs=true');
  config('set-credentials', 'user', ...credentials);
  config('set-context', 'user', '--cluster=local', '--user=user', `--namespace=${namespace}`);
  config('use-context', 'user');
  return file;
}
