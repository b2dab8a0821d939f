import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, copyJobs, MANAGED, podNameFrom, waitDeleted } from './copy-helpers.js';
import { freshNamespace, getJson, kubectl, mustKubectl, plugin, pollUntil, type Result } from './harness.js';
import { clientCertificate, userKubeconfig } from './users.js';

// docs/rbac.yaml is what is tested: the file itself is applied, and users bound only to its
// roles run every command. Its ClusterRoles are removed afterwards unless they were there before.
// Every command runs at -v=6, so the test also knows what was requested: each role must grant
// exactly the (resource, verb) pairs its commands requested, no more.

const RBAC_YAML = join(import.meta.dirname, '..', '..', 'docs', 'rbac.yaml');
const ROLES = ['copy-target', 'copy-target-scale-down'];

let ns: string;
let removeNs: () => Promise<void>;
let rolesExisted: boolean;
interface User {
  config: string;
  user: string;
  /** The -v=6 request log of every command it ran. */
  log: string[];
}
/** Two certificate users: one bound to both roles, one to copy-target alone. */
let scaler: User;
let copier: User;

const podSpec = { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'registry.example/app:1' }] };
const template = (app: string, extra: object = {}) => ({ metadata: { labels: { app } }, spec: { ...podSpec, ...extra } });
const selector = (app: string) => ({ matchLabels: { app } });
const jobSpec = (app: string) => ({ template: template(app, { restartPolicy: 'Never' }) });

/** One of every kind a copy is made from. */
const WORKLOADS = [
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'deploy' }, spec: { replicas: 1, selector: selector('deploy'), template: template('deploy') } },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sts' }, spec: { replicas: 1, serviceName: 'sts', selector: selector('sts'), template: template('sts') } },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { replicas: 1, selector: selector('rs'), template: template('rs') } },
  { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'ro' }, spec: { replicas: 1, selector: selector('ro'), template: template('ro') } },
  { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job' }, spec: jobSpec('job') },
  { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj' }, spec: { schedule: '0 0 1 1 *', jobTemplate: { spec: jobSpec('cj') } } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod', labels: { app: 'pod' } }, spec: podSpec },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { selector: { app: 'deploy' }, ports: [{ port: 80 }] } },
  // Not a target kind, but a pod's copy is made from its DaemonSet's template.
  { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds' }, spec: { selector: selector('ds'), template: template('ds') } },
];
const TARGETS = ['pod/pod', 'deployment/deploy', 'statefulset/sts', 'replicaset/rs', 'rollout/ro', 'job/job', 'cronjob/cj', 'service/svc'];

/** Runs the plugin as `who`, at -v=6 (its request log kept) unless `quiet`. */
async function as(who: User, args: string[], quiet = false): Promise<Result> {
  const r = await plugin(quiet ? args : [...args, '-v=6'], { env: { KUBECONFIG: who.config } });
  if (!quiet) who.log.push(r.stderr);
  return r;
}

const REQUEST_LINE = /^(GET|POST|PATCH|PUT|DELETE|WATCH) https?:\/\/[^/\s]+(\/[^?\s]*)/;

/** What RBAC was asked for in -v=6 logs, as "resource[.group]:verb" (as `kubectl auth can-i` names them). */
function requested(logs: string[]): string[] {
  const asked = new Set<string>();
  for (const line of logs.join('\n').split('\n')) {
    const m = REQUEST_LINE.exec(line);
    if (!m) continue;
    const [method, path] = [m[1]!, m[2]!];
    const parts = path.split('/').filter(Boolean);
    const group = parts[0] === 'api' ? '' : parts[1]!;
    const rest = parts.slice(parts[0] === 'api' ? 2 : 3);
    const [resource, name] = rest[0] === 'namespaces' && rest.length > 2 ? [rest[2]!, rest[3]] : [rest[0]!, rest[1]];
    const verb = method === 'GET' ? (name ? 'get' : 'list') : method === 'WATCH' ? 'watch' : method === 'POST' ? 'create' : method.toLowerCase();
    asked.add(`${resource}${group ? `.${group}` : ''}:${verb}`);
  }
  return [...asked].sort();
}

/** What a ClusterRole of docs/rbac.yaml grants, named as `requested` names it. */
function granted(role: string): string[] {
  const docs = loadAll(readFileSync(RBAC_YAML, 'utf8')) as any[];
  const rules: any[] = docs.find((d) => d?.kind === 'ClusterRole' && d.metadata.name === role)!.rules;
  return rules.flatMap((r) => r.apiGroups.flatMap((g: string) => r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${res}${g ? `.${g}` : ''}:${v}`)))).sort();
}

/** A certificate user (no groups: nothing but what is bound to it) with RoleBindings to `roles` in the test namespace. */
async function boundUser(name: string, roles: string[]): Promise<User> {
  const user = `${name}-${randomBytes(3).toString('hex')}`;
  for (const role of roles) await mustKubectl(['create', 'rolebinding', `${user}-${role}`, `--clusterrole=${role}`, `--user=${user}`, '-n', ns]);
  const { cert, key } = clientCertificate(user);
  return { user, log: [], config: userKubeconfig(ns, [`--client-certificate=${cert}`, `--client-key=${key}`, '--embed-certs=true']) };
}

const get = (object: string) => getJson(['get', object, '-n', ns]);
const holdKeys = (object: any): string[] =>
  [...Object.keys(object.metadata.annotations ?? {}), ...Object.keys(object.metadata.labels ?? {})].filter((k) => k.startsWith('copy-target.dev/'));

beforeAll(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('rbac'));
  rolesExisted = (await kubectl(['get', 'clusterrole', ...ROLES])).code === 0;
  await mustKubectl(['apply', '-f', RBAC_YAML]);
  scaler = await boundUser('rbac-scaler', ROLES);
  copier = await boundUser('rbac-copier', ['copy-target']);
  await apply(ns, ...WORKLOADS);
  for (const app of ['deploy', 'sts', 'rs', 'job', 'ds']) {
    // kubectl wait fails at once on a selector that matches nothing yet: the controller makes the pod first.
    await pollUntil(() => getJson(['get', 'pods', '-l', `app=${app}`, '-n', ns]), (pods) => pods.items.length > 0, {
      timeoutMs: 60_000,
      intervalMs: 500,
      message: () => `no pod of app=${app} in namespace ${ns} after 60s`,
    });
    await mustKubectl(['wait', '--for=condition=Ready', 'pod', '-l', `app=${app}`, '-n', ns, '--timeout=60s']);
  }
});

afterAll(async () => {
  await removeNs?.();
  if (rolesExisted === false) await kubectl(['delete', 'clusterrole', ...ROLES, '--ignore-not-found']);
});

describe('RBAC: the roles of docs/rbac.yaml are enough, and a missing one is named', () => {
  it('a user without copy-target-scale-down is refused --scale-down in one line naming the permission, and nothing changes', async () => {
    const before = await get('deployment/deploy');
    const refusal = `error: you cannot patch deployments.apps/deploy in namespace ${ns}: --scale-down needs the copy-target-scale-down role (docs/rbac.yaml)\n`;
    for (const dryRun of [[], ['--dry-run=server']]) {
      const r = await as(copier, ['deployment/deploy', '--scale-down', ...dryRun], true);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(refusal);
      expect(r.stdout).toBe('');
      expect((await as(copier, ['deployment/deploy', '--scale-down', ...dryRun])).code).toBe(1);
    }
    // On the wire too: nothing but reads and the two self-reviews (who am I, may I patch).
    expect(requested(copier.log).filter((asked) => !/:(get|list|watch)$/.test(asked))).toEqual([
      'selfsubjectaccessreviews.authorization.k8s.io:create',
      'selfsubjectreviews.authentication.k8s.io:create',
    ]);
    const after = await get('deployment/deploy');
    expect(after.spec.replicas).toBe(1);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(holdKeys(after)).toEqual([]);
    expect(await copyJobs(ns)).toEqual([]);
    const events = await getJson(['get', 'events', '-n', ns, '--field-selector', 'reason=CopyTargetScaledDown']);
    expect(events.items).toEqual([]);
  });

  it('copy-target alone: copy of every kind, status, extend, delete; the role grants exactly what they request', async () => {
    copier.log = [];
    const pods: string[] = [];
    const dsPod = (await getJson(['get', 'pods', '-l', 'app=ds', '-n', ns])).items[0].metadata.name;
    for (const target of [...TARGETS, `pod/${dsPod}`]) {
      const r = await as(copier, [target]);
      expect(r.code, `${target}: ${r.stderr}`).toBe(0);
      pods.push(podNameFrom(r.stdout));
    }
    // service/svc leads to deployment/deploy, whose live copy (same user, same options) is handed back.
    expect(pods[TARGETS.indexOf('service/svc')]).toBe(pods[TARGETS.indexOf('deployment/deploy')]);
    const jobs = await getJson(['get', 'jobs', '-l', MANAGED, '-n', ns]);
    // Nine copies made, one of them handed back: eight Jobs, each recording the certificate's user.
    expect(jobs.items.map((j: any) => j.metadata.annotations['copy-target.dev/user'])).toEqual(Array(8).fill(copier.user));
    const status = await as(copier, ['status']);
    expect(status.code, status.stderr).toBe(0);
    for (const pod of pods) expect(status.stdout).toContain(pod);
    // Past the default --ttl (8h): extend never shortens.
    const extended = await as(copier, ['extend', '--all', '--ttl', '10h']);
    expect(extended.code, extended.stderr).toBe(0);
    const inTenHours = Date.now() + 10 * 3600_000;
    for (const job of (await getJson(['get', 'jobs', '-l', MANAGED, '-n', ns])).items) {
      expect(Math.abs(Date.parse(job.metadata.annotations['copy-target.dev/expires-at']) - inTenHours)).toBeLessThan(120_000);
    }
    const deleted = await as(copier, ['delete', '--all']);
    expect(deleted.code, deleted.stderr).toBe(0);
    await waitDeleted(ns, ...jobs.items.map((j: any) => `job/${j.metadata.name}`));
    expect(requested(copier.log)).toEqual(granted('copy-target'));
    // Not one refusal met and shrugged off along the way.
    expect(copier.log.join('\n')).not.toMatch(/ 403 Forbidden /);
  });

  it('with copy-target-scale-down too: scale-down with restore (foreground, detached then extended and deleted, gc after a lost copy); that role grants exactly what they request beyond copy-target', async () => {
    await apply(ns, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'deploy' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'deploy' }, minReplicas: 1, maxReplicas: 2 },
    });
    const foreground = await as(scaler, ['deployment/deploy', '--scale-down', '--duration', '2s']);
    expect(foreground.code, foreground.stderr).toBe(0);
    // Listing HPAs is allowed: the fight is warned about.
    expect(foreground.stderr).toContain('HorizontalPodAutoscaler deploy targets deployment/deploy');
    expect(foreground.stderr).toContain('restored to 1 replicas');
    const deploy = await get('deployment/deploy');
    expect(deploy.spec.replicas).toBe(1);
    expect(holdKeys(deploy)).toEqual([]);
    // Creating events is allowed: both are recorded.
    const reasons = (await getJson(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=deploy'])).items.map((e: any) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['CopyTargetScaledDown', 'CopyTargetRestored']));

    const scaled = (object: any) => (object.kind === 'Job' ? object.spec.suspend : object.spec.replicas);
    for (const [target, held, original] of [['statefulset/sts', 0, 1], ['replicaset/rs', 0, 1], ['rollout/ro', 0, 1], ['job/job', true, false]] as const) {
      const r = await as(scaler, [target, '--scale-down', '--detach']);
      expect(r.code, `${target}: ${r.stderr}`).toBe(0);
      expect(scaled(await get(target))).toBe(held);
      // A detached hold is extended with its copy: its lease moves too (the workload's patch).
      const e = await as(scaler, ['extend', target, '--ttl', '10h']);
      expect(e.code, `extend ${target}: ${e.stderr}`).toBe(0);
      const leaseLeftMs = Date.parse((await get(target)).metadata.annotations['copy-target.dev/hold-lease-expires']) - Date.now();
      expect(leaseLeftMs).toBeGreaterThan(9 * 3600_000); // past the default --ttl's 8h
      const d = await as(scaler, ['delete', target]);
      expect(d.code, `delete ${target}: ${d.stderr}`).toBe(0);
      const restored = await get(target);
      expect(scaled(restored)).toBe(original);
      expect(holdKeys(restored)).toEqual([]);
    }

    // A detached hold whose copy is gone (deleted by someone else): gc restores it.
    const r = await as(scaler, ['cronjob/cj', '--scale-down', '--detach']);
    expect(r.code, r.stderr).toBe(0);
    expect((await get('cronjob/cj')).spec.suspend).toBe(true);
    const copyJob = (await copyJobs(ns))[0]!.split('/')[1]!;
    await mustKubectl(['delete', 'job', copyJob, '-n', ns, '--wait=true']);
    const gc = await as(scaler, ['gc']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toContain('cronjob/cj');
    const cj = await get('cronjob/cj');
    expect(cj.spec.suspend).toBe(false);
    expect(holdKeys(cj)).toEqual([]);

    const asked = requested(scaler.log);
    const copying = granted('copy-target');
    expect(asked.filter((a) => !copying.includes(a))).toEqual(granted('copy-target-scale-down'));
    // Not even those it shrugs off (the namespace's policy annotation, events, HPAs): each was allowed.
    expect(scaler.log.join('\n')).not.toMatch(/ 403 Forbidden /);
  });
});
