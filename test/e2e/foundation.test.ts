import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, getJson, kubeconfig, kubectl, mustKubectl, plugin } from './harness.js';

const oneErrorLine = (stderr: string): string => {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  return lines[0]!;
};

describe('the local control plane', () => {
  let ns: Awaited<ReturnType<typeof freshNamespace>>;
  beforeAll(async () => {
    ns = await freshNamespace('foundation');
  });
  afterAll(async () => ns?.remove());

  it('reports the server version of the real kube-apiserver through `kubectl copy-target version`', async () => {
    const server = JSON.parse(await mustKubectl(['get', '--raw', '/version'])) as { gitVersion: string };
    const r = await plugin(['version']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(server.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(r.stdout).toBe(`Plugin Version: ${JSON.parse(readFileSync('package.json', 'utf8')).version}\nServer Version: ${server.gitVersion}\n`);
  });

  it('enforces RBAC: the restricted user gets 403 where the admin succeeds', async () => {
    const denied = await kubectl(['--context', 'dev', 'create', 'job', 'rbac-probe', '--image=busybox', '-n', ns.name]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden: User "dev" cannot create resource "jobs" in API group "batch"/);
    const read = await kubectl(['--context', 'dev', 'get', 'jobs', '-n', ns.name]);
    expect(read.code).toBe(0); // the same user may read: RBAC, not a broken login, said no
    const allowed = await kubectl(['create', 'job', 'rbac-probe', '--image=busybox', '-n', ns.name]);
    expect(allowed.code).toBe(0);
    const job = await getJson(['get', 'job', 'rbac-probe', '-n', ns.name]);
    expect(job.metadata.name).toBe('rbac-probe');
    const dev = await kubectl(['--context', 'dev', 'delete', 'job', 'rbac-probe', '-n', ns.name]);
    expect(dev.code).not.toBe(0);
    expect(dev.stderr).toMatch(/forbidden/);
  });

  it('runs a Job pod to Running (controller-manager, scheduler and kwok all work)', async () => {
    await mustKubectl(['create', 'job', 'runs', '--image=registry.example/app:1', '-n', ns.name]);
    await mustKubectl(['wait', '--for=create', 'pod', '-l', 'job-name=runs', '-n', ns.name, '--timeout=60s']);
    await mustKubectl(['wait', '--for=jsonpath={.status.phase}=Running', 'pod', '-l', 'job-name=runs', '-n', ns.name, '--timeout=60s']);
    const pods = await getJson(['get', 'pods', '-l', 'job-name=runs', '-n', ns.name]);
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0].spec.nodeName).toMatch(/^kwok-node-[01]$/);
    expect(pods.items[0].status.phase).toBe('Running');
    expect(pods.items[0].metadata.ownerReferences[0]).toMatchObject({ kind: 'Job', name: 'runs', controller: true });
  });
});

describe('kubectl copy-target version: kubeconfig handling like kubectl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'copy-target-kc-'));

  it('merges a KUBECONFIG that lists several files and honors --context and -n (a dry run allowed to the admin, refused to dev, found only in its namespace)', async () => {
    const full = readFileSync(kubeconfig(), 'utf8');
    const [head, contexts] = full.split(/^contexts:$/m);
    const clustersAndUsers = join(dir, 'a.yaml');
    const contextsOnly = join(dir, 'b.yaml');
    writeFileSync(clustersAndUsers, head!);
    writeFileSync(contextsOnly, `apiVersion: v1\nkind: Config\ncontexts:${contexts}`);
    const env = { KUBECONFIG: `${join(dir, 'missing.yaml')}:${clustersAndUsers}:${contextsOnly}` };
    const r = await plugin(['version', '--context', 'dev', '-n', 'kube-system'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Server Version: v1\.\d+\.\d+$/m);

    // What a command does depends on both: the server-side dry run is the admin's in that namespace,
    // refused to the view-only dev user, and the Deployment is found only in its own namespace.
    const ns = await freshNamespace('contexts');
    try {
      await mustKubectl(['create', 'deployment', 'web', '--image=registry.example/web:1', '-n', ns.name]);
      const asAdmin = await plugin(['deploy/web', '--dry-run=server', '-o', 'yaml', '--context', 'admin', '-n', ns.name], { env });
      expect(asAdmin.code, asAdmin.stderr).toBe(0);
      expect(asAdmin.stdout).toContain(`namespace: ${ns.name}`);
      const asDev = await plugin(['deploy/web', '--dry-run=server', '--context', 'dev', '-n', ns.name], { env });
      expect(asDev.code).toBe(1);
      expect(oneErrorLine(asDev.stderr)).toMatch(/jobs.batch is forbidden: User "dev" cannot create resource "jobs"/);
      const elsewhere = await plugin(['deploy/web', '--dry-run=server', '--context', 'admin', '-n', 'kube-system'], { env });
      expect(oneErrorLine(elsewhere.stderr)).toBe('error: deployment/web not found in namespace kube-system; check the name or pass -n NAMESPACE');
    } finally {
      await ns.remove();
    }
  });

  it('fails in one line when the kubeconfig file is missing', async () => {
    const r = await plugin(['version', '--kubeconfig', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(1);
    expect(oneErrorLine(r.stderr)).toBe(`error: kubeconfig file ${join(dir, 'nope.yaml')} does not exist; check --kubeconfig`);
    expect(r.stdout).toBe('');
  });

  it('fails in one line for an unknown context', async () => {
    const r = await plugin(['version', '--context', 'no-such-context']);
    expect(r.code).toBe(1);
    expect(oneErrorLine(r.stderr)).toMatch(/context "no-such-context" does not exist in kubeconfig/);
  });

  it('fails in one line when the server is unreachable, naming it', async () => {
    const unreachable = join(dir, 'unreachable.yaml');
    writeFileSync(
      unreachable,
      readFileSync(kubeconfig(), 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1'),
    );
    const r = await plugin(['version', '--kubeconfig', unreachable]);
    expect(r.code).toBe(1);
    expect(oneErrorLine(r.stderr)).toMatch(/cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:1 \(connection refused\)/);
  });

  it('shows the stack trace only with -v', async () => {
    const r = await plugin(['version', '--context', 'no-such-context', '-v']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('-v=6 logs each API request (method, URL, status, milliseconds) on stderr, and never the token', async () => {
    const token = /token: (\S+)/.exec(readFileSync(kubeconfig(), 'utf8'))![1]!;
    for (const flag of [['-v=6'], ['--v', '6']]) {
      const r = await plugin(['status', '-A', ...flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr.split('\n').filter(Boolean)).toEqual([
        expect.stringMatching(/^GET https:\/\/127\.0\.0\.1:\d+\/apis\/batch\/v1\/jobs\?labelSelector=app\.kubernetes\.io%2Fmanaged-by%3Dkubectl-copy-target&limit=500 200 OK in \d+ milliseconds$/),
      ]);
      expect(r.stdout + r.stderr).not.toContain(token);
    }
    const quiet = await plugin(['status', '-A']);
    expect(quiet.stderr).toBe('');
  });
});
