import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FAULT_STEPS, type FaultStep } from '../../src/fault.js';
import { startPlugin, waitFor, type Running } from './background.js';
import { freshNamespace, getJson, kubeconfig, kubectl, mustKubectl, plugin, pollUntil, type Result } from './harness.js';

// Races, clocks, crashes and an API server that goes away (issue 8): each case is judged on what
// the API server holds afterwards.

let ns: string;
let removeNs: () => Promise<void>;

beforeAll(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('reliability'));
});
afterAll(async () => removeNs?.());

const repo = join(import.meta.dirname, '..', '..');
const apply = (yaml: string) => mustKubectl(['apply', '-n', ns, '-f', '-'], yaml);

/** `grace`: how long its pods take to stop once deleted (kwok honours the grace period). */
async function makeDeployment(name: string, replicas: number, grace = 0): Promise<void> {
  await apply(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: ${grace}
      containers: [{name: app, image: registry.example/app:1}]
`);
  await waitFor(`deployment/${name}`, ns, '{.status.readyReplicas}', String(replicas), '90s');
}

const getDeployment = (name: string) => getJson(['get', 'deployment', name, '-n', ns]);
const ourKeys = (meta: any) =>
  [...Object.keys(meta.annotations ?? {}), ...Object.keys(meta.labels ?? {})].filter((k) => k.startsWith('copy-target.dev/') && k !== 'copy-target.dev/scale-down');

/** Every copy Job of `name` in this file's namespace, terminating or not. */
async function copyJobs(name: string): Promise<any[]> {
  const jobs = await getJson(['get', 'jobs', '-n', ns, '-l', `app.kubernetes.io/managed-by=kubectl-copy-target,copy-target.dev/target-name=${name}`]);
  return jobs.items;
}

/**
 * The latest lease of a hold on `name`: the workload's, or its copy Job's mirror, which a session
 * killed between its two renewal writes leaves a renewal ahead.
 */
async function latestLease(name: string): Promise<string> {
  const hold = (await getDeployment(name)).metadata.annotations['copy-target.dev/hold-lease-expires'];
  const mirrors = (await copyJobs(name)).map((j) => j.metadata.annotations?.['copy-target.dev/lease-expires']).filter((d): d is string => d !== undefined);
  return [hold, ...mirrors].sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1)!;
}

/** The workload is back as it was: its replicas, none of our keys, no copy of it left. */
async function expectRestored(name: string, replicas: number): Promise<void> {
  const d = await getDeployment(name);
  expect(d.spec.replicas).toBe(replicas);
  expect(ourKeys(d.metadata)).toEqual([]);
  expect((await copyJobs(name)).filter((j) => !j.metadata.deletionTimestamp).map((j) => j.metadata.name)).toEqual([]);
}

async function waitForStderr(run: Running, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  await pollUntil(async () => run.stderr(), (stderr) => pattern.test(stderr), {
    timeoutMs,
    intervalMs: 50,
    message: (stderr) => `no ${pattern} on stderr; got: ${stderr}`,
  });
}

/** Waits (a watch) until the deployment's lease annotation differs from `from`: a renewal landed. */
function waitForRenewal(name: string, from: string, timeoutMs = 30_000): Promise<string> {
  const jsonpath = '{.metadata.annotations.copy-target\\.dev/hold-lease-expires}{"\\n"}';
  const watch = spawn('kubectl', ['get', 'deployment', name, '-n', ns, '--watch', '-o', `jsonpath=${jsonpath}`], { env: { ...process.env, KUBECONFIG: kubeconfig() } });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no renewal of deployment/${name}'s lease (still ${from}) after ${timeoutMs / 1000}s`)), timeoutMs);
    let seen = '';
    watch.stdout.on('data', (d) => {
      seen += d;
      const renewed = seen.split('\n').find((line) => line && line !== from);
      if (renewed) {
        clearTimeout(timer);
        resolve(renewed);
      }
    });
  }).finally(() => watch.kill());
}

/**
 * Resolves once the server's clock has passed `iso` (the clock every lease is judged on) by more
 * than a second: the plugin reads that clock from whole-second Date headers, so up to a second behind.
 */
async function waitUntilServerTimePasses(iso: string): Promise<void> {
  for (;;) {
    const r = await kubectl(['get', '--raw', '/version', '-v=8']);
    const date = /Date: (.+)/i.exec(r.stderr)?.[1];
    if (date && Date.parse(date) > Date.parse(iso) + 1000) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Jobs ADDED in the namespace while `during` runs (a watch, so a Job created then deleted counts). */
async function jobsCreatedDuring(during: () => Promise<void>): Promise<string[]> {
  const watch = spawn('kubectl', ['get', 'jobs', '-n', ns, '--watch-only', '-o', 'name'], { env: { ...process.env, KUBECONFIG: kubeconfig() } });
  let seen = '';
  watch.stdout.on('data', (d) => (seen += d));
  await new Promise((r) => setTimeout(r, 1000)); // the watch is open
  try {
    await during();
    await new Promise((r) => setTimeout(r, 1000)); // late events arrive
  } finally {
    watch.kill();
  }
  return [...new Set(seen.split('\n').filter(Boolean))];
}

/** libfaketime: the CLI (Node, dynamically linked) sees its clock shifted; timers stay real. */
const skewedClock = (offset: string): NodeJS.ProcessEnv => ({
  LD_PRELOAD: join(inject('toolsDir'), 'libfaketime.so.1'), // scripts/tools links it there
  FAKETIME: offset,
  FAKETIME_DONT_FAKE_MONOTONIC: '1',
  FAKETIME_DONT_RESET: '1',
});

describe('--scale-down: the original is really gone before the copy is handed out', () => {
  it('waits for the pods of a scaled-down Deployment to terminate, saying how many', async () => {
    // Pods that take 4s to stop: without the wait they would still be running beside the copy.
    await makeDeployment('slow', 2, 4);
    const r = await plugin(['deploy/slow', '-n', ns, '--scale-down', '--detach']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/waiting for 2 pods of deployment\/slow to terminate/);
    expect(r.stderr.indexOf('to terminate')).toBeLessThan(r.stderr.indexOf('created job'));
    const pods = await getJson(['get', 'pods', '-n', ns, '-l', 'app=slow']);
    expect(pods.items.map((p: any) => p.metadata.name)).toEqual([r.stdout.trim()]); // only the copy
    expect((await plugin(['delete', 'deploy/slow', '-n', ns])).code).toBe(0);
    await expectRestored('slow', 2);
  });

  it('at --pod-running-timeout, restores the original and exits 4 naming the pods that would not go', async () => {
    await makeDeployment('stuck', 1);
    const [pod] = (await getJson(['get', 'pods', '-n', ns, '-l', 'app=stuck'])).items.map((p: any) => p.metadata.name);
    // A finalizer nobody removes: the pod stays Terminating.
    await mustKubectl(['patch', 'pod', pod, '-n', ns, '--type=merge', '-p', '{"metadata":{"finalizers":["copy-target.dev/test-never"]}}']);
    try {
      const r = await plugin(['deploy/stuck', '-n', ns, '--scale-down', '--pod-running-timeout', '3s']);
      expect(r.code).toBe(4);
      // Past the pod's grace period (plus the margin for the kubelet), the finalizer is named as what holds it.
      expect(r.stderr).toMatch(new RegExp(`1 pod\\(s\\) of deployment/stuck were still there after \\d+s: ${pod} \\(held by finalizer copy-target\\.dev/test-never\\); raise --pod-running-timeout \\(it bounds the wait beyond their grace periods\\); see why with "kubectl describe pod ${pod} -n ${ns}"`));
      expect(r.stderr).toMatch(/deployment\/stuck restored to 1 replicas/);
      await expectRestored('stuck', 1);
    } finally {
      await mustKubectl(['patch', 'pod', pod, '-n', ns, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
  });
});

describe('--scale-down of a CronJob', () => {
  it('warns, naming them, that suspending it does not stop the Jobs it already started', async () => {
    await mustKubectl(['create', 'cronjob', 'nightly', '-n', ns, '--image=registry.example/batch:1', '--schedule=0 3 * * *']);
    await mustKubectl(['create', 'job', 'nightly-29001', '-n', ns, '--from=cronjob/nightly']);
    const uid = (await getJson(['get', 'job', 'nightly-29001', '-n', ns])).metadata.uid;
    // What the CronJob controller records for a Job it started (a schedule would take minutes).
    const active = { status: { active: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-29001', namespace: ns, uid }] } };
    await mustKubectl(['patch', 'cronjob', 'nightly', '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify(active)]);
    const r = await plugin(['cronjob/nightly', '-n', ns, '--scale-down', '--detach']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: suspending cronjob/nightly does not stop the Jobs it already started (job/nightly-29001); they keep running beside the copy');
    expect((await getJson(['get', 'cronjob', 'nightly', '-n', ns])).spec.suspend).toBe(true);
    expect((await plugin(['delete', 'cronjob/nightly', '-n', ns])).code).toBe(0);
    expect((await getJson(['get', 'cronjob', 'nightly', '-n', ns])).spec.suspend).toBe(false);
  });
});

describe('interruption before the copy Job exists', () => {
  it('a Ctrl-C during a slow step just before the Job is created: no Job is ever created, and the original is restored', async () => {
    await makeDeployment('intr', 2);
    let result: Result | undefined;
    const created = await jobsCreatedDuring(async () => {
      const run = startPlugin(['deploy/intr', '-n', ns, '--scale-down'], { COPY_TARGET_FAULT: 'pause:after-hold' });
      await waitForStderr(run, /fault: pausing/);
      expect((await getDeployment('intr')).spec.replicas).toBe(0); // the hold was taken
      run.child.kill('SIGINT');
      result = await run.done;
    });
    expect(result!.code).toBe(130);
    expect(created).toEqual([]);
    await expectRestored('intr', 2);
  });
});

describe('races between a live session and gc', () => {
  it('gc leaves a hold alone when its session renews between gc judging it stale and writing', async () => {
    await makeDeployment('race', 1);
    const session = startPlugin(['deploy/race', '-n', ns, '--scale-down', '--lease-duration', '3s']);
    await waitForStderr(session, /holding deployment\/race/);
    session.child.kill('SIGSTOP'); // a laptop lid closed: no renewals
    let gc: Running | undefined;
    try {
      await new Promise((r) => setTimeout(r, 500)); // a renewal already on its way lands
      await waitUntilServerTimePasses((await getDeployment('race')).metadata.annotations['copy-target.dev/hold-lease-expires']);
      gc = startPlugin(['gc', '-n', ns], { COPY_TARGET_FAULT: 'pause:gc-after-judging' });
      await waitForStderr(gc, /fault: pausing/); // gc judged the hold stale
      const judged = (await getDeployment('race')).metadata.annotations['copy-target.dev/hold-lease-expires'];
      session.child.kill('SIGCONT'); // the lid opens: the overdue renewal lands now
      await waitForRenewal('race', judged);
    } finally {
      session.child.kill('SIGCONT');
    }
    const r = await gc!.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/renewed while judged stale; left it|its session renewed the lease on deployment\/race meanwhile/);
    const held = await getDeployment('race');
    expect(held.spec.replicas).toBe(0);
    expect(held.metadata.annotations['copy-target.dev/hold-session']).toBeDefined();
    expect((await copyJobs('race')).filter((j) => !j.metadata.deletionTimestamp)).toHaveLength(1);
    session.child.kill('SIGINT');
    expect((await session.done).code).toBe(0);
    await expectRestored('race', 1);
  });

  it('a copy whose Job mirror lapsed is not deleted while the hold on its workload is live', async () => {
    await makeDeployment('mirror', 1);
    const session = startPlugin(['deploy/mirror', '-n', ns, '--scale-down', '--lease-duration', '30s']);
    await waitForStderr(session, /holding deployment\/mirror/);
    const [job] = await copyJobs('mirror');
    // The Job half of a renewal failed: its mirror says the lease ran out an hour ago.
    await mustKubectl(['annotate', 'job', job.metadata.name, '-n', ns, '--overwrite', `copy-target.dev/lease-expires=${new Date(Date.now() - 3600_000).toISOString()}`]);
    const gc = await plugin(['gc', '-n', ns]);
    expect(gc.code).toBe(0);
    const after = await getJson(['get', 'job', job.metadata.name, '-n', ns]);
    expect(after.metadata.deletionTimestamp).toBeUndefined();
    expect((await getDeployment('mirror')).spec.replicas).toBe(0);
    session.child.kill('SIGINT');
    expect((await session.done).code).toBe(0);
    await expectRestored('mirror', 1);
  });
});

describe("leases are judged on the API server's clock, not the laptop's", () => {
  it('a CLI whose clock is 10 minutes fast does not take over a live hold', async () => {
    await makeDeployment('fast', 2);
    const session = startPlugin(['deploy/fast', '-n', ns, '--scale-down', '--lease-duration', '60s']);
    await waitForStderr(session, /holding deployment\/fast/);
    const r = await plugin(['deploy/fast', '-n', ns, '--scale-down', '--detach'], { env: skewedClock('+10m') });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/deployment\/fast is already scaled down by admin/);
    session.child.kill('SIGINT');
    expect((await session.done).code).toBe(0);
    await expectRestored('fast', 2);
  });

  it('a CLI whose clock is 10 minutes slow writes a lease that others still see as live', async () => {
    await makeDeployment('slowclock', 1);
    const session = startPlugin(['deploy/slowclock', '-n', ns, '--scale-down', '--lease-duration', '60s'], skewedClock('-10m'));
    await waitForStderr(session, /holding deployment\/slowclock/);
    const gc = await plugin(['gc', '-n', ns]);
    expect(gc.code).toBe(0);
    expect((await getDeployment('slowclock')).spec.replicas).toBe(0); // still held
    session.child.kill('SIGINT');
    expect((await session.done).code).toBe(0);
    await expectRestored('slowclock', 1);
  });

  it('a CLI whose clock is 10 minutes slow still sees an expired lease as expired', async () => {
    await makeDeployment('lapsed', 3);
    const session = startPlugin(['deploy/lapsed', '-n', ns, '--scale-down', '--lease-duration', '3s']);
    await waitForStderr(session, /holding deployment\/lapsed/);
    session.child.kill('SIGKILL');
    await session.done;
    await waitUntilServerTimePasses(await latestLease('lapsed'));
    const gc = await plugin(['gc', '-n', ns], { env: skewedClock('-10m') });
    expect(gc.code).toBe(0);
    await expectRestored('lapsed', 3);
  });
});

/** How the CLI gets to each step; a step without a scenario fails to compile. */
const scenarios: Record<FaultStep, { args: string[]; then?: (name: string) => Promise<Result> }[]> = {
  'after-hold': [{ args: ['--scale-down'] }],
  'after-job-created': [{ args: [] }, { args: ['--scale-down'] }],
  'while-waiting': [{ args: [] }, { args: ['--scale-down'] }],
  'after-detach': [{ args: ['--scale-down', '--detach', '--ttl', '6s'] }],
  'during-restore': [{ args: ['--scale-down', '--duration', '1s'] }],
  'during-delete': [{ args: ['--scale-down', '--detach'], then: (name) => plugin(['delete', `deploy/${name}`, '-n', ns], { env: { COPY_TARGET_FAULT: 'during-delete' } }) }],
  'gc-after-judging': [{ args: ['--scale-down'], then: (name) => gcAfterCrash(name, 'gc-after-judging') }],
  'during-gc': [{ args: ['--scale-down'], then: (name) => gcAfterCrash(name, 'during-gc') }],
};

/** A session killed outright, then a gc that itself dies at `step` once the lease expired. */
async function gcAfterCrash(name: string, step: FaultStep): Promise<Result> {
  await waitUntilServerTimePasses(await latestLease(name));
  return plugin(['gc', '-n', ns], { env: { COPY_TARGET_FAULT: step } });
}

describe('a crash at any step is recoverable: one gc after the lease expired puts everything back', () => {
  const cases = FAULT_STEPS.flatMap((step) => scenarios[step].map((s) => ({ step, ...s })));
  it.each(cases)('killed at $step ($args)', async ({ step, args, then }) => {
    const name = `crash-${cases.findIndex((c) => c.step === step && c.args === args)}`;
    await makeDeployment(name, 2);
    const common = ['--lease-duration', '3s', '--pod-running-timeout', '3s'];
    let crashed: Result;
    if (then) {
      // The step belongs to a later command: the copy first runs (or is killed while holding).
      const first = startPlugin([`deploy/${name}`, '-n', ns, ...args, ...common]);
      if (args.includes('--detach')) expect((await first.done).code).toBe(0);
      else {
        await waitForStderr(first, /holding deployment/);
        first.child.kill('SIGKILL');
        await first.done;
      }
      crashed = await then(name);
    } else {
      crashed = await plugin([`deploy/${name}`, '-n', ns, ...args, ...common], { env: { COPY_TARGET_FAULT: step } });
    }
    expect(crashed.code).toBe(137); // it really died there, by SIGKILL
    // Whatever it left: once its lease, ready-by and (short) ttl passed, one gc cleans up. A
    // deadline hours away (the default ttl) is not what makes it stale.
    const deadlines = [
      (await getDeployment(name)).metadata.annotations?.['copy-target.dev/hold-lease-expires'],
      ...(await copyJobs(name)).flatMap((j) => [
        j.metadata.annotations['copy-target.dev/ready-by'],
        j.metadata.annotations['copy-target.dev/expires-at'],
        j.metadata.annotations['copy-target.dev/lease-expires'],
      ]),
    ].filter((d): d is string => d !== undefined && Date.parse(d) < Date.now() + 60_000);
    const latest = deadlines.sort().at(-1);
    if (latest) await waitUntilServerTimePasses(latest);
    const gc = await plugin(['gc', '-n', ns]);
    expect(gc.code).toBe(0);
    await expectRestored(name, 2);
  });
});

describe('the API server goes away during a session', () => {
  const cluster = (command: string) => mustKubectlScript(command);

  it('a foreground session renews again once the server is back, and restores at the end', async () => {
    await makeDeployment('restart', 2);
    const session = startPlugin(['deploy/restart', '-n', ns, '--scale-down', '--lease-duration', '6s']);
    await waitForStderr(session, /holding deployment\/restart/);
    const before = (await getDeployment('restart')).metadata.annotations['copy-target.dev/hold-lease-expires'];
    try {
      await cluster('stop-apiserver');
      await new Promise((r) => setTimeout(r, 3000)); // at least one renewal fails
    } finally {
      await cluster('start-apiserver');
    }
    await waitForRenewal('restart', before);
    expect(session.stderr()).toMatch(/could not renew the lease on deployment\/restart \(will retry\): cannot reach the Kubernetes API server/);
    session.child.kill('SIGINT');
    const r = await session.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/deployment\/restart restored to 2 replicas/);
    await expectRestored('restart', 2);
  });

  it('SIGTERM while the server is down: retries the restore for a while, then exits 1 telling to run gc', async () => {
    await makeDeployment('away', 2);
    const session = startPlugin(['deploy/away', '-n', ns, '--scale-down', '--lease-duration', '3s']);
    await waitForStderr(session, /holding deployment\/away/);
    let r: Result;
    try {
      await cluster('stop-apiserver');
      session.child.kill('SIGTERM');
      r = await session.done;
    } finally {
      await cluster('start-apiserver');
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/retrying for up to 20s/);
    expect(r.stderr).toMatch(/could not restore deployment\/away \(cannot reach the Kubernetes API server.*\); it stays scaled down until "kubectl copy-target gc -n /);
    expect((await getDeployment('away')).spec.replicas).toBe(0); // left held, as it said
    await waitUntilServerTimePasses(await latestLease('away'));
    const gc = await plugin(['gc', '-n', ns]);
    expect(gc.code, gc.stderr).toBe(0);
    await expectRestored('away', 2);
  }, 180_000);
});

function mustKubectlScript(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repo, 'scripts', 'cluster'), [command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/cluster ${command} failed: ${stderr}`))));
  });
}
