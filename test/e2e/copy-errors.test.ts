// Every way `kubectl copy-target KIND/NAME` fails: the exit code, exactly one `error: ` line (no
// stack trace), and no copy left behind.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, getJson, kubeconfig, kubectl, mustKubectl, plugin } from './harness.js';
import { apply, deployment, oneErrorLine, waitDeleted } from './copy-helpers.js';

const GRAMMAR =
  'expected KIND/NAME[/container/CONTAINER] with KIND one of pod, deployment, statefulset, replicaset, rollout, job, cronjob, service';

describe('kubectl copy-target errors', () => {
  let ns: Awaited<ReturnType<typeof freshNamespace>>;
  let n: string;
  let policy: string;

  beforeAll(async () => {
    ns = await freshNamespace('errors');
    n = ns.name;
    policy = `deny-copies-${n}`;
    // A short grace period: the tests wait for the copy pods they made to be gone.
    await apply(n, deployment('web', 0, { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'registry.example/web:1' }] }));
  });
  afterAll(async () => {
    await kubectl(['delete', 'validatingadmissionpolicybinding', policy, '--ignore-not-found']);
    await kubectl(['delete', 'validatingadmissionpolicy', policy, '--ignore-not-found']);
    await ns?.remove();
  });

  /** No Job at all in the namespace (nothing but copies could make one here) and no copy pod. */
  const nothingLeft = async () => {
    expect((await getJson(['get', 'jobs', '-n', n])).items).toEqual([]);
    expect((await getJson(['get', 'pods', '-n', n])).items.filter((p: any) => !p.metadata.deletionTimestamp)).toEqual([]);
  };

  /** Retries `--dry-run=server` (creates nothing) until its exit code satisfies `done`, for up to 30s. */
  const dryRunUntil = async (done: (code: number) => boolean) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await plugin(['-n', n, 'deploy/web', '--dry-run=server', '-o', 'name']);
      if (done(r.code) || Date.now() > deadline) return r;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  /** Runs the plugin, expects the exit code and a single error line; returns that line. */
  const fails = async (code: number, args: string[]): Promise<string> => {
    const r = await plugin(args);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stdout).toBe('');
    const line = oneErrorLine(r.stderr);
    await nothingLeft();
    return line;
  };

  it('unknown kind: usage error (2) showing the grammar', async () => {
    expect(await fails(2, ['-n', n, 'frobnicator/web'])).toBe(`error: unknown kind "frobnicator" in target "frobnicator/web"; ${GRAMMAR}`);
  });

  it('bare name without a kind: usage error (2)', async () => {
    expect(await fails(2, ['-n', n, 'web'])).toBe(`error: target "web" has no kind; ${GRAMMAR}`);
  });

  it('a DaemonSet: usage error (2) saying it is not supported and why', async () => {
    for (const target of ['ds/agent', 'daemonset/agent']) {
      expect(await fails(2, ['-n', n, target])).toBe(
        `error: DaemonSets are not supported ("${target}"): a DaemonSet runs one pod on every node and has no replica count to scale down; copy one of its pods instead (pod/NAME)`,
      );
    }
  });

  it('a flag value starting with "-" reaches the flag\'s own check, as in kubectl: --ttl -5m, --duration -1m', async () => {
    expect(await fails(2, ['-n', n, 'deploy/web', '--ttl', '-5m'])).toBe('error: --ttl must be positive: a copy may not live forever');
    expect(await fails(2, ['-n', n, 'deploy/web', '--scale-down', '--duration', '-1m'])).toBe('error: --duration must be positive');
  });

  it('flags that make no sense alone or are unknown: 2, saying what to do', async () => {
    expect(await fails(2, ['-n', n, 'deploy/web', '-c', 'app'])).toBe('error: -c app needs a command after --, e.g. -c app -- sleep infinity');
    expect(await fails(2, ['-n', n, 'deploy/web', '--detach'])).toBe(
      'error: --detach and --duration shape a --scale-down session; without --scale-down the copy always runs detached until --ttl',
    );
    expect(await fails(2, ['-n', n, 'deploy/web', '--no-such-flag'])).toBe('error: unknown flag: --no-such-flag; see --help');
  });

  it('a container named in the target path that does not exist: 2, listing the containers', async () => {
    expect(await fails(2, ['-n', n, 'deploy/web/container/nope'])).toBe(
      'error: cannot use container "nope": deployment/web has no container "nope" (containers: app; init containers: none)',
    );
  });

  it('gc reports a refused Rollout list (403) instead of taking it for a missing CRD', async () => {
    // The dev user may view the built-in kinds, not Argo Rollouts (the CRD is installed).
    expect(await fails(1, ['gc', '-n', n, '--context', 'dev'])).toBe(
      `error: list rollouts in namespace ${n}: rollouts.argoproj.io is forbidden: User "dev" cannot list resource "rollouts" in API group "argoproj.io" in the namespace "${n}" (ask your cluster admin for that permission, or use another --context)`,
    );
    const admin = await plugin(['gc', '-n', n]);
    expect(admin.code, admin.stderr).toBe(0);
  });

  it('-v after -- belongs to the user\'s command: no stack trace', async () => {
    expect(await fails(1, ['-n', n, 'deploy/nope', '--', 'grep', '-v', 'x'])).toBe(
      `error: deployment/nope not found in namespace ${n}; check the name or pass -n NAMESPACE`,
    );
  });

  it('kubectl\'s space-separated KIND NAME works like KIND/NAME', async () => {
    const spaced = await plugin(['-n', n, 'deploy', 'web', '--dry-run=client', '-o', 'json']);
    const slashed = await plugin(['-n', n, 'deploy/web', '--dry-run=client', '-o', 'json']);
    expect(spaced.code, spaced.stderr).toBe(0);
    expect(slashed.code, slashed.stderr).toBe(0);
    const original = (job: any) => job.metadata.annotations['copy-target.dev/target-kind'] + '/' + job.metadata.annotations['copy-target.dev/target-name'];
    expect(original(JSON.parse(spaced.stdout))).toBe('deployment/web');
    expect(original(JSON.parse(slashed.stdout))).toBe('deployment/web');
    await nothingLeft();
  });

  it('missing object: 1, naming it', async () => {
    expect(await fails(1, ['-n', n, 'deploy/nope'])).toBe(
      `error: deployment/nope not found in namespace ${n}; check the name or pass -n NAMESPACE`,
    );
  });

  it('missing namespace: 1, saying the namespace is not found', async () => {
    expect(await fails(1, ['-n', 'does-not-exist', 'deploy/web'])).toBe(
      "error: namespace does-not-exist not found; check -n or your context's namespace",
    );
  });

  it('a container named in -c that does not exist: 2', async () => {
    expect(await fails(2, ['-n', n, 'deploy/web', '-c', 'nosuch', '--', 'sleep', '1'])).toBe(
      'error: cannot set command: deployment/web has no container "nosuch" (containers: app; init containers: none)',
    );
  });

  it('a container named in --exclude-container that does not exist: 2', async () => {
    expect(await fails(2, ['-n', n, 'deploy/web', '--exclude-container', 'nosuch'])).toBe(
      'error: cannot exclude container "nosuch": deployment/web has no such container (containers: app)',
    );
  });

  it('RBAC: a user who may only view gets 1, naming the verb and resource', async () => {
    const line = await fails(1, ['--context', 'dev', '-n', n, 'deploy/web']);
    expect(line).toMatch(new RegExp(`^error: create job copy-web-[a-z0-9]{5} in namespace ${n}: `));
    expect(line).toContain(`jobs.batch is forbidden: User "dev" cannot create resource "jobs" in API group "batch" in the namespace "${n}"`);
  });

  it("admission rejecting the Job: 1, showing the server's message", async () => {
    const message = 'copies are not allowed in this namespace (e2e policy)';
    await mustKubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingAdmissionPolicy',
            metadata: { name: policy },
            spec: {
              failurePolicy: 'Fail',
              matchConstraints: {
                resourceRules: [{ apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['jobs'] }],
                objectSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'kubectl-copy-target' } },
              },
              validations: [{ expression: 'false', message }],
            },
          },
          {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingAdmissionPolicyBinding',
            metadata: { name: policy },
            spec: {
              policyName: policy,
              validationActions: ['Deny'],
              matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': n } } },
            },
          },
        ],
      }),
    );
    try {
      // The API server picks a new policy up asynchronously: retry a server dry run until denied.
      expect((await dryRunUntil((code) => code !== 0)).stderr).toContain(message);

      const line = await fails(1, ['-n', n, 'deploy/web']);
      expect(line).toMatch(
        new RegExp(
          `^error: create job (copy-web-[a-z0-9]{5}) in namespace ${n}: jobs\\.batch "\\1" is forbidden: ` +
            `ValidatingAdmissionPolicy '${policy}' with binding '${policy}' denied request: ${message.replace(/[()]/g, '\\$&')}$`,
        ),
      );
    } finally {
      await kubectl(['delete', 'validatingadmissionpolicybinding', policy, '--ignore-not-found']);
      await kubectl(['delete', 'validatingadmissionpolicy', policy, '--ignore-not-found']);
    }
    // Removal is asynchronous too: the tests after this one must not meet the policy.
    expect((await dryRunUntil((code) => code === 0)).code).toBe(0);
  });

  it('an image that cannot be pulled: 4, one error line naming ErrImagePull, and the Job is deleted', async () => {
    const r = await plugin(['-n', n, 'deploy/web', '--set-image', 'app=registry.invalid/nope:1']);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // Progress lines (stderr, plain on a pipe) may precede the error; the error is one line, last.
    const lines = r.stderr.split('\n').filter(Boolean);
    const errors = lines.filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(1);
    expect(lines.at(-1)).toBe(errors[0]);
    const m = /^error: container app of pod ((copy-web-[a-z0-9]{5})-[a-z0-9]{5}) cannot start: ErrImagePull: failed to pull image "registry\.invalid\/nope:1": not found$/.exec(
      errors[0]!,
    );
    expect(m, errors[0]).not.toBeNull();
    const [, podName, jobName] = m!;
    for (const progress of lines.slice(0, -1)) {
      expect(progress).toMatch(
        new RegExp(`^(created job ${jobName}; waiting for its pod to be Running|pod ${podName}: (starting containers|waiting to be scheduled))$`),
      );
    }
    await waitDeleted(n, `job/${jobName}`, `pod/${podName}`);
    await nothingLeft();
  });

  /** The copy pod cannot run: exit 4, the last stderr line is the one error, and nothing is left. */
  const copyCannotRun = async (args: string[], expected: RegExp, namespace = n) => {
    const r = await plugin(['-n', namespace, 'deploy/web', ...args]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toBe('');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(expected);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(errors[0]);
  };

  it('an unschedulable copy (a nodeSelector no node has) is waited for until --pod-running-timeout: 4, the scheduler\'s reason, and the Job is deleted', async () => {
    const pinned = await freshNamespace('unschedulable');
    try {
      await apply(
        pinned.name,
        deployment('web', 0, { nodeSelector: { disk: 'none-has-this' }, containers: [{ name: 'app', image: 'registry.example/web:1' }] }),
      );
      const started = Date.now();
      await copyCannotRun(
        ['--pod-running-timeout', '4s'],
        /^error: pod copy-web-\w+-\w+ could not be scheduled within 4s \(Unschedulable: 0\/\d+ nodes are available: (?:1 node\(s\) had untolerated taint\(s\), )?2 node\(s\) didn't match Pod's node affinity\/selector[^)]*\); raise --pod-running-timeout if nodes are on their way, or inspect it with "kubectl describe job copy-web-\w+ -n unschedulable-\w+"$/,
        pinned.name,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_000); // it waited, rather than failing at once
      expect((await getJson(['get', 'jobs', '-n', pinned.name])).items.filter((j: any) => !j.metadata.deletionTimestamp)).toEqual([]);
    } finally {
      await pinned.remove();
    }
  });

  it('a pod quota the copy would exceed: 4, the Job controller\'s FailedCreate message, and the Job is deleted', async () => {
    const quota = await freshNamespace('podquota');
    try {
      await apply(quota.name, deployment('web', 0, { containers: [{ name: 'app', image: 'registry.example/web:1' }] }));
      await mustKubectl(['create', 'quota', 'no-pods', '--hard=pods=0', '-n', quota.name]);
      await mustKubectl(['wait', '--for=jsonpath={.status.hard.pods}=0', 'resourcequota/no-pods', '-n', quota.name, '--timeout=30s']);
      await copyCannotRun([], /^error: the Job controller could not create the copy pod: .*forbidden: exceeded quota: no-pods/, quota.name);
      expect((await getJson(['get', 'jobs', '-n', quota.name])).items.filter((j: any) => !j.metadata.deletionTimestamp)).toEqual([]);
    } finally {
      await quota.remove();
    }
  });

  it('an unreachable server: 1, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'copy-target-errors-'));
    const unreachable = join(dir, 'kubeconfig');
    writeFileSync(unreachable, readFileSync(kubeconfig(), 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1'));
    expect(await fails(1, ['--kubeconfig', unreachable, '-n', n, 'deploy/web'])).toBe(
      'error: cannot reach the Kubernetes API server at https://127.0.0.1:1 (connection refused); check that the cluster is up and your --context/--kubeconfig',
    );
  });
});
