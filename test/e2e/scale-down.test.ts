import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPlugin, waitFor } from './background.js';
import { freshNamespace, getJson, kubeconfig, kubectl, mustKubectl, plugin } from './harness.js';
import { holdKeys, liveCopyJobs } from './hold-helpers.js';

// A namespace per test: the gc passes and event lists a test asserts on see only what it made, so
// the tests hold in any order and one test's leftovers cannot pass or fail another.
let ns: string;
let removeNs: () => Promise<void>;

beforeEach(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('scaledown'));
});
afterEach(async () => removeNs?.());

const apply = (yaml: string) => mustKubectl(['apply', '-n', ns, '-f', '-'], yaml);

const deployment = (name: string, replicas: number, extra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}${extra}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      # --scale-down waits for the original's pods to be gone: these go at once, not after 30s.
      terminationGracePeriodSeconds: 0
      containers:
      - name: app
        image: registry.example/app:1
        readinessProbe: {httpGet: {path: /ready, port: 80}}
`;

async function replicas(kind: string, name: string): Promise<number | boolean> {
  const o = await getJson(['get', kind, name, '-n', ns]);
  return kind.startsWith('job') || kind.startsWith('cronjob') ? Boolean(o.spec.suspend) : o.spec.replicas;
}

async function annotations(kind: string, name: string): Promise<Record<string, string>> {
  return (await getJson(['get', kind, name, '-n', ns])).metadata.annotations ?? {};
}

const copyJobs = (target: string) => liveCopyJobs(ns, target);

/**
 * Every value `.spec.replicas` of a Deployment took while `during` ran, read from a watch: proof
 * that a scale-down happened before a failure, not just that the end state is right. The test
 * cluster ends watches after 10-20s and `kubectl get --watch` then exits, so it is opened again
 * (printing the current value first) until `during` is over; a held zero outlasts that gap.
 */
async function replicasSeenDuring(name: string, namespace: string, during: () => Promise<void>): Promise<string[]> {
  let seen = '';
  let watching = true;
  let watch: ReturnType<typeof spawn> | undefined;
  const open = () => {
    watch = spawn('kubectl', ['get', 'deployment', name, '-n', namespace, '--watch', '-o', 'jsonpath={.spec.replicas}{"\\n"}'], {
      env: { ...process.env, KUBECONFIG: kubeconfig() },
    });
    watch.stdout!.on('data', (d) => (seen += d));
    watch.on('exit', () => watching && open());
  };
  open();
  await expect.poll(() => seen, { timeout: 30_000 }).not.toBe(''); // the watch is open: it printed the current value
  try {
    await during();
    await expect.poll(() => seen.trim().split('\n').at(-1), { timeout: 30_000 }).not.toBe('0'); // the restore arrived
  } finally {
    watching = false;
    watch?.kill();
  }
  return seen.trim().split('\n');
}

/** The sequence went to 0 (the scale-down) and came back to `original`, in that order. */
function expectScaledDownThenRestored(seen: string[], original: number): void {
  const zero = seen.indexOf('0');
  expect(zero, `replicas seen: ${seen.join(',')}`).toBeGreaterThan(-1);
  expect(seen.slice(zero + 1), `replicas seen: ${seen.join(',')}`).toContain(String(original));
  expect(seen.at(-1)).toBe(String(original));
}

describe('--scale-down: each scalable kind goes to zero (or suspended) and back to its exact value', () => {
  it('deployment, foreground session ended by --duration: 0 while held, back to 3, events recorded', async () => {
    await apply(deployment('web', 3));
    const session = startPlugin(['deployment/web', '-n', ns, '--scale-down', '--duration', '4s']);
    await waitFor('deployment/web', ns, '{.spec.replicas}', '0');
    const held = await annotations('deployment', 'web');
    expect(held['copy-target.dev/hold-original']).toBe('3');
    expect(held['copy-target.dev/hold-user']).toBe('admin');
    const r = await session.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/deployment\/web scaled to 0 \(was 3\)/);
    expect(r.stderr).toMatch(/session ended: --duration elapsed/);
    expect(r.stderr).toMatch(/deployment\/web restored to 3 replicas/);
    expect(await replicas('deployment', 'web')).toBe(3);
    expect(holdKeys(await annotations('deployment', 'web'))).toEqual([]);
    expect(await copyJobs('web')).toEqual([]);
    const events = await getJson(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=web,involvedObject.kind=Deployment']);
    const reasons = events.items.map((e: any) => `${e.reason}: ${e.message}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CopyTargetScaledDown: scaled to 0 \(was 3\) by admin@.+ for copy job copy-web-/),
        expect.stringMatching(/^CopyTargetRestored: restored to 3 replicas after copy job copy-web-/),
      ]),
    );
  });

  it('statefulset: scaled to 0 and, once its pods are gone, the copy mounts the ordinal-0 PVC of each of its two claim templates; restored to 2', async () => {
    await apply(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 2 # the copy waits for these pods to be gone
      containers:
      - name: db
        image: registry.example/db:1
        volumeMounts: [{name: data, mountPath: /data}, {name: logs, mountPath: /logs}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
  - metadata: {name: logs}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`);
    await waitFor('statefulset/db', ns, '{.status.readyReplicas}', '2', '90s');
    const r = await plugin(['sts/db', '-n', ns, '--scale-down', '--detach']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/emptyDir/);
    // Once its pods are gone, and only then, the copy is made.
    const waited = r.stderr.indexOf('waiting for 2 pods of statefulset/db to terminate');
    expect(waited).toBeGreaterThan(-1);
    expect(waited).toBeLessThan(r.stderr.indexOf('created job copy-db-'));
    const pod = await getJson(['get', 'pod', r.stdout.trim(), '-n', ns]);
    expect(pod.status.phase).toBe('Running');
    expect(pod.spec.volumes.find((v: any) => v.name === 'data')).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } });
    // Every volumeClaimTemplate, not just the first.
    expect(pod.spec.volumes.find((v: any) => v.name === 'logs')).toEqual({ name: 'logs', persistentVolumeClaim: { claimName: 'logs-db-0' } });
    expect(await replicas('statefulset', 'db')).toBe(0);
    const sts = await getJson(['get', 'pods', '-n', ns, '-l', 'app=db']);
    expect(sts.items.map((p: any) => p.metadata.name)).toEqual([r.stdout.trim()]); // only the copy
    const del = await plugin(['delete', 'sts/db', '-n', ns]);
    expect(del.code).toBe(0);
    expect(await replicas('statefulset', 'db')).toBe(2);
    expect(holdKeys(await annotations('statefulset', 'db'))).toEqual([]);
  });

  it('rollout (argoproj.io), replicaset owned by a deployment, standalone replicaset, pod of a deployment', async () => {
    await apply(`
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ro}
spec:
  replicas: 4
  selector: {matchLabels: {app: ro}}
  template:
    metadata: {labels: {app: ro}}
    spec: {containers: [{name: app, image: registry.example/ro:1, livenessProbe: {tcpSocket: {port: 80}}}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: lone}
spec:
  replicas: 2
  selector: {matchLabels: {app: lone}}
  template:
    metadata: {labels: {app: lone}}
    spec: {containers: [{name: app, image: registry.example/lone:1}]}
`);
    await apply(deployment('owned', 2));
    await waitFor('deployment/owned', ns, '{.status.readyReplicas}', '2');

    const ro = await plugin(['ro/ro', '-n', ns, '--scale-down', '--detach']);
    expect(ro.code).toBe(0);
    expect(await replicas('rollout', 'ro')).toBe(0);
    expect((await plugin(['delete', 'rollout/ro', '-n', ns])).code).toBe(0);
    expect(await replicas('rollout', 'ro')).toBe(4);

    const rsName = (await getJson(['get', 'rs', '-n', ns, '-l', 'app=owned'])).items[0].metadata.name;
    const owned = await plugin([`rs/${rsName}`, '-n', ns, '--scale-down', '--detach']);
    expect(owned.code).toBe(0);
    expect(owned.stderr).toContain(`replicaset/${rsName} is managed by deployment/owned; scaling deployment/owned down instead`);
    expect(await replicas('deployment', 'owned')).toBe(0);
    expect((await plugin(['delete', owned.stdout.trim(), '-n', ns])).code).toBe(0);
    expect(await replicas('deployment', 'owned')).toBe(2);

    const lone = await plugin(['rs/lone', '-n', ns, '--scale-down', '--detach']);
    expect(lone.code).toBe(0);
    expect(await replicas('replicaset', 'lone')).toBe(0);
    expect((await plugin(['delete', 'rs/lone', '-n', ns])).code).toBe(0);
    expect(await replicas('replicaset', 'lone')).toBe(2);

    await waitFor('deployment/owned', ns, '{.status.readyReplicas}', '2');
    const podName = (await getJson(['get', 'pods', '-n', ns, '-l', 'app=owned'])).items.find((p: any) => !p.metadata.labels['copy-target.dev/copy']).metadata.name;
    const fromPod = await plugin([`pod/${podName}`, '-n', ns, '--scale-down', '--detach']);
    expect(fromPod.code).toBe(0);
    expect(fromPod.stderr).toContain('scaling deployment/owned down instead');
    expect(await replicas('deployment', 'owned')).toBe(0);
    expect((await plugin(['delete', '--all', '-n', ns])).code).toBe(0);
    expect(await replicas('deployment', 'owned')).toBe(2);
  });

  it('what is scaled: a ReplicaSet owned by a Rollout scales the Rollout; a pod of a Job a CronJob started suspends the CronJob', async () => {
    await apply(`
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ro-owner}
spec:
  replicas: 3
  selector: {matchLabels: {app: ro-owner}}
  template:
    metadata: {labels: {app: ro-owner}}
    spec: {containers: [{name: app, image: registry.example/ro:1}]}
`);
    const rolloutUid = (await getJson(['get', 'rollout', 'ro-owner', '-n', ns])).metadata.uid;
    // What the Rollouts controller would make (none runs here): a ReplicaSet it controls.
    await apply(`
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: ro-owner-5d8f
  ownerReferences: [{apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: ro-owner, uid: ${rolloutUid}, controller: true}]
spec:
  replicas: 0
  selector: {matchLabels: {app: ro-owner}}
  template:
    metadata: {labels: {app: ro-owner}}
    spec: {containers: [{name: app, image: registry.example/ro:1}]}
`);
    const viaRs = await plugin(['rs/ro-owner-5d8f', '-n', ns, '--scale-down', '--detach']);
    expect(viaRs.code, viaRs.stderr).toBe(0);
    expect(viaRs.stderr).toContain('replicaset/ro-owner-5d8f is managed by rollout/ro-owner; scaling rollout/ro-owner down instead');
    expect(await replicas('rollout', 'ro-owner')).toBe(0);
    expect((await plugin(['delete', 'rs/ro-owner-5d8f', '-n', ns])).code).toBe(0);
    expect(await replicas('rollout', 'ro-owner')).toBe(3);

    await mustKubectl(['create', 'cronjob', 'hourly', '-n', ns, '--image=registry.example/hourly:1', '--schedule=0 * * * *']);
    await mustKubectl(['create', 'job', 'hourly-1', '-n', ns, '--from=cronjob/hourly']);
    await waitFor('job/hourly-1', ns, '{.status.ready}', '1');
    const jobPod = (await getJson(['get', 'pods', '-n', ns, '-l', 'batch.kubernetes.io/job-name=hourly-1'])).items[0].metadata.name;
    const viaPod = await plugin([`pod/${jobPod}`, '-n', ns, '--scale-down', '--detach']);
    expect(viaPod.code, viaPod.stderr).toBe(0);
    expect(viaPod.stderr).toContain(`pod/${jobPod} is managed by cronjob/hourly; scaling cronjob/hourly down instead`);
    expect(await replicas('cronjob', 'hourly')).toBe(true);
    expect(await replicas('job', 'hourly-1')).toBe(false); // the CronJob is held, not the Job in between
    expect((await plugin(['delete', `pod/${jobPod}`, '-n', ns])).code).toBe(0);
    expect(await replicas('cronjob', 'hourly')).toBe(false);
  });

  it('cronjob and job are suspended and get their previous suspend value back', async () => {
    // Pods that go at once: each session end waits for its copy pod (the default grace period is 30s).
    await apply(`
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, terminationGracePeriodSeconds: 0, containers: [{name: app, image: registry.example/nightly:1}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  template:
    spec: {restartPolicy: Never, terminationGracePeriodSeconds: 0, containers: [{name: app, image: registry.example/batch:1}]}
`);
    const cj = await plugin(['cj/nightly', '-n', ns, '--scale-down', '--detach']);
    expect(cj.code).toBe(0);
    expect(cj.stderr).toMatch(/cronjob\/nightly suspended/);
    expect(await replicas('cronjob', 'nightly')).toBe(true);
    expect((await plugin(['delete', 'cronjob/nightly', '-n', ns])).code).toBe(0);
    expect(await replicas('cronjob', 'nightly')).toBe(false);

    const job = await plugin(['job/batch', '-n', ns, '--scale-down', '--detach']);
    expect(job.code).toBe(0);
    expect(await replicas('job', 'batch')).toBe(true);
    expect((await plugin(['delete', 'job/batch', '-n', ns])).code).toBe(0);
    expect(await replicas('job', 'batch')).toBe(false);

    // Already suspended before the copy: suspended it stays (a restore that drops the field would resume it).
    await apply(`
apiVersion: batch/v1
kind: CronJob
metadata: {name: paused}
spec:
  schedule: "0 3 * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, terminationGracePeriodSeconds: 0, containers: [{name: app, image: registry.example/paused:1}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: held-back}
spec:
  suspend: true
  template:
    spec: {restartPolicy: Never, terminationGracePeriodSeconds: 0, containers: [{name: app, image: registry.example/held:1}]}
`);
    for (const target of ['cronjob/paused', 'job/held-back']) {
      const [kind, name] = target.split('/') as [string, string];
      const r = await plugin([target, '-n', ns, '--scale-down', '--detach']);
      expect(r.code, r.stderr).toBe(0);
      expect((await annotations(kind, name))['copy-target.dev/hold-original']).toBe('true');
      expect((await plugin(['delete', target, '-n', ns])).code).toBe(0);
      expect(await replicas(kind, name)).toBe(true);
      expect(holdKeys(await annotations(kind, name))).toEqual([]);
    }
  });

  it('refuses what cannot be scaled before creating anything: a bare pod, a DaemonSet pod', async () => {
    await apply(`
apiVersion: v1
kind: Pod
metadata: {name: bare, labels: {app: bare}}
spec: {containers: [{name: app, image: registry.example/bare:1}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: app, image: registry.example/agent:1}]}
`);
    const bare = await plugin(['pod/bare', '-n', ns, '--scale-down']);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toBe('error: pod/bare has no controller, so there is nothing to scale down; copy it without --scale-down\n');
    await waitFor('daemonset/agent', ns, '{.status.numberReady}', '2');
    const agentPod = (await getJson(['get', 'pods', '-n', ns, '-l', 'app=agent'])).items[0].metadata.name;
    const ds = await plugin([`pod/${agentPod}`, '-n', ns, '--scale-down']);
    expect(ds.code).toBe(1);
    expect(ds.stderr).toBe(`error: pod/${agentPod} belongs to daemonset/agent, which cannot be scaled down; copy it without --scale-down\n`);
    expect([...(await copyJobs('bare')), ...(await copyJobs(agentPod))]).toEqual([]);
  });
});

describe('--scale-down: one owner at a time', () => {
  it('20 concurrent sessions on one Deployment, 10 rounds: exactly one winner, 19 exit 3 naming the holder, replicas restored', async () => {
    await apply(deployment('race', 2));
    let conflicts = 0;
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(
        // -v=6 logs each request: the 409s show the conflict-and-retry path really ran.
        Array.from({ length: 20 }, () => startPlugin(['deployment/race', '-n', ns, '--scale-down', '--detach', '--new', '-v=6']).done),
      );
      conflicts += results.reduce((n, r) => n + (r.stderr.match(/^PATCH \S+\/deployments\/race\S* 409 Conflict in \d+ milliseconds$/gm)?.length ?? 0), 0);
      const winners = results.filter((r) => r.code === 0);
      const losers = results.filter((r) => r.code !== 0);
      expect(winners, `round ${round}: ${results.map((r) => r.code).join(',')}`).toHaveLength(1);
      const holderJob = (await copyJobs('race'))[0]!;
      for (const l of losers) {
        expect(l.code, l.stderr).toBe(3);
        const lines = l.stderr.split('\n').filter((x) => x.startsWith('error: '));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^error: deployment/race is already scaled down by admin on .+ since .+ \\(copy job ${holderJob}, session [0-9a-f]+\\)`));
      }
      expect(await copyJobs('race')).toEqual([holderJob]);
      expect(await replicas('deployment', 'race')).toBe(0);
      expect((await plugin(['delete', holderJob, '-n', ns])).code).toBe(0);
      expect(await replicas('deployment', 'race')).toBe(2);
      expect(holdKeys(await annotations('deployment', 'race'))).toEqual([]);
    }
    expect(conflicts, 'no racer ever met a 409 Conflict: the retry path never ran').toBeGreaterThan(0);
  }, 600_000);

  it('a second session on a held workload fails without disturbing the first; reuse never hands out a session-owned copy', async () => {
    await apply(deployment('solo', 2));
    const first = startPlugin(['deployment/solo', '-n', ns, '--scale-down', '--duration', '20s']);
    await waitFor('deployment/solo', ns, '{.spec.replicas}', '0');
    const before = await annotations('deployment', 'solo');
    const second = await plugin(['deployment/solo', '-n', ns, '--scale-down', '--duration', '20s']);
    expect(second.code).toBe(3);
    expect(second.stderr).not.toMatch(/reusing/);
    expect(await annotations('deployment', 'solo')).toMatchObject({ 'copy-target.dev/hold-session': before['copy-target.dev/hold-session'] });
    expect(await replicas('deployment', 'solo')).toBe(0);
    first.child.kill('SIGTERM');
    const r = await first.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/session ended: received SIGTERM/);
    expect(await replicas('deployment', 'solo')).toBe(2);
    expect(await copyJobs('solo')).toEqual([]);
  });
});

describe('--scale-down: the restore always happens', () => {
  it('Ctrl-C (SIGINT) or a closed terminal (SIGHUP) ends a foreground session: copy deleted, original restored', async () => {
    await apply(deployment('intr', 2));
    for (const signal of ['SIGINT', 'SIGHUP'] as const) {
      const s = startPlugin(['deployment/intr', '-n', ns, '--scale-down']);
      await waitFor('deployment/intr', ns, '{.spec.replicas}', '0');
      await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/Ctrl-C ends the session/);
      s.child.kill(signal);
      const r = await s.done;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`session ended: received ${signal}`);
      expect(await replicas('deployment', 'intr')).toBe(2);
      expect(await copyJobs('intr')).toEqual([]);
    }
  });

  it('a session outlives the server ending its watches (every 10-20s on the test cluster): it still sees its pod die', async () => {
    await apply(deployment('long', 2));
    const s = startPlugin(['deployment/long', '-n', ns, '--scale-down', '--duration', '60s', '--lease-duration', '6s']);
    await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/Ctrl-C ends the session/);
    // Past the server's longest watch (20s here): the session's first watch has ended by now.
    await new Promise((r) => setTimeout(r, 21_000));
    const held = await annotations('deployment', 'long');
    expect(new Date(held['copy-target.dev/hold-lease-expires']!).getTime()).toBeGreaterThan(Date.now()); // renewed every 2s
    const copyPod = (await getJson(['get', 'pods', '-n', ns, '-l', 'app=long,copy-target.dev/copy=true'])).items[0].metadata.name;
    await mustKubectl(['delete', 'pod', copyPod, '-n', ns, '--wait=false']);
    const r = await s.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`session ended: copy pod ${copyPod} was deleted`);
    expect(await replicas('deployment', 'long')).toBe(2);
    expect(await copyJobs('long')).toEqual([]);
  }, 90_000);

  it('Ctrl-C while waiting for the copy pod: exit 130, copy deleted, original restored (with and without --scale-down)', async () => {
    // A scheduling gate keeps the copy Pending without failing, as a slow image pull would.
    await apply(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: gated}
spec:
  replicas: 2
  selector: {matchLabels: {app: gated}}
  template:
    metadata: {labels: {app: gated}}
    spec:
      schedulingGates: [{name: example.com/never}]
      containers: [{name: app, image: registry.example/gated:1}]
`);
    for (const extra of [[], ['--scale-down']]) {
      let r!: Awaited<ReturnType<typeof plugin>>;
      const seen = await replicasSeenDuring('gated', ns, async () => {
        const s = startPlugin(['deployment/gated', '-n', ns, ...extra]);
        await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/waiting for its pod to be Running/);
        s.child.kill('SIGINT');
        r = await s.done;
      });
      if (extra.length > 0) expectScaledDownThenRestored(seen, 2);
      else expect(seen).not.toContain('0');
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(/^error: interrupted by SIGINT while waiting for the copy pod$/m);
      expect(await copyJobs('gated')).toEqual([]);
      expect(await replicas('deployment', 'gated')).toBe(2);
      expect(holdKeys(await annotations('deployment', 'gated'))).toEqual([]);
    }
  });

  it('SIGTERM or SIGHUP while waiting for the copy pod: exit 130 naming the signal, copy deleted', async () => {
    await apply(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: gated-signals}
spec:
  replicas: 1
  selector: {matchLabels: {app: gated-signals}}
  template:
    metadata: {labels: {app: gated-signals}}
    spec:
      schedulingGates: [{name: example.com/never}]
      containers: [{name: app, image: registry.example/gated:1}]
`);
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
      const s = startPlugin(['deployment/gated-signals', '-n', ns]);
      await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/waiting for its pod to be Running/);
      s.child.kill(signal);
      const r = await s.done;
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(new RegExp(`^error: interrupted by ${signal} while waiting for the copy pod$`, 'm'));
      expect(await copyJobs('gated-signals')).toEqual([]);
    }
  });

  it('a second Ctrl-C during the restore says it is still cleaning up; a third gives up, saying to run gc, and gc restores', async () => {
    await apply(deployment('impatient', 2));
    // The restore stalls 4s (as on a slow connection) right after deleting the copy.
    const s = startPlugin(['deployment/impatient', '-n', ns, '--scale-down', '--lease-duration', '3s'], { COPY_TARGET_FAULT: 'pause:during-restore' });
    await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/Ctrl-C ends the session/);
    s.child.kill('SIGINT');
    await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/fault: pausing/);
    s.child.kill('SIGINT');
    await expect.poll(() => s.stderr(), { timeout: 10_000 }).toMatch(/still cleaning up \(deleting the copy, restoring the original\); interrupt again to give up/);
    expect(await replicas('deployment', 'impatient')).toBe(0); // the second Ctrl-C did not stop the cleanup
    s.child.kill('SIGINT');
    const r = await s.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/gave up cleaning up; run "kubectl copy-target gc" to restore what was left/);
    expect(await replicas('deployment', 'impatient')).toBe(0); // given up: left for gc
    await new Promise((resolve) => setTimeout(resolve, 4000)); // its 3s lease runs out
    expect((await plugin(['gc', '-n', ns])).code).toBe(0);
    expect(await replicas('deployment', 'impatient')).toBe(2);
    expect(holdKeys(await annotations('deployment', 'impatient'))).toEqual([]);
    expect(await copyJobs('impatient')).toEqual([]);
  });

  it('Ctrl-C while the copy pod is in ContainerCreating: exit 130 and nothing left behind (with and without --scale-down)', async () => {
    // The test-start-delay label keeps every pod of this Deployment 3s in ContainerCreating; the
    // short grace period lets the deleted copy pods terminate within the test.
    await apply(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: slow}
spec:
  replicas: 2
  selector: {matchLabels: {app: slow}}
  template:
    metadata: {labels: {app: slow, copy-target.dev/test-start-delay: 3s}}
    spec:
      terminationGracePeriodSeconds: 2
      containers: [{name: app, image: registry.example/slow:1}]
`);
    await waitFor('deployment/slow', ns, '{.status.readyReplicas}', '2');
    for (const extra of [[], ['--scale-down']]) {
      const s = startPlugin(['deployment/slow', '-n', ns, ...extra]);
      await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/pod copy-slow-\S+: starting containers/);
      const copies = await getJson(['get', 'pods', '-n', ns, '-l', 'app=slow,copy-target.dev/copy=true']);
      expect(copies.items).toHaveLength(1);
      const copyPod = copies.items[0];
      expect(copyPod.status.containerStatuses[0].state.waiting.reason).toBe('ContainerCreating'); // inside the window
      s.child.kill('SIGINT');
      const r = await s.done;
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(/^error: interrupted by SIGINT while waiting for the copy pod$/m);
      expect(await copyJobs('slow')).toEqual([]);
      const d = await kubectl(['wait', '--for=delete', `pod/${copyPod.metadata.name}`, '-n', ns, '--timeout=60s']);
      expect(d.code, d.stderr).toBe(0);
      expect(await replicas('deployment', 'slow')).toBe(2);
      expect(holdKeys(await annotations('deployment', 'slow'))).toEqual([]);
      expect((await getJson(['get', 'deployment', 'slow', '-n', ns])).metadata.labels ?? {}).not.toHaveProperty('copy-target.dev/held');
      await waitFor('deployment/slow', ns, '{.status.readyReplicas}', '2');
      const left = await getJson(['get', 'pods', '-n', ns, '-l', 'app=slow']);
      // Only the Deployment's two pods once the scaled-down ones finished terminating.
      for (const p of left.items.filter((p: any) => p.metadata.deletionTimestamp)) {
        expect((await kubectl(['wait', '--for=delete', `pod/${p.metadata.name}`, '-n', ns, '--timeout=60s'])).code).toBe(0);
      }
      const after = await getJson(['get', 'pods', '-n', ns, '-l', 'app=slow']);
      expect(after.items.map((p: any) => p.metadata.labels['copy-target.dev/copy'] ?? 'original')).toEqual(['original', 'original']);
    }
  });

  it('the copy pod dying ends the session and restores', async () => {
    await apply(deployment('dies', 2));
    const s = startPlugin(['deployment/dies', '-n', ns, '--scale-down']);
    await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/Ctrl-C ends the session/);
    const copyPod = (await getJson(['get', 'pods', '-n', ns, '-l', 'app=dies,copy-target.dev/copy=true'])).items[0].metadata.name;
    // A 30s grace period (the pod's own is 0): it stays Terminating for 30s.
    await mustKubectl(['delete', 'pod', copyPod, '-n', ns, '--wait=false', '--grace-period=30']);
    // The session ends when the pod begins terminating, not 30s later when it is gone...
    await expect.poll(() => s.stderr(), { timeout: 20_000 }).toContain(`session ended: copy pod ${copyPod} was deleted`);
    expect((await getJson(['get', 'pod', copyPod, '-n', ns])).metadata.deletionTimestamp).toBeDefined();
    // ...but the original comes back only once the copy pod is gone (a volume, a singleton consumer).
    expect(await replicas('deployment', 'dies')).toBe(0);
    const r = await s.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`waiting for pod ${copyPod} of the copy to terminate before restoring deployment/dies`);
    expect((await kubectl(['get', 'pod', copyPod, '-n', ns])).stderr).toContain('NotFound');
    expect(await replicas('deployment', 'dies')).toBe(2);
    expect(await copyJobs('dies')).toEqual([]);
  });

  it('kill -9 while holding: status marks it stale, then gc restores and deletes the copy', async () => {
    await apply(deployment('crash', 3));
    const s = startPlugin(['deployment/crash', '-n', ns, '--scale-down', '--lease-duration', '3s']);
    await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/Ctrl-C ends the session/);
    s.child.kill('SIGKILL');
    await s.done;
    expect(await replicas('deployment', 'crash')).toBe(0); // nobody restored it: the CLI is dead
    // The 3s lease runs out, on the server's clock as the plugin reads it (whole seconds, up to 1s behind).
    await new Promise((r) => setTimeout(r, 5500));
    const status = await plugin(['status', '-n', ns]);
    expect(status.stdout, status.stderr).toMatch(/\| deployment\/crash +\| [^|]+\| copy-crash-\w+-\w+ \(stale\) +\| \* +\|/);
    const gc = await plugin(['gc', '-n', ns]);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(/copy job copy-crash-\w+ is stale \(its session stopped renewing the lease at .+\): deleted copy job copy-crash-\w+; restored deployment\/crash/);
    expect(await replicas('deployment', 'crash')).toBe(3);
    expect(holdKeys(await annotations('deployment', 'crash'))).toEqual([]);
    expect(await copyJobs('crash')).toEqual([]);
  });

  it('a stale hold is taken over: the new session says so and restores the ORIGINAL count at its end', async () => {
    await apply(deployment('stale', 3));
    // A crashed foreground session: the next command's cheap gc pass finds its copy stale and restores.
    const s = startPlugin(['deployment/stale', '-n', ns, '--scale-down', '--lease-duration', '3s']);
    await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/Ctrl-C ends the session/);
    const crashedJob = (await copyJobs('stale'))[0]!;
    s.child.kill('SIGKILL');
    await s.done;
    await new Promise((r) => setTimeout(r, 5500)); // the dead session's 3s lease runs out, on the plugin's whole-second reading of the server's clock
    const next = await plugin(['deployment/stale', '-n', ns, '--scale-down', '--detach', '--new']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain(`gc: copy job ${crashedJob} is stale (its session stopped renewing the lease at`);
    expect(next.stderr).toMatch(new RegExp(`deleted copy job ${crashedJob}; restored deployment/stale`));
    expect(next.stderr).toMatch(/deployment\/stale scaled to 0 \(was 3\)/);
    const detachedJob = (await copyJobs('stale'))[0]!;
    expect(detachedJob).not.toBe(crashedJob);

    // A detached hold whose copy job someone deleted by hand: the next session takes the hold over.
    await mustKubectl(['delete', 'job', detachedJob, '-n', ns, '--wait=true']);
    expect(await replicas('deployment', 'stale')).toBe(0);
    const takeover = await plugin(['deployment/stale', '-n', ns, '--scale-down', '--detach', '--new']);
    expect(takeover.code, takeover.stderr).toBe(0);
    expect(takeover.stderr).toMatch(
      new RegExp(`took over a stale hold on deployment/stale from admin@.+ \\(its copy job ${detachedJob} is gone\\); its copy was deleted and deployment/stale will be restored to 3`),
    );
    expect(await replicas('deployment', 'stale')).toBe(0);
    expect((await plugin(['delete', 'deployment/stale', '-n', ns])).code).toBe(0);
    expect(await replicas('deployment', 'stale')).toBe(3);
    expect(holdKeys(await annotations('deployment', 'stale'))).toEqual([]);
  });

  it('a hold whose lease expired (its CLI died before making the copy) is taken over, and its recorded count restored at the end', async () => {
    await apply(deployment('lapsed', 3));
    await waitFor('deployment/lapsed', ns, '{.status.readyReplicas}', '3');
    // Killed right after the hold, before any copy Job: nothing for the cheap copy pass to find.
    const crashed = await plugin(['deployment/lapsed', '-n', ns, '--scale-down', '--lease-duration', '3s'], { env: { COPY_TARGET_FAULT: 'after-hold' } });
    expect(crashed.code).toBe(137);
    const dead = await annotations('deployment', 'lapsed');
    expect(dead['copy-target.dev/hold-original']).toBe('3');
    expect(await copyJobs('lapsed')).toEqual([]);
    await new Promise((r) => setTimeout(r, 5500)); // the dead session's 3s lease runs out, on the plugin's whole-second reading of the server's clock
    const next = await plugin(['deployment/lapsed', '-n', ns, '--scale-down', '--detach']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(
      new RegExp(`took over a stale hold on deployment/lapsed from admin@.+ \\(its lease expired at ${dead['copy-target.dev/hold-lease-expires']!.replace(/\./g, '\\.')}\\); its copy was deleted and deployment/lapsed will be restored to 3`),
    );
    const taken = await annotations('deployment', 'lapsed');
    expect(taken['copy-target.dev/hold-session']).not.toBe(dead['copy-target.dev/hold-session']);
    expect(taken['copy-target.dev/hold-original']).toBe('3'); // not the 0 it found
    expect(await replicas('deployment', 'lapsed')).toBe(0);
    expect((await plugin(['delete', 'deployment/lapsed', '-n', ns])).code).toBe(0);
    expect(await replicas('deployment', 'lapsed')).toBe(3);
    expect(holdKeys(await annotations('deployment', 'lapsed'))).toEqual([]);
  });

  it('replicas changed by someone while held: left as they set it, our annotations removed, a warning', async () => {
    await apply(deployment('moved', 2));
    expect((await plugin(['deployment/moved', '-n', ns, '--scale-down', '--detach'])).code).toBe(0);
    await mustKubectl(['scale', 'deployment/moved', '--replicas=5', '-n', ns]);
    const del = await plugin(['delete', 'deployment/moved', '-n', ns]);
    expect(del.code).toBe(0);
    expect(del.stderr).toMatch(/deployment\/moved was scaled to 5 by someone else while held; leaving it at 5 instead of restoring 2/);
    expect(await replicas('deployment', 'moved')).toBe(5);
    expect(holdKeys(await annotations('deployment', 'moved'))).toEqual([]);
    const labels = (await getJson(['get', 'deployment', 'moved', '-n', ns])).metadata.labels ?? {};
    expect(labels['copy-target.dev/held']).toBeUndefined();
  });

  it('the Job is rejected after the scale-down (ResourceQuota): restored, nothing left, exit 1 with the server message', async () => {
    const quotaNs = await freshNamespace('quota');
    try {
      await mustKubectl(['apply', '-n', quotaNs.name, '-f', '-'], deployment('q', 2));
      await mustKubectl(['create', 'quota', 'no-jobs', '--hard=count/jobs.batch=0', '-n', quotaNs.name]);
      await waitFor('resourcequota/no-jobs', quotaNs.name, '{.status.hard.count/jobs\\.batch}', '0');
      let r!: Awaited<ReturnType<typeof plugin>>;
      const seen = await replicasSeenDuring('q', quotaNs.name, async () => void (r = await plugin(['deployment/q', '-n', quotaNs.name, '--scale-down'])));
      expectScaledDownThenRestored(seen, 2);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
        expect.stringMatching(/^error: create job copy-q-\w+ in namespace quota-\w+: jobs.batch "copy-q-\w+" is forbidden: exceeded quota: no-jobs/),
      ]);
      const d = await getJson(['get', 'deployment', 'q', '-n', quotaNs.name]);
      expect(d.spec.replicas).toBe(2);
      expect(holdKeys(d.metadata.annotations ?? {})).toEqual([]);
    } finally {
      await quotaNs.remove();
    }
  });

  it('forbidden to create the Job after the scale-down (may scale, may not create jobs): restored, exit 1', async () => {
    await apply(deployment('halfway', 2));
    // "dev" may patch this one Deployment, but still may not create Jobs.
    await mustKubectl(['create', 'role', 'scale-only', '--verb=patch', '--resource=deployments', '--resource-name=halfway', '-n', ns]);
    await mustKubectl(['create', 'rolebinding', 'scale-only', '--role=scale-only', '--user=dev', '-n', ns]);
    await expect.poll(async () => (await kubectl(['--context', 'dev', 'auth', 'can-i', 'patch', 'deployments/halfway', '-n', ns])).stdout.trim()).toBe('yes');
    let r!: Awaited<ReturnType<typeof plugin>>;
    const seen = await replicasSeenDuring('halfway', ns, async () => void (r = await plugin(['deployment/halfway', '-n', ns, '--scale-down', '--context', 'dev'])));
    expectScaledDownThenRestored(seen, 2);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/deployment\/halfway scaled to 0 \(was 2\)/);
    expect(r.stderr).toMatch(/^error: create job copy-halfway-\w+ in namespace \S+: jobs.batch is forbidden: User "dev" cannot create resource "jobs" in API group "batch"/m);
    expect(await replicas('deployment', 'halfway')).toBe(2);
    expect(holdKeys(await annotations('deployment', 'halfway'))).toEqual([]);
    expect(await copyJobs('halfway')).toEqual([]);
  });

  it('the copy pod never runs (image pull failure): exit 4, copy deleted, original restored', async () => {
    await apply(deployment('pull', 2));
    await waitFor('deployment/pull', ns, '{.status.readyReplicas}', '2');
    let r!: Awaited<ReturnType<typeof plugin>>;
    const seen = await replicasSeenDuring('pull', ns, async () => void (r = await plugin(['deployment/pull', '-n', ns, '--scale-down', '--set-image', 'app=registry.invalid/nope:1'])));
    expectScaledDownThenRestored(seen, 2);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^error: container app of pod copy-pull-\w+-\w+ cannot start: ErrImagePull/m);
    expect(await replicas('deployment', 'pull')).toBe(2);
    expect(await copyJobs('pull')).toEqual([]);
  });
});

describe('--scale-down: policy, permissions and warnings', () => {
  it('refuses a workload or namespace annotated copy-target.dev/scale-down=forbidden, before creating anything', async () => {
    await apply(deployment('precious', 2, ', annotations: {copy-target.dev/scale-down: forbidden}'));
    const r = await plugin(['deployment/precious', '-n', ns, '--scale-down']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: deployment/precious is annotated copy-target.dev/scale-down=forbidden; copy it without --scale-down\n');
    const policyNs = await freshNamespace('policy');
    try {
      await mustKubectl(['annotate', 'namespace', policyNs.name, 'copy-target.dev/scale-down=forbidden']);
      await mustKubectl(['apply', '-n', policyNs.name, '-f', '-'], deployment('web', 1));
      const n = await plugin(['deployment/web', '-n', policyNs.name, '--scale-down']);
      expect(n.code).toBe(1);
      expect(n.stderr).toBe(`error: namespace ${policyNs.name} is annotated copy-target.dev/scale-down=forbidden; copy deployment/web without --scale-down\n`);
      expect((await getJson(['get', 'jobs', '-n', policyNs.name])).items).toEqual([]);
    } finally {
      await policyNs.remove();
    }
    expect(await replicas('deployment', 'precious')).toBe(2);
    expect(await copyJobs('precious')).toEqual([]);
  });

  it('the restricted user without permission to scale: one clear line, nothing changed', async () => {
    await apply(deployment('guarded', 2));
    const r = await plugin(['deployment/guarded', '-n', ns, '--scale-down', '--context', 'dev']);
    expect(r.code).toBe(1);
    // Asked up front (a SelfSubjectAccessReview), so the line names the role to ask for.
    expect(r.stderr).toBe(`error: you cannot patch deployments.apps/guarded in namespace ${ns}: --scale-down needs the copy-target-scale-down role (docs/rbac.yaml)\n`);
    expect(await replicas('deployment', 'guarded')).toBe(2);
    expect(holdKeys(await annotations('deployment', 'guarded'))).toEqual([]);
    expect(await copyJobs('guarded')).toEqual([]);
  });

  it('--dry-run with --scale-down says what a real run would do, warns alike, refuses alike, and changes nothing', async () => {
    await apply(deployment('preview', 3));
    await mustKubectl(['autoscale', 'deployment/preview', '--min=3', '--max=4', '-n', ns]);
    for (const mode of ['client', 'server']) {
      const r = await plugin(['deployment/preview', '-n', ns, '--scale-down', `--dry-run=${mode}`, '-o', 'name']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('Warning: HorizontalPodAutoscaler preview targets deployment/preview and may scale it back up while the copy runs');
      expect(r.stderr).toContain('would scale deployment/preview to 0 (was 3) while the copy lives, and restore it afterwards');
    }
    expect(await replicas('deployment', 'preview')).toBe(3);
    expect(holdKeys((await getJson(['get', 'deployment', 'preview', '-n', ns])).metadata.annotations ?? {})).toEqual([]);

    const held = await plugin(['deployment/preview', '-n', ns, '--scale-down', '--detach']);
    expect(held.code, held.stderr).toBe(0);
    const refused = await plugin(['deployment/preview', '-n', ns, '--scale-down', '--dry-run=server']);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/^error: deployment\/preview is already scaled down by admin on /m);
    expect((await plugin(['delete', 'deployment/preview', '-n', ns])).code).toBe(0);
    await waitFor('deployment/preview', ns, '{.spec.replicas}', '3');
  });

  it('warns about an HPA and GitOps tracking that will fight the scale-down', async () => {
    await apply(deployment('fought', 2, ', annotations: {argocd.argoproj.io/tracking-id: "app:apps/Deployment:ns/fought"}'));
    await mustKubectl(['autoscale', 'deployment/fought', '--min=2', '--max=4', '-n', ns]);
    const r = await plugin(['deployment/fought', '-n', ns, '--scale-down', '--detach']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: HorizontalPodAutoscaler fought targets deployment/fought and may scale it back up while the copy runs');
    expect(r.stderr).toContain('Warning: deployment/fought is managed by Argo CD (argocd.argoproj.io/tracking-id)');
    expect(await replicas('deployment', 'fought')).toBe(0); // warned, and still scaled down
    expect((await plugin(['delete', 'deployment/fought', '-n', ns])).code).toBe(0);
    expect(await replicas('deployment', 'fought')).toBe(2);
  });
});
