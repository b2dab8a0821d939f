// `kubectl copy-target extend`: a copy's expiry moves on all three places it is kept (the Job's
// expires-at annotation, its activeDeadlineSeconds, a detached hold's lease), and what gc, status
// and the Job controller then do with it, read back from the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlugin, waitFor } from './background.js';
import { oneErrorLine, podNameFrom, readCopy } from './copy-helpers.js';
import { freshNamespace, getJson, mustKubectl, plugin } from './harness.js';
import { deploymentObject, holdKeys, liveCopyJobs } from './hold-helpers.js';

let ns: string;
let removeNs: () => Promise<void>;

beforeAll(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('extend'));
});
afterAll(async () => removeNs?.());

async function makeDeployment(name: string, replicas: number): Promise<void> {
  await mustKubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(deploymentObject(name, replicas)));
  await waitFor(`deployment/${name}`, ns, '{.status.readyReplicas}', String(replicas), '90s');
}

const getObject = (kindName: string) => getJson(['get', kindName, '-n', ns]);
const EXPIRES = 'copy-target.dev/expires-at';
const LEASE = 'copy-target.dev/lease-expires';
const HOLD_LEASE = 'copy-target.dev/hold-lease-expires';

/** The copy pod's Job, with the pod: what `extend` names it by. */
async function copyOf(stdout: string): Promise<{ pod: string; job: any }> {
  const pod = podNameFrom(stdout);
  return { pod, job: (await readCopy(ns, pod)).job };
}

/** Waits until `ms` after `from` on this machine's clock (the API server runs on it too). */
const until = async (from: string, ms: number): Promise<void> => {
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(from) + ms - Date.now())));
};

/** The instant printed in `copy job X extended: expires at T (in D)...`. */
function extendedLine(stdout: string, job: string, tail: string): string {
  const match = new RegExp(`^copy job ${job} extended: expires at (\\S+Z) \\(in 10m\\)${tail}\\n$`).exec(stdout);
  expect(match, stdout).not.toBeNull();
  return match![1]!;
}

/** The Job ends no earlier than the copy expires, and not more than a second and a bit after. */
function expectDeadlineAt(job: any, expiresAt: string): void {
  const endsAt = Date.parse(job.status.startTime) + job.spec.activeDeadlineSeconds * 1000;
  expect(endsAt).toBeGreaterThanOrEqual(Date.parse(expiresAt));
  expect(endsAt).toBeLessThan(Date.parse(expiresAt) + 2000);
}

describe('extend', () => {
  it('a detached --scale-down copy extended to 10m outlives its --ttl 20s: gc at 30s keeps it, its Job runs on, the original stays at 0', async () => {
    await makeDeployment('worker', 2);
    const made = await plugin(['deploy/worker', '-n', ns, '--scale-down', '--detach', '--ttl', '20s']);
    expect(made.code, made.stderr).toBe(0);
    const { pod, job } = await copyOf(made.stdout);
    const name = job.metadata.name;
    const heldBefore = (await getObject('deployment/worker')).metadata.annotations;

    const r = await plugin(['extend', pod, '-n', ns, '--ttl', '10m']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const expiresAt = extendedLine(r.stdout, name, '; deployment/worker stays scaled down until then');
    // Ten minutes from now on the server's clock (this machine's, here), give or take the run.
    expect(Math.abs(Date.parse(expiresAt) - (Date.now() + 600_000))).toBeLessThan(10_000);

    // All three places moved together.
    const extended = await getObject(`job/${name}`);
    expect(extended.metadata.annotations[EXPIRES]).toBe(expiresAt);
    expect(extended.metadata.annotations[LEASE]).toBe(expiresAt);
    expectDeadlineAt(extended, expiresAt);
    expect((await getObject('deployment/worker')).metadata.annotations[HOLD_LEASE]).toBe(expiresAt);

    // Past the old --ttl and its Job deadline, then gc: the copy is live, so is the hold.
    await until(job.metadata.annotations['copy-target.dev/created-at'], 30_000);
    const gc = await plugin(['gc', '-n', ns]);
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toBe('');
    const after = await getObject(`job/${name}`);
    expect(after.metadata.deletionTimestamp).toBeUndefined();
    expect(after.status.conditions ?? []).toEqual([]); // no DeadlineExceeded: the Job controller saw the new deadline
    expect((await getObject(`pod/${pod}`)).metadata.deletionTimestamp).toBeUndefined();
    expect(await liveCopyJobs(ns, 'worker')).toEqual([name]);
    const held = await getObject('deployment/worker');
    expect(held.spec.replicas).toBe(0);
    // The hold is intact: the same annotations, only its lease moved with the copy.
    expect(holdKeys(held.metadata.annotations).sort()).toEqual(holdKeys(heldBefore).sort());
    for (const key of holdKeys(heldBefore)) expect(held.metadata.annotations[key], key).toBe(key === HOLD_LEASE ? expiresAt : heldBefore[key]);
    expect(held.metadata.labels['copy-target.dev/held']).toBe('true');

    // status shows the new expiry.
    const status = await plugin(['status', '-n', ns, '-o', 'json']);
    expect(JSON.parse(status.stdout).activeCopyTargets).toEqual([expect.objectContaining({ copyJobName: name, expiresAt, stale: false })]);
    const wide = await plugin(['status', '-n', ns, '-o', 'wide']);
    expect(wide.stdout).toMatch(new RegExp(`\\| ${pod} +\\| \\* +\\| Running +\\| .+ \\| (9m\\d+s|10m) +\\|\\n`));

    // -o json prints the Job as written; a second extend moves it again.
    const again = await plugin(['extend', name, '-n', ns, '--ttl', '20m', '-o', 'json']);
    expect(again.code, again.stderr).toBe(0);
    const printed = JSON.parse(again.stdout);
    expect(printed).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name } });
    expect(printed.metadata.managedFields).toBeUndefined();
    expect(Date.parse(printed.metadata.annotations[EXPIRES]) - Date.parse(expiresAt)).toBeGreaterThan(9 * 60_000);
    expect((await getObject('deployment/worker')).metadata.annotations[HOLD_LEASE]).toBe(printed.metadata.annotations[EXPIRES]);

    // A shorter --ttl never shortens it.
    const shorter = await plugin(['extend', 'deploy/worker', '-n', ns, '--ttl', '1m']);
    expect(shorter.code, shorter.stderr).toBe(0);
    expect(shorter.stdout).toMatch(new RegExp(`^copy job ${name} unchanged: it already expires at ${printed.metadata.annotations[EXPIRES]} \\(in (19|20)m\\), later than the 60s asked \\(extend never shortens a copy\\)\n$`));
    expect((await getObject(`job/${name}`)).metadata.annotations[EXPIRES]).toBe(printed.metadata.annotations[EXPIRES]);

    expect((await plugin(['delete', name, '-n', ns])).code).toBe(0);
    expect((await getObject('deployment/worker')).spec.replicas).toBe(2);
  });

  it('a stale copy is refused in one line naming it and why (exit 1); with several names the live ones are still extended', async () => {
    await makeDeployment('short', 1);
    // The live one first: making a copy removes the stale ones it finds (the cheap gc pass).
    const liveMade = await plugin(['deploy/short', '-n', ns, '--ttl', '1m']);
    expect(liveMade.code, liveMade.stderr).toBe(0);
    const live = await copyOf(liveMade.stdout);
    const staleMade = await plugin(['deploy/short', '-n', ns, '--ttl', '5s', '--new']);
    expect(staleMade.code, staleMade.stderr).toBe(0);
    const stale = await copyOf(staleMade.stdout);
    const staleName = stale.job.metadata.name;
    await until(stale.job.metadata.annotations[EXPIRES], 1500);

    const refused = await plugin(['extend', staleName, '-n', ns, '--ttl', '10m']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    const expired = stale.job.metadata.annotations[EXPIRES];
    expect(oneErrorLine(refused.stderr)).toBe(
      `error: copy job ${staleName} in namespace ${ns} is stale (it expired at ${expired}), so it cannot be extended; "kubectl copy-target gc -n ${ns}" removes it`,
    );
    expect((await getObject(`job/${staleName}`)).metadata.annotations[EXPIRES]).toBe(expired);

    const several = await plugin(['extend', stale.pod, 'nope', live.pod, '-n', ns, '--ttl', '10m']);
    expect(several.code).toBe(1);
    const expiresAt = extendedLine(several.stdout, live.job.metadata.name, '');
    // As delete reports them: names that match nothing first, then the copies that failed.
    expect(several.stderr.split('\n').filter(Boolean)).toEqual([
      `error: no copy matches "nope" in namespace ${ns}; list them with "kubectl copy-target status"`,
      `error: copy job ${staleName} in namespace ${ns} is stale (it expired at ${expired}), so it cannot be extended; "kubectl copy-target gc -n ${ns}" removes it`,
    ]);
    const extended = await getObject(`job/${live.job.metadata.name}`);
    expect(extended.metadata.annotations[EXPIRES]).toBe(expiresAt);
    expectDeadlineAt(extended, expiresAt);
    expect((await getObject(`job/${staleName}`)).metadata.annotations[EXPIRES]).toBe(expired);
    expect((await plugin(['delete', '--all', '-n', ns])).code).toBe(0);
  });

  it('a copy RBAC does not let you patch (the view-only dev user) is refused naming it and the reason; nothing changes', async () => {
    await makeDeployment('theirs', 1);
    const made = await plugin(['deploy/theirs', '-n', ns, '--ttl', '1m']);
    expect(made.code, made.stderr).toBe(0);
    const { job } = await copyOf(made.stdout);
    const name = job.metadata.name;
    const r = await plugin(['extend', name, '-n', ns, '--ttl', '10m', '--context', 'dev']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(oneErrorLine(r.stderr)).toMatch(
      new RegExp(`^error: extend copy job ${name} in namespace ${ns}: jobs.batch "${name}" is forbidden: User "dev" cannot patch resource "jobs" .*\\(ask your cluster admin for that permission, or use another --context\\)$`),
    );
    const after = await getObject(`job/${name}`);
    expect(after.metadata.annotations[EXPIRES]).toBe(job.metadata.annotations[EXPIRES]);
    expect(after.spec.activeDeadlineSeconds).toBe(60);
    expect((await plugin(['delete', name, '-n', ns])).code).toBe(0);
  });

  it('a foreground session\'s copy: its ttl moves, the lease stays its session\'s to renew, and Ctrl-C still ends it and restores', async () => {
    await makeDeployment('fg', 2);
    const session = startPlugin(['deploy/fg', '-n', ns, '--scale-down', '--ttl', '1m']);
    try {
      await expect.poll(() => session.stderr(), { timeout: 30_000 }).toMatch(/Ctrl-C ends the session/);
      const [name] = await liveCopyJobs(ns, 'fg');
      // Paused (its 30s lease holds meanwhile), so no renewal rewrites the leases read below.
      session.child.kill('SIGSTOP');
      try {
        const r = await plugin(['extend', `deploy/fg`, '-n', ns, '--ttl', '10m']);
        expect(r.code, r.stderr).toBe(0);
        const expiresAt = extendedLine(r.stdout, name!, '; deployment/fg stays held while its foreground session runs');
        const job = await getObject(`job/${name}`);
        expect(job.metadata.annotations[EXPIRES]).toBe(expiresAt);
        expectDeadlineAt(job, expiresAt);
        // The lease is the session's, on the hold and on its mirror: at most 30s ahead, not the copy's expiry.
        expect(Date.parse((await getObject('deployment/fg')).metadata.annotations[HOLD_LEASE])).toBeLessThan(Date.now() + 31_000);
        expect(Date.parse(job.metadata.annotations[LEASE])).toBeLessThan(Date.now() + 31_000);
      } finally {
        session.child.kill('SIGCONT');
      }
    } finally {
      session.child.kill('SIGINT');
    }
    const ended = await session.done;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).toMatch(/deployment\/fg restored to 2 replicas/);
    expect(await liveCopyJobs(ns, 'fg')).toEqual([]);
  });

  it('warns, naming the copy pod and when, that the original\'s pod-level activeDeadlineSeconds still ends it before the new expiry', async () => {
    await mustKubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'batch' },
      spec: { template: { spec: { restartPolicy: 'Never', activeDeadlineSeconds: 3600, containers: [{ name: 'app', image: 'registry.example/batch:1' }] } } },
    }));
    const made = await plugin(['job/batch', '-n', ns, '--ttl', '1m']);
    expect(made.code, made.stderr).toBe(0);
    const { pod, job } = await copyOf(made.stdout);
    const copyPod = await getObject(`pod/${pod}`);
    expect(copyPod.spec.activeDeadlineSeconds).toBe(3600); // copied with the pod, as the issue says
    const r = await plugin(['extend', pod, '-n', ns, '--ttl', '2h']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^copy job ${job.metadata.name} extended: expires at \\S+Z \\(in 120m\\)\n$`));
    const endsAt = new Date(Date.parse(copyPod.status.startTime) + 3600_000).toISOString();
    expect(r.stderr).toBe(
      `Warning: copy pod ${pod} keeps the original's pod-level activeDeadlineSeconds (3600s): the kubelet ends it at ${endsAt}, before the new expiry, ` +
        'and extend cannot move that deadline (a pod template is immutable)\n',
    );
    // Within the pod's own deadline, no warning.
    const within = await plugin(['extend', pod, '-n', ns, '--ttl', '30m']);
    expect(within.code, within.stderr).toBe(0);
    expect(within.stderr).toBe('');
    expect((await plugin(['delete', job.metadata.name, '-n', ns])).code).toBe(0);
  });

  it('--ttl is required, and names or --all (usage errors, exit 2)', async () => {
    const noTtl = await plugin(['extend', 'copy-x', '-n', ns]);
    expect(noTtl.code).toBe(2);
    expect(oneErrorLine(noTtl.stderr)).toBe('error: extend needs --ttl DURATION: how long from now the copy should live, e.g. --ttl 2h');
    const nothing = await plugin(['extend', '--ttl', '1h', '-n', ns]);
    expect(nothing.code).toBe(2);
    expect(oneErrorLine(nothing.stderr)).toBe('error: name what to extend (a copy pod, a copy job or KIND/NAME of the original), or pass --all');
    expect(noTtl.stdout + nothing.stdout).toBe('');
  });
});
