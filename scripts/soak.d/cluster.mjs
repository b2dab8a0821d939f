// The soak's side of the local cluster: the admin's access (direct, never through the fault
// proxy), the API server restarts, the namespace with its workloads, and one identity per client.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repo = join(import.meta.dirname, '..', '..');
const clusterScript = join(repo, 'scripts', 'cluster');

/** Starts the cluster named by COPY_TARGET_CLUSTER_STATE when it is not up (as npm run bench does); returns its admin kubeconfig. */
export function ensureCluster(log) {
  try {
    execFileSync(clusterScript, ['status'], { stdio: 'ignore' });
  } catch {
    log('soak: the cluster is not up; starting it (scripts/cluster up)');
    execFileSync(clusterScript, ['up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return execFileSync(clusterScript, ['env'], { encoding: 'utf8' }).trim().replace(/^export KUBECONFIG=/, '');
}

/** The API server's URL, its CA and the admin's token, read from the cluster script's kubeconfig. */
export function clusterAccess(kubeconfig) {
  const text = readFileSync(kubeconfig, 'utf8');
  const caFile = /certificate-authority: (\S+)/.exec(text)[1];
  return {
    server: /server: (\S+)/.exec(text)[1],
    caFile,
    ca: readFileSync(caFile),
    adminToken: /- name: admin\n {2}user:\n {4}token: (\S+)/.exec(text)[1],
    pki: join(caFile, '..'),
  };
}

/** kubectl as the admin, direct to the API server; resolves { code, stdout, stderr } (never rejects). */
export function adminKubectl(kubeconfig, args, { input, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, '--context', 'admin', ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin.end(input);
  });
}

/** Admin kubectl that must succeed, retried through an API server restart (up to `tries` times, 2 s apart). */
export async function mustAdmin(kubeconfig, args, { input, tries = 30 } = {}) {
  let last;
  for (let i = 0; i < tries; i++) {
    last = await adminKubectl(kubeconfig, args, { input });
    if (last.code === 0) return last.stdout;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`kubectl ${args.join(' ')} failed (${last.code}): ${last.stderr.trim()}`);
}

export const getJson = async (kubeconfig, args) => JSON.parse(await mustAdmin(kubeconfig, [...args, '-o', 'json']));

/** scripts/cluster stop-apiserver / start-apiserver (same COPY_TARGET_CLUSTER_STATE, inherited). */
export function clusterCommand(command) {
  return new Promise((resolve, reject) => {
    execFile(clusterScript, [command], { timeout: 180_000 }, (err, _stdout, stderr) => (err ? reject(new Error(`scripts/cluster ${command} failed: ${stderr.trim()}`)) : resolve()));
  });
}

/**
 * The workloads every client works on, each with the value it must be back at in the end. Pods
 * stop at once (grace 0) so a session's wait for them is short; the CronJob never fires during a
 * soak (its schedule is once a year).
 */
export function workloads() {
  const template = (app) => ({
    metadata: { labels: { app } },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'registry.example/app:1' }] },
  });
  const selector = (app) => ({ matchLabels: { app } });
  return [
    { ref: 'deploy/web', kind: 'deployment', name: 'web', field: 'replicas', expected: 2, object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, selector: selector('web'), template: template('web') } } },
    { ref: 'deploy/worker', kind: 'deployment', name: 'worker', field: 'replicas', expected: 1, object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'worker' }, spec: { replicas: 1, selector: selector('worker'), template: template('worker') } } },
    {
      ref: 'sts/db', kind: 'statefulset', name: 'db', field: 'replicas', expected: 2,
      object: {
        apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
        spec: {
          replicas: 2, serviceName: 'db', selector: selector('db'),
          template: { ...template('db'), spec: { ...template('db').spec, containers: [{ name: 'app', image: 'registry.example/db:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
        },
      },
    },
    { ref: 'rollout/canary', kind: 'rollout', resource: 'rollouts.argoproj.io', name: 'canary', field: 'replicas', expected: 2, object: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'canary' }, spec: { replicas: 2, selector: selector('canary'), template: template('canary') } } },
    {
      ref: 'cronjob/nightly', kind: 'cronjob', name: 'nightly', field: 'suspend', expected: false,
      object: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' }, spec: { schedule: '0 3 1 1 *', suspend: false, jobTemplate: { spec: { template: { spec: { ...template('nightly').spec, restartPolicy: 'Never' } } } } } },
    },
  ].map((w) => ({ ...w, resource: w.resource ?? w.kind }));
}

/** Creates the namespace and the workloads; waits for the StatefulSet's claims to exist. Returns the namespace. */
export async function createWorkloads(kubeconfig, list, log) {
  const ns = `soak-${randomBytes(3).toString('hex')}`;
  await mustAdmin(kubeconfig, ['create', 'namespace', ns]);
  await mustAdmin(kubeconfig, ['wait', '--for=create', 'serviceaccount/default', '-n', ns, '--timeout=180s']);
  for (const w of list) await mustAdmin(kubeconfig, ['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(w.object) });
  for (const w of list.filter((x) => x.kind === 'deployment' || x.kind === 'statefulset')) {
    await mustAdmin(kubeconfig, ['wait', `--for=jsonpath={.status.readyReplicas}=${w.expected}`, `${w.kind}/${w.name}`, '-n', ns, '--timeout=120s']);
  }
  log(`soak: namespace ${ns} with ${list.map((w) => w.ref).join(', ')}`);
  return ns;
}

/** name → uid of the namespace's PersistentVolumeClaims. */
export async function claimUids(kubeconfig, ns) {
  const list = await getJson(kubeconfig, ['get', 'pvc', '-n', ns]);
  return Object.fromEntries(list.items.map((c) => [c.metadata.name, { uid: c.metadata.uid, deleting: Boolean(c.metadata.deletionTimestamp), phase: c.status?.phase }]));
}

/**
 * One identity per client: a ServiceAccount of the namespace bound to docs/rbac.yaml's two roles
 * (what a team member gets), and a token for it. Tokens pass through the fault proxy unchanged.
 */
export async function clientUsers(kubeconfig, ns, count) {
  await mustAdmin(kubeconfig, ['apply', '-f', join(repo, 'docs', 'rbac.yaml')]);
  const users = [];
  for (let i = 0; i < count; i++) {
    const name = `user-${i}`;
    await mustAdmin(kubeconfig, ['create', 'serviceaccount', name, '-n', ns]);
    for (const role of ['copy-target', 'copy-target-scale-down']) {
      await mustAdmin(kubeconfig, ['create', 'rolebinding', `${name}-${role}`, `--clusterrole=${role}`, `--serviceaccount=${ns}:${name}`, '-n', ns]);
    }
    const token = (await mustAdmin(kubeconfig, ['create', 'token', name, '-n', ns, '--duration=24h'])).trim();
    users.push({ name, token });
  }
  return users;
}
