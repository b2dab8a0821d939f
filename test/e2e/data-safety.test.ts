import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPlugin } from './background.js';
import { freshNamespace, getJson, kubeconfig, kubectl, mustKubectl, plugin, pollUntil, type Result } from './harness.js';
import { deploymentObject, holdKeysOf, liveCopyJobs, specReplicas } from './hold-helpers.js';
import { clusterAccess } from './users.js';

// Issue 21's data-safety items: what a --scale-down (or a copy) must never do to a user's data or
// replica count. Each test reads the outcome back from the API server. A namespace per test.
let ns: string;
let removeNs: () => Promise<void>;
beforeEach(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('safety'));
});
afterEach(async () => removeNs?.());

const apply = (doc: object) => mustKubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(doc));

const deployment = deploymentObject;

const statefulSet = (name: string, replicas: number, spec: object = {}, metadata: object = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, ...metadata },
  spec: {
    replicas,
    serviceName: name,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'db', image: 'registry.example/db:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
    },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
    ...spec,
  },
});

const readyReplicas = (kind: string, name: string, n: number) =>
  pollUntil(() => kubectl(['get', kind, name, '-n', ns, '-o', 'jsonpath={.status.readyReplicas}']), (r) => r.stdout === String(n), {
    timeoutMs: 180_000,
    intervalMs: 1000,
    message: (r) => `${kind}/${name} had ${r.stdout || 0} ready replicas, not ${n}`,
  });

const replicas = (kind: string, name: string) => specReplicas(ns, kind, name);
const holdKeys = (kind: string, name: string) => holdKeysOf(ns, kind, name);
const copyJobs = () => liveCopyJobs(ns);
const claimUids = async (): Promise<Record<string, string>> =>
  Object.fromEntries((await getJson(['get', 'pvc', '-n', ns])).items.map((c: any) => [c.metadata.name, c.metadata.uid]));
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

describe('a StatefulSet whose claims go with its replicas (whenScaled: Delete)', () => {
  it('--scale-down, its --dry-run, and pod/NAME-0 of one an operator controls: refused with exit 2 before any write; claims, replicas and annotations untouched', async () => {
    // The "operator": any object of a kind we do not scale, as the StatefulSet's controller.
    await mustKubectl(['create', 'configmap', 'operator', '-n', ns]);
    const operatorUid = (await getJson(['get', 'configmap', 'operator', '-n', ns])).metadata.uid;
    const ownedBy = { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'operator', uid: operatorUid, controller: true }] };
    await apply(statefulSet('db', 2, { persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Retain' } }, ownedBy));
    await readyReplicas('statefulset', 'db', 2);
    const claims = await claimUids();
    expect(Object.keys(claims).sort()).toEqual(['data-db-0', 'data-db-1']);

    for (const args of [['sts/db', '--scale-down'], ['sts/db', '--scale-down', '--dry-run=client'], ['pod/db-0', '--scale-down', '--detach']]) {
      const r = await plugin([...args, '-n', ns]);
      expect(r.code, r.stderr).toBe(2);
      expect(errorLines(r.stderr)).toEqual([
        `error: statefulset/db has persistentVolumeClaimRetentionPolicy.whenScaled: Delete, so scaling it to 0 would delete the PersistentVolumeClaims of its pods (data) and their data; copy it without --scale-down, or set whenScaled to Retain for the session ("kubectl patch statefulset/db -n ${ns} -p '{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Retain"}}}'")`,
      ]);
    }
    expect(await replicas('statefulset', 'db')).toBe(2);
    expect(await holdKeys('statefulset', 'db')).toEqual([]);
    expect(await copyJobs()).toEqual([]);
    expect(await claimUids()).toEqual(claims);

    // Retain, as the message says: the session runs, warns about the operator, and the claims survive it.
    await mustKubectl(['patch', 'statefulset/db', '-n', ns, '-p', '{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Retain"}}}']);
    const r = await plugin(['sts/db', '-n', ns, '--scale-down', '--duration', '2s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Warning: statefulset/db is controlled by ConfigMap operator, which may scale it back up or change it while held');
    expect(await replicas('statefulset', 'db')).toBe(2);
    expect(await claimUids()).toEqual(claims);
  });
});

describe('StatefulSet claims', () => {
  it('pod/db-1 without --scale-down gets an emptyDir, not its live claim, with a warning naming it; with --scale-down it mounts data-db-1', async () => {
    await apply(statefulSet('db', 2));
    await readyReplicas('statefulset', 'db', 2);
    const r = await plugin(['pod/db-1', '-n', ns]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Warning:'))).toEqual([
      'Warning: volume "data" is pod/db-1\'s claim data-db-1, which that running pod still writes to; the copy gets an empty emptyDir in its place (use --scale-down to mount data-db-1 once the pod is gone)',
    ]);
    const copy = await getJson(['get', 'pod', r.stdout.trim(), '-n', ns]);
    expect(copy.spec.volumes.find((v: any) => v.name === 'data')).toEqual({ name: 'data', emptyDir: {} });

    const held = await plugin(['pod/db-1', '-n', ns, '--scale-down', '--detach', '--new']);
    expect(held.code, held.stderr).toBe(0);
    expect(held.stderr).not.toMatch(/^Warning: volume/m);
    const heldCopy = await getJson(['get', 'pod', held.stdout.trim(), '-n', ns]);
    expect(heldCopy.spec.volumes.find((v: any) => v.name === 'data')).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-db-1' } });
    expect((await plugin(['delete', held.stdout.trim(), '-n', ns])).code).toBe(0);
    expect(await replicas('statefulset', 'db')).toBe(2);
  });

  it('spec.ordinals.start 3: --scale-down mounts data-db-3, the claim that exists', async () => {
    await apply(statefulSet('db', 1, { ordinals: { start: 3 } }));
    await readyReplicas('statefulset', 'db', 1);
    expect(Object.keys(await claimUids())).toEqual(['data-db-3']);
    const r = await plugin(['sts/db', '-n', ns, '--scale-down', '--detach']);
    expect(r.code, r.stderr).toBe(0);
    const copy = await getJson(['get', 'pod', r.stdout.trim(), '-n', ns]);
    expect(copy.spec.volumes.find((v: any) => v.name === 'data')).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-db-3' } });
    expect(copy.status.phase).toBe('Running');
    expect((await plugin(['delete', 'sts/db', '-n', ns])).code).toBe(0);
    expect(await replicas('statefulset', 'db')).toBe(1);
  });
});

describe('the replica count restored', () => {
  it('a stale hold taken over after someone scaled the workload to 5 restores 5, not the 2 it recorded', async () => {
    await apply(deployment('web', 2));
    const first = await plugin(['deploy/web', '-n', ns, '--scale-down', '--detach']);
    expect(first.code, first.stderr).toBe(0);
    const [job] = await copyJobs();
    // The hold goes stale (its copy gone, nobody ran gc), and a person scales the workload meanwhile.
    await mustKubectl(['delete', 'job', job!, '-n', ns, '--wait=true']);
    await mustKubectl(['scale', 'deploy/web', '--replicas=5', '-n', ns]);
    const takeover = await plugin(['deploy/web', '-n', ns, '--scale-down', '--detach', '--new']);
    expect(takeover.code, takeover.stderr).toBe(0);
    expect(takeover.stderr).toContain('will be restored to 5 when this session ends (as someone set it while the hold was stale, not the 2 it recorded)');
    expect((await getJson(['get', 'deploy', 'web', '-n', ns])).metadata.annotations['copy-target.dev/hold-original']).toBe('5');
    expect((await plugin(['delete', 'deploy/web', '-n', ns])).code).toBe(0);
    expect(await replicas('deployment', 'web')).toBe(5);
    expect(await holdKeys('deployment', 'web')).toEqual([]);
  });
});

describe('the wait for the original\'s pods', () => {
  it('an Evicted (Failed) pod its ReplicaSet keeps does not block --scale-down', async () => {
    await apply(deployment('web', 2));
    await readyReplicas('deployment', 'web', 2);
    const [pod] = (await getJson(['get', 'pods', '-n', ns, '-l', 'app=web'])).items;
    await mustKubectl([
      'patch', 'pod', pod.metadata.name, '-n', ns, '--subresource=status', '--type=merge',
      '-p', JSON.stringify({ status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } }),
    ]);
    await readyReplicas('deployment', 'web', 2); // the ReplicaSet replaced it and keeps the Failed one
    const r = await plugin(['deploy/web', '-n', ns, '--scale-down', '--detach', '--pod-running-timeout', '20s']);
    expect(r.code, r.stderr).toBe(0);
    expect((await getJson(['get', 'pod', pod.metadata.name, '-n', ns])).status.phase).toBe('Failed'); // still there
    expect((await plugin(['delete', 'deploy/web', '-n', ns])).code).toBe(0);
    expect(await replicas('deployment', 'web')).toBe(2);
  });

  it('a grace period longer than --pod-running-timeout is waited out, and said with its end', async () => {
    await apply(deployment('slow', 1, 15));
    await readyReplicas('deployment', 'slow', 1);
    const r = await plugin(['deploy/slow', '-n', ns, '--scale-down', '--detach', '--pod-running-timeout', '5s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/waiting for 1 pod of deployment\/slow to terminate \(grace period ends at \d{4}-\d\d-\d\dT[\d:.]+Z, in 1\ds\)/);
    expect((await plugin(['delete', 'deploy/slow', '-n', ns])).code).toBe(0);
    expect(await replicas('deployment', 'slow')).toBe(1);
  });
});

describe('the end of a session', () => {
  // Each way a --scale-down copy ends: the original must come back only after the copy pod (5 s
  // grace period) is gone, read from watches on the API server.
  const ends: Array<{ how: string; end: () => Promise<Result> }> = [
    { how: '--duration elapsing', end: () => plugin(['deploy/web', '-n', ns, '--scale-down', '--duration', '3s']) },
    {
      how: 'Ctrl-C (SIGINT) of a foreground session',
      end: async () => {
        const s = startPlugin(['deploy/web', '-n', ns, '--scale-down']);
        await expect.poll(() => s.stderr(), { timeout: 30_000 }).toMatch(/Ctrl-C ends the session/);
        s.child.kill('SIGINT');
        return s.done;
      },
    },
    {
      how: '"delete" of a detached copy',
      end: async () => {
        const detached = await plugin(['deploy/web', '-n', ns, '--scale-down', '--detach']);
        expect(detached.code, detached.stderr).toBe(0);
        return plugin(['delete', 'deploy/web', '-n', ns]);
      },
    },
    {
      how: '"gc" of a stale hold whose detached copy still runs',
      end: async () => {
        const detached = await plugin(['deploy/web', '-n', ns, '--scale-down', '--detach', '--ttl', '1h']);
        expect(detached.code, detached.stderr).toBe(0);
        // The hold's lease ran out (its copy Job, good for an hour, is still live): gc's full pass.
        await mustKubectl(['annotate', '--overwrite', 'deployment/web', '-n', ns, 'copy-target.dev/hold-lease-expires=2000-01-01T00:00:00.000Z']);
        return plugin(['gc', '-n', ns]);
      },
    },
  ];
  it.each(ends)('$how restores the original only once the copy pod is gone (it takes its 5 s grace period to stop)', async ({ end }) => {
    await apply(deployment('web', 1, 5));
    await readyReplicas('deployment', 'web', 1);
    const events: Array<{ at: number; what: string }> = [];
    const seen = (what: string) => events.push({ at: Date.now(), what });
    const fields = '-o=jsonpath={.type} {.object.kind} {.object.metadata.name} {.object.spec.replicas} {.object.metadata.deletionTimestamp}{"\\n"}';
    const stops = [
      startWatch(['get', 'pods', '-n', ns, '--watch', '--output-watch-events', fields], seen),
      startWatch(['get', 'deployments', '-n', ns, '--watch', '--output-watch-events', fields], seen),
    ];
    // The restore: the first sight of 1 replica after the scale to 0 (ADDED when a watch was reopened).
    const restore = () => events.find((e, i) => /^(MODIFIED|ADDED) Deployment web 1$/.test(e.what) && events.slice(0, i).some((p) => /^(MODIFIED|ADDED) Deployment web 0$/.test(p.what)));
    // The copy pod's deletionTimestamp: when its grace period ends, so the earliest it can be gone.
    const copyGraceEnds = () => events.map((e) => /^\w+ Pod copy-web-\S+ +(\S+)$/.exec(e.what)?.[1]).find(Boolean);
    // Its DELETED event, unless it fell in a gap while a watch was reopened.
    const copyGone = () => events.find((e) => /^DELETED Pod copy-web-/.test(e.what));
    try {
      await expect.poll(() => events.length, { timeout: 30_000 }).toBeGreaterThan(1); // both watches are open
      const r = await end();
      expect(r.code, r.stderr).toBe(0);
      // gc prints what it does on stdout, waits included
      expect(`${r.stdout}${r.stderr}`).toMatch(/waiting for pod copy-web-\w+-\w+ of the copy to terminate before restoring deployment\/web \(up to 30s past its grace period\)/);
      await expect.poll(() => Boolean(restore() && copyGraceEnds()), { timeout: 30_000 }).toBe(true);
    } finally {
      for (const stop of stops) stop();
    }
    const story = events.map((e) => e.what).join('\n');
    // deletionTimestamp has whole seconds: the restore came no earlier than that second.
    expect(restore()!.at, story).toBeGreaterThanOrEqual(Date.parse(copyGraceEnds()!));
    if (copyGone()) expect(restore()!.at, story).toBeGreaterThanOrEqual(copyGone()!.at);
    expect(await replicas('deployment', 'web')).toBe(1);
    expect(await holdKeys('deployment', 'web')).toEqual([]);
  });
});

/** A long-running kubectl watch whose lines go to `onLine`; returns a stop function. */
function startWatch(args: string[], onLine: (line: string) => void): () => void {
  let stopped = false;
  let child: ReturnType<typeof spawn>;
  const open = () => {
    child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig() } });
    let buffer = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line.trim()) onLine(line.trim());
    });
    child.on('exit', () => !stopped && open()); // the test server ends watches every 10-20 s
  };
  open();
  return () => {
    stopped = true;
    child.kill();
  };
}

describe('a create whose answer is lost', () => {
  it('the server made the Job but the connection dropped before its answer: the plugin goes on with that Job, no orphan, exit 0', async () => {
    await apply(deployment('web', 0));
    const { server, ca, adminToken } = clusterAccess();
    let dropped = 0;
    const front = http.createServer((req, res) => {
      const target = new URL(req.url!, server);
      const upstream = https.request(target, { method: req.method, headers: { ...req.headers, host: target.host }, ca: readFileSync(ca) }, (answer) => {
        // The first create of a Job reaches the server, which makes it; its answer never comes back.
        if (req.method === 'POST' && /\/jobs(\?|$)/.test(req.url!) && dropped++ === 0) {
          answer.resume();
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const address = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
      const r = await plugin(['deploy/web', '-n', ns, '--kubeconfig', '/dev/null', '--server', address, '--token', adminToken]);
      expect(r.code, r.stderr).toBe(0);
      expect(dropped).toBeGreaterThanOrEqual(1);
      expect(r.stderr).toMatch(/the answer to creating job copy-web-\w+ was lost \(.*\), but the server made it; going on with it/);
      const jobs = await copyJobs();
      expect(jobs).toHaveLength(1);
      const pod = await getJson(['get', 'pod', r.stdout.trim(), '-n', ns]);
      expect(pod.metadata.labels['batch.kubernetes.io/job-name']).toBe(jobs[0]);
    } finally {
      front.closeAllConnections();
      front.close();
    }
  });
});

describe('a foreground session and a detached copy', () => {
  it('--scale-down in the foreground does not hand out your detached copy: exit 3 naming it, the original still held by it', async () => {
    await apply(deployment('web', 2));
    const detached = await plugin(['deploy/web', '-n', ns, '--scale-down', '--detach']);
    expect(detached.code, detached.stderr).toBe(0);
    const [job] = await copyJobs();
    for (const args of [['--scale-down'], ['--scale-down', '--duration', '5s']]) {
      const r = await plugin(['deploy/web', '-n', ns, ...args]);
      expect(r.code, r.stderr).toBe(3);
      expect(errorLines(r.stderr)).toEqual([
        expect.stringMatching(new RegExp(`^error: your detached copy job ${job} already holds deployment/web scaled down \\(pod ${detached.stdout.trim()}, until .+\\); reuse it with --detach, or end it first with "kubectl copy-target delete ${job} -n ${ns}"$`)),
      ]);
    }
    expect(await copyJobs()).toEqual([job]);
    expect(await replicas('deployment', 'web')).toBe(0);
    const again = await plugin(['deploy/web', '-n', ns, '--scale-down', '--detach']);
    expect([again.code, again.stdout]).toEqual([0, detached.stdout]);
    expect((await plugin(['delete', job!, '-n', ns])).code).toBe(0);
    expect(await replicas('deployment', 'web')).toBe(2);
  });
});

describe('flags', () => {
  it('repeated: the last one wins (-n other -n NS), as with kubectl', async () => {
    await apply(deployment('web', 0));
    const r = await plugin(['deploy/web', '-n', 'nowhere', '-n', ns, '--ttl', '1h', '--ttl', '2h', '-o', 'json', '-o', 'name']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^pod\/copy-web-/);
    const [job] = await copyJobs();
    expect((await getJson(['get', 'job', job!, '-n', ns])).spec.activeDeadlineSeconds).toBe(7200);
  });

  it('a wait beyond what a timer holds is refused before anything is done (exit 2)', async () => {
    await apply(deployment('web', 2));
    const r = await plugin(['deploy/web', '-n', ns, '--scale-down', '--duration', '600h']);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/^error: --duration must be at most 596h31m23s \(about 24\.8 days/)]);
    expect(await replicas('deployment', 'web')).toBe(2);
  });
});

