import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlugin, waitFor, type Running } from './background.js';
import { freshNamespace, getJson, mustKubectl, plugin } from './harness.js';
import { deploymentObject, liveCopyJobs } from './hold-helpers.js';

// What the README promises about holds that outlive their session: gc -A, the cheap pass of copy
// and delete, a detached hold ending at --ttl, a hold lost mid-session, the events left behind.

let ns: string;
let other: string;
const removers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const a = await freshNamespace('stale');
  const b = await freshNamespace('stale-other');
  ns = a.name;
  other = b.name;
  removers.push(a.remove, b.remove);
});
afterAll(async () => {
  for (const remove of removers) await remove();
});

async function makeDeployment(namespace: string, name: string, replicas: number): Promise<void> {
  await mustKubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify(deploymentObject(name, replicas)));
  await waitFor(`deployment/${name}`, namespace, '{.status.readyReplicas}', String(replicas), '90s');
}

const getObject = (namespace: string, kindName: string) => getJson(['get', kindName, '-n', namespace]);
const lease = async (namespace: string, name: string): Promise<string> =>
  (await getObject(namespace, `deployment/${name}`)).metadata.annotations['copy-target.dev/hold-lease-expires'];
const ourKeys = (meta: any) => Object.keys({ ...meta.annotations, ...meta.labels }).filter((k) => k.startsWith('copy-target.dev/hold') || k === 'copy-target.dev/held');

const liveCopies = liveCopyJobs;

async function expectRestored(namespace: string, name: string, replicas: number): Promise<void> {
  const d = await getObject(namespace, `deployment/${name}`);
  expect(d.spec.replicas).toBe(replicas);
  expect(ourKeys(d.metadata)).toEqual([]);
  expect(await liveCopies(namespace, name)).toEqual([]);
}

/** A foreground session with a 3s lease, killed outright once it holds. */
async function crashedSession(namespace: string, name: string): Promise<void> {
  const s = startPlugin([`deploy/${name}`, '-n', namespace, '--scale-down', '--lease-duration', '3s']);
  await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/Ctrl-C ends the session/);
  s.child.kill('SIGKILL');
  await s.done;
  expect((await getObject(namespace, `deployment/${name}`)).spec.replicas).toBe(0);
}

/**
 * Waits until the lease (3s) is over on the API server's clock, on the workload's hold and on its
 * copy Job's mirror alike: a session stopped between its two renewal writes leaves the mirror a
 * renewal ahead. The plugin reads the server's clock from whole-second Date headers, so up to a
 * second behind: the margin covers that.
 */
async function leaseRunsOut(namespace: string, name: string): Promise<void> {
  const jobs = await getJson(['get', 'jobs', '-n', namespace, '-l', 'app.kubernetes.io/managed-by=kubectl-copy-target']);
  const mirrors = jobs.items
    .filter((j: any) => j.metadata.annotations?.['copy-target.dev/scaled-name'] === name)
    .map((j: any) => Date.parse(j.metadata.annotations['copy-target.dev/lease-expires']));
  const until = Math.max(Date.parse(await lease(namespace, name)), ...mirrors.filter((t: number) => !Number.isNaN(t)));
  await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 2500));
}

async function eventReasons(namespace: string, kind: string, name: string): Promise<string[]> {
  const events = await getJson(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${name},involvedObject.kind=${kind}`]);
  // Ours only: the Deployment controller records its own (ScalingReplicaSet).
  return events.items.map((e: any) => e.reason).filter((reason: string) => reason.startsWith('CopyTarget'));
}

describe('stale holds', () => {
  it('gc -A restores the crashed sessions of every namespace, and records CopyTargetRestored', async () => {
    await makeDeployment(ns, 'first', 2);
    await makeDeployment(other, 'second', 3);
    await crashedSession(ns, 'first');
    await crashedSession(other, 'second');
    await leaseRunsOut(ns, 'first');
    await leaseRunsOut(other, 'second');
    const gc = await plugin(['gc', '-A']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toMatch(new RegExp(`copy job copy-first-\\w+ is stale .*: deleted copy job copy-first-\\w+; restored deployment/first`));
    expect(gc.stdout).toMatch(new RegExp(`copy job copy-second-\\w+ is stale .*: deleted copy job copy-second-\\w+; restored deployment/second`));
    await expectRestored(ns, 'first', 2);
    await expectRestored(other, 'second', 3);
    expect((await eventReasons(other, 'Deployment', 'second')).sort()).toEqual(['CopyTargetRestored', 'CopyTargetScaledDown']);
  });

  it('delete makes the cheap pass too: a crashed session next to the copy being deleted is restored', async () => {
    await makeDeployment(ns, 'crashed', 2);
    await makeDeployment(ns, 'bystander', 1);
    const copy = await plugin(['deploy/bystander', '-n', ns]);
    expect(copy.code, copy.stderr).toBe(0);
    await crashedSession(ns, 'crashed');
    await leaseRunsOut(ns, 'crashed');
    const del = await plugin(['delete', 'deploy/bystander', '-n', ns]);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stderr).toMatch(/gc: copy job copy-crashed-\w+ is stale \(its session stopped renewing the lease at .+\): deleted copy job copy-crashed-\w+; restored deployment\/crashed/);
    await expectRestored(ns, 'crashed', 2);
    expect(await liveCopies(ns, 'bystander')).toEqual([]);
  });

  it('a detached hold ends at --ttl: the next gc removes the expired copy and restores the original', async () => {
    await makeDeployment(ns, 'short', 2);
    const r = await plugin(['deploy/short', '-n', ns, '--scale-down', '--detach', '--ttl', '4s']);
    expect(r.code, r.stderr).toBe(0);
    const [job] = await liveCopies(ns, 'short');
    // The Job's activeDeadlineSeconds ends the copy at --ttl.
    await waitFor(`job/${job}`, ns, '{.status.conditions[?(@.type=="Failed")].reason}', 'DeadlineExceeded', '60s');
    expect((await getObject(ns, 'deployment/short')).spec.replicas).toBe(0); // nothing restored it yet
    const gc = await plugin(['gc', '-n', ns]);
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toMatch(new RegExp(`copy job ${job} is stale \\(it expired at .+\\): deleted copy job ${job}; restored deployment/short`));
    await expectRestored(ns, 'short', 2);
  });

  it('a session that lost its hold (asleep past its lease) ends when it wakes, and its restore leaves the new holder alone', async () => {
    await makeDeployment(ns, 'contested', 3);
    const first: Running = startPlugin(['deploy/contested', '-n', ns, '--scale-down', '--lease-duration', '3s']);
    await expect.poll(() => first.stderr(), { timeout: 30_000 }).toMatch(/Ctrl-C ends the session/);
    first.child.kill('SIGSTOP'); // asleep: its lease runs out
    try {
      await leaseRunsOut(ns, 'contested');
      // Its cheap pass finds the sleeper's copy stale, restores (to 3) and removes it; then it holds.
      const second = await plugin(['deploy/contested', '-n', ns, '--scale-down', '--detach']);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/gc: copy job copy-contested-\w+ is stale \(its session stopped renewing the lease at .+\): deleted copy job copy-contested-\w+; restored deployment\/contested/);
      expect(second.stderr).toMatch(/deployment\/contested scaled to 0 \(was 3\)/);
    } finally {
      first.child.kill('SIGCONT'); // awake again: it finds the hold gone
    }
    const newHolder = (await getObject(ns, 'deployment/contested')).metadata.annotations['copy-target.dev/hold-session'];
    const r = await first.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/session ended: (the hold on deployment\/contested was taken over by another session|copy pod \S+ was deleted)/);
    expect(r.stderr).toMatch(/deployment\/contested is held by another session now, left as it is/);
    const held = await getObject(ns, 'deployment/contested');
    expect(held.spec.replicas).toBe(0);
    expect(held.metadata.annotations['copy-target.dev/hold-session']).toBe(newHolder);
    expect(held.metadata.annotations['copy-target.dev/hold-original']).toBe('3');
    expect((await plugin(['delete', 'deploy/contested', '-n', ns])).code).toBe(0);
    await expectRestored(ns, 'contested', 3);
  });

  it('a suspended kind restored by delete gets its CopyTargetRestored event', async () => {
    await mustKubectl(['create', 'cronjob', 'weekly', '-n', ns, '--image=registry.example/weekly:1', '--schedule=0 4 * * 0']);
    const r = await plugin(['cronjob/weekly', '-n', ns, '--scale-down', '--detach']);
    expect(r.code, r.stderr).toBe(0);
    expect((await getObject(ns, 'cronjob/weekly')).spec.suspend).toBe(true);
    expect((await plugin(['delete', 'cronjob/weekly', '-n', ns])).code).toBe(0);
    expect((await getObject(ns, 'cronjob/weekly')).spec.suspend).toBe(false);
    expect((await eventReasons(ns, 'CronJob', 'weekly')).sort()).toEqual(['CopyTargetRestored', 'CopyTargetScaledDown']);
  });
});
