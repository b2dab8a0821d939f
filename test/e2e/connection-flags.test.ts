import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, getJson, mustKubectl, plugin, type Result } from './harness.js';
import { clientCertificate, clusterAccess } from './users.js';

// kubectl's connection flags, with kubectl's meaning and precedence over the kubeconfig.

let ns: string;
let removeNs: () => Promise<void>;
let server: string;
let ca: string;
let adminToken: string;
let devToken: string;

beforeAll(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('conn'));
  ({ server, ca, adminToken, devToken } = clusterAccess());
  await mustKubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'registry.example/web:1' }] } },
    },
  }));
});
afterAll(async () => removeNs?.());

/** With no kubeconfig at all: everything comes from the flags, as `kubectl --server ... --token ...`. */
const flagsOnly = (...flags: string[]) => ['--kubeconfig', '/dev/null', '--server', server, ...flags];

const errorLine = (r: Result): string => {
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0]!;
};

/** The user a copy recorded, read back from its Job. */
async function recordedUser(r: Result): Promise<string> {
  expect(r.code, r.stderr).toBe(0);
  const pod = await getJson(['get', 'pod', r.stdout.trim(), '-n', ns]);
  const job = await getJson(['get', 'job', pod.metadata.labels['batch.kubernetes.io/job-name'], '-n', ns]);
  return job.metadata.annotations['copy-target.dev/user'];
}

describe('connection flags', () => {
  it('--server with --certificate-authority and --token, no kubeconfig: works; without a CA: refused as untrusted', async () => {
    const ok = await plugin(['version', ...flagsOnly('--certificate-authority', ca, '--token', adminToken)]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^Server Version: v1\.\d+\.\d+$/m);
    const untrusted = await plugin(['version', ...flagsOnly('--token', adminToken)]);
    expect(untrusted.code).toBe(1);
    expect(errorLine(untrusted)).toBe(
      `error: cannot trust the Kubernetes API server at ${server}: its certificate is not signed by a certificate authority you trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE); check certificate-authority in your kubeconfig, or pass --certificate-authority`,
    );
    const insecure = await plugin(['status', '-n', ns, ...flagsOnly('--token', adminToken, '--insecure-skip-tls-verify')]);
    expect(insecure.code, insecure.stderr).toBe(0);
    expect(insecure.stdout).toBe('No active copy targets\n');
  });

  it('--token and --user of the view-only user: may look, may not copy', async () => {
    for (const who of [['--token', devToken], ['--user', 'dev']]) {
      expect((await plugin(['status', '-n', ns, ...who])).code).toBe(0);
      const r = await plugin(['deploy/web', '-n', ns, ...who]);
      expect(r.code).toBe(1);
      expect(errorLine(r)).toMatch(/jobs\.batch is forbidden: User "dev" cannot create resource "jobs"/);
    }
  });

  it('--as impersonates: the view-only user is refused a copy; an impersonated admin is recorded as the copy\'s user', async () => {
    const asDev = await plugin(['deploy/web', '-n', ns, '--as', 'dev']);
    expect(asDev.code).toBe(1);
    expect(errorLine(asDev)).toMatch(/User "dev" cannot create resource "jobs"/);
    const asAlice = await plugin(['deploy/web', '-n', ns, '--as', 'alice', '--as-group', 'system:masters', '--as-group', 'system:authenticated']);
    expect(await recordedUser(asAlice)).toBe('alice');
  });

  it('--client-certificate and --client-key: the certificate\'s subject is the user', async () => {
    const { cert, key } = clientCertificate('cert-user', ['system:masters']);
    const r = await plugin(['deploy/web', '-n', ns, '--new', ...flagsOnly('--certificate-authority', ca, '--client-certificate', cert, '--client-key', key)]);
    expect(await recordedUser(r)).toBe('cert-user');
  });

  it('--tls-server-name: a name the certificate has works, another is refused', async () => {
    expect((await plugin(['status', '-n', ns, '--tls-server-name', 'kubernetes'])).code).toBe(0);
    const wrong = await plugin(['status', '-n', ns, '--tls-server-name', 'wrong.example']);
    expect(wrong.code).toBe(1);
    expect(errorLine(wrong)).toContain('its certificate does not name that address (ERR_TLS_CERT_ALTNAME_INVALID)');
  });

  it('--cluster and --user must name kubeconfig entries; --request-timeout=1ms fails in one line', async () => {
    expect(errorLine(await plugin(['status', '--cluster', 'nope']))).toBe('error: cluster "nope" (--cluster) is not in kubeconfig');
    expect(errorLine(await plugin(['status', '--user', 'nobody']))).toBe('error: user "nobody" (--user) is not in kubeconfig');
    const timedOut = await plugin(['status', '-n', ns, '--request-timeout=1ms']);
    expect(timedOut.code).toBe(1);
    expect(errorLine(timedOut)).toBe(`error: cannot reach the Kubernetes API server at ${server} (timed out); check that the cluster is up and your --context/--kubeconfig`);
    expect((await plugin(['status', '-n', ns, '--request-timeout', '0'])).code).toBe(0); // 0: no timeout, as in kubectl
  });
});
