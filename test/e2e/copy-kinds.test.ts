// `kubectl copy-target KIND/NAME` for every kind it supports, read back from the real API server:
// a probe-free pod owned by a Job, labelled and annotated as documented, Running, and left alone
// by the original's controller (which is left alone too).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, getJson, mustKubectl, plugin } from './harness.js';
import {
  COPY_POD_LABEL,
  HOST,
  MANAGED,
  allContainers,
  apply,
  deployment,
  probeKeys,
  probedPodSpec,
  podNameFrom,
  readCopy,
} from './copy-helpers.js';

const API_ACCESS = /^kube-api-access-/;
const EIGHT_HOURS_MS = 8 * 3600 * 1000;
/** What the Job controller stamps on every pod of a Job: the copy Job's own, never the original's. */
const jobControllerLabels = (job: any) => ({
  'job-name': job.metadata.name,
  'batch.kubernetes.io/job-name': job.metadata.name,
  'controller-uid': job.metadata.uid,
  'batch.kubernetes.io/controller-uid': job.metadata.uid,
});
/** The parts of a container a copy must keep (server defaults differ between a CRD and a Job, so not all of it). */
const essentials = (c: any) => ({ name: c.name, image: c.image, command: c.command, args: c.args, restartPolicy: c.restartPolicy });

describe('kubectl copy-target: every kind', () => {
  let ns: Awaited<ReturnType<typeof freshNamespace>>;
  let n: string;
  let rsName: string;
  let webPod: any;
  let originalPods: Record<string, string>;
  let replicasBefore: Record<string, unknown>;
  const made: Array<{ target: string; podName: string; podUid: string; jobName: string }> = [];

  /** Pods that are not copies, name -> uid: a deleted or replaced original shows up as a change. */
  const originals = async (): Promise<Record<string, string>> => {
    const pods = await getJson(['get', 'pods', '-n', n, '-l', `!${COPY_POD_LABEL}`]);
    return Object.fromEntries(pods.items.map((p: any) => [p.metadata.name, p.metadata.uid]));
  };
  /** Desired and observed sizes of every original that has any. */
  const replicas = async (): Promise<Record<string, unknown>> => {
    const [web, api, rs, db, batch, ro] = await Promise.all([
      getJson(['get', 'deployment', 'web', '-n', n]),
      getJson(['get', 'deployment', 'api', '-n', n]),
      getJson(['get', 'replicaset', rsName, '-n', n]),
      getJson(['get', 'statefulset', 'db', '-n', n]),
      getJson(['get', 'job', 'batch', '-n', n]),
      getJson(['get', 'rollout', 'ro-tmpl', '-n', n]),
    ]);
    return {
      web: [web.spec.replicas, web.status.replicas, web.status.readyReplicas],
      api: [api.spec.replicas, api.status.replicas, api.status.readyReplicas],
      rs: [rs.spec.replicas, rs.status.replicas, rs.status.fullyLabeledReplicas],
      db: [db.spec.replicas, db.status.replicas, db.status.readyReplicas],
      batch: [batch.spec.parallelism, batch.status.active, batch.status.ready],
      rollout: [ro.spec.replicas],
    };
  };

  beforeAll(async () => {
    ns = await freshNamespace('kinds');
    n = ns.name;
    const dbSpec: any = probedPodSpec('registry.example/db:1');
    dbSpec.containers[0].volumeMounts.push({ name: 'data', mountPath: '/data' });
    const jobSpec = (app: string) => ({
      template: { metadata: { labels: { app, tier: 'jobs' } }, spec: probedPodSpec(`registry.example/${app}:1`, { restartPolicy: 'Never' }) },
    });
    await apply(
      n,
      deployment('web', 2, probedPodSpec('registry.example/web:1'), { app: 'web', tier: 'front' }),
      deployment('api', 1, probedPodSpec('registry.example/api:1'), { app: 'api', tier: 'back' }),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }] } },
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: {
          serviceName: 'db',
          replicas: 1,
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db', tier: 'data' } }, spec: dbSpec },
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
        },
      },
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'ro-tmpl' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'ro-tmpl' } },
          template: { metadata: { labels: { app: 'ro-tmpl', tier: 'canary' } }, spec: probedPodSpec('registry.example/ro:1') },
          strategy: { canary: {} },
        },
      },
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'ro-ref' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'api' } },
          workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
          strategy: { canary: {} },
        },
      },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'batch' }, spec: jobSpec('batch') },
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'nightly' },
        spec: { schedule: '0 0 1 1 *', suspend: true, jobTemplate: { spec: jobSpec('nightly') } },
      },
    );
    await Promise.all([
      mustKubectl(['wait', '--for=jsonpath={.status.readyReplicas}=2', 'deployment/web', '-n', n, '--timeout=90s']),
      mustKubectl(['wait', '--for=jsonpath={.status.readyReplicas}=1', 'deployment/api', '-n', n, '--timeout=90s']),
      mustKubectl(['wait', '--for=jsonpath={.status.readyReplicas}=1', 'statefulset/db', '-n', n, '--timeout=90s']),
      mustKubectl(['wait', '--for=jsonpath={.status.ready}=1', 'job/batch', '-n', n, '--timeout=90s']),
    ]);
    const rs = await getJson(['get', 'replicasets', '-n', n, '-l', 'app=web']);
    expect(rs.items).toHaveLength(1);
    rsName = rs.items[0].metadata.name;
    const webPods = await getJson(['get', 'pods', '-n', n, '-l', 'app=web']);
    webPod = webPods.items.sort((a: any, b: any) => a.metadata.name.localeCompare(b.metadata.name))[0];
    originalPods = await originals();
    replicasBefore = await replicas();
    // web x2, api, db-0 and the Job's pod; rollouts have no controller here, the CronJob is suspended.
    expect(Object.keys(originalPods)).toHaveLength(5);
  });

  afterAll(async () => {
    await ns?.remove();
  });

  const template = async (kind: string, name: string): Promise<any> => {
    const o = await getJson(['get', kind, name, '-n', n]);
    return kind === 'cronjob' ? o.spec.jobTemplate.spec.template : o.spec.template;
  };

  interface Case {
    title: string;
    target: () => string;
    kind: string;
    name: () => string;
    labels: Record<string, string>;
    /** The pod template the copy must be made from, read from the API. */
    source: () => Promise<any>;
    /** Labels the original carries that a copy must not. */
    generated?: string[];
    /** stderr's exact lines before the copy is created (what was followed, noted or warned). */
    before?: () => string[];
  }

  const cases: Case[] = [
    {
      title: "pod (a live pod of a ReplicaSet), copied from its ReplicaSet's pod template",
      target: () => `pod/${webPod.metadata.name}`,
      kind: 'pod',
      name: () => webPod.metadata.name,
      labels: { app: 'web', tier: 'front' },
      source: () => template('replicaset', rsName),
      generated: ['pod-template-hash'],
      before: () => [`pod/${webPod.metadata.name} belongs to replicaset/${rsName}: copying its pod template, not the live pod (which admission webhooks may have changed)`],
    },
    { title: 'deployment (deploy)', target: () => 'deploy/web', kind: 'deployment', name: () => 'web', labels: { app: 'web', tier: 'front' }, source: () => template('deployment', 'web') },
    {
      title: 'statefulset (sts) with a mounted volumeClaimTemplate',
      target: () => 'sts/db',
      kind: 'statefulset',
      name: () => 'db',
      labels: { app: 'db', tier: 'data' },
      source: () => template('statefulset', 'db'),
      before: () => [`Warning: volume "data" comes from a volumeClaimTemplate of statefulset/db; the copy gets an empty emptyDir in its place (use --scale-down to mount the original's PVC data-db-0)`],
    },
    {
      title: "replicaset (rs) of a Deployment, whose template carries pod-template-hash",
      target: () => `rs/${rsName}`,
      kind: 'replicaset',
      name: () => rsName,
      labels: { app: 'web', tier: 'front' },
      source: () => template('replicaset', rsName),
      generated: ['pod-template-hash'],
    },
    { title: 'rollout (ro) with spec.template', target: () => 'ro/ro-tmpl', kind: 'rollout', name: () => 'ro-tmpl', labels: { app: 'ro-tmpl', tier: 'canary' }, source: () => template('rollout', 'ro-tmpl') },
    {
      title: 'rollout (ro) with spec.workloadRef to a Deployment',
      target: () => 'rollout.argoproj.io/ro-ref',
      kind: 'rollout',
      name: () => 'ro-ref',
      labels: { app: 'api', tier: 'back' },
      source: () => template('deployment', 'api'),
    },
    {
      title: 'job, whose template carries the Job controller labels',
      target: () => 'job/batch',
      kind: 'job',
      name: () => 'batch',
      labels: { app: 'batch', tier: 'jobs' },
      source: () => template('job', 'batch'),
      generated: ['job-name', 'batch.kubernetes.io/job-name', 'controller-uid', 'batch.kubernetes.io/controller-uid'],
    },
    { title: 'cronjob (cj)', target: () => 'cj/nightly', kind: 'cronjob', name: () => 'nightly', labels: { app: 'nightly', tier: 'jobs' }, source: () => template('cronjob', 'nightly') },
    {
      title: 'service (svc), followed through its selector to the Deployment owning its pods',
      target: () => 'svc/api',
      kind: 'deployment',
      name: () => 'api',
      labels: { app: 'api', tier: 'back' },
      source: () => template('deployment', 'api'),
      before: () => ['service/api selects pods of deployment/api'],
    },
  ];

  /**
   * One copy of each case, made before any test reads it: the per-kind tests and the tests after
   * them read these runs, never each other's results. Each run keeps when it started and ended.
   */
  const runs = new Map<string, { r: Awaited<ReturnType<typeof plugin>>; before: number; after: number; source: any }>();
  beforeAll(async () => {
    for (const c of cases) {
      const source = await c.source(); // read before the copy, as the copy read it
      const before = Date.now();
      const r = await plugin(['-n', n, c.target()]);
      runs.set(c.title, { r, before, after: Date.now(), source });
      if (r.code === 0) {
        const podName = podNameFrom(r.stdout);
        const { pod, job } = await readCopy(n, podName);
        made.push({ target: c.target(), podName, podUid: pod.metadata.uid, jobName: job.metadata.name });
      }
    }
  });

  it.each(cases)('$title', async (c) => {
    const { r, before, after, source } = runs.get(c.title)!;
    // The originals do have what the copy must lose, so these checks can fail.
    expect(probeKeys(source.spec)).toEqual(expect.arrayContaining(['app.livenessProbe', 'app.startupProbe', 'proxy.readinessProbe']));
    for (const key of c.generated ?? []) expect(source.metadata.labels).toHaveProperty([key]);
    expect(r.code, r.stderr).toBe(0);
    const podName = podNameFrom(r.stdout);
    const { pod, job } = await readCopy(n, podName);
    const jobName = job.metadata.name;

    // stderr, line by line: what was followed or noted, the Job, that the copy runs (a service: the
    // workload behind it), the next steps. The pod's pending states in between depend on timing.
    const lines = r.stderr.trimEnd().split('\n');
    const createdLine = `created job ${jobName}; waiting for its pod to be Running`;
    const running = `copy of ${c.kind}/${c.name()} is Running: pod ${podName}`;
    const podProgress = (line: string) => line.startsWith(`pod ${podName}: `);
    expect(lines.filter((line) => !podProgress(line))).toEqual([
      ...(c.before?.() ?? []),
      createdLine,
      running,
      `Next: kubectl exec -it ${podName} -n ${n} -- sh`,
      `  or: mirrord exec --target pod/${podName} -n ${n} -- <your app>`,
    ]);
    const between = lines.slice(lines.indexOf(createdLine) + 1, lines.indexOf(running));
    expect(between.filter((line) => !podProgress(line)), r.stderr).toEqual([]);
    expect(jobName).toMatch(/^copy-[a-z0-9-]+-[a-z0-9]{5}$/);

    // No probes anywhere: app containers, the plain init container and the native sidecar.
    expect(probeKeys(job.spec.template.spec)).toEqual([]);
    expect(probeKeys(pod.spec)).toEqual([]);
    const stripped = (spec: any) => ({ containers: spec.containers.map(essentials), initContainers: spec.initContainers.map(essentials) });
    expect(stripped(pod.spec)).toEqual(stripped(source.spec));
    expect(pod.spec.initContainers.find((x: any) => x.name === 'proxy').restartPolicy).toBe('Always');

    // The Job records what was copied, by whom and until when.
    expect(job.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'kubectl-copy-target',
      'copy-target.dev/target-kind': c.kind,
      'copy-target.dev/target-name': c.name(),
      'copy-target.dev/made-with-scale-down': 'false',
      'copy-target.dev/signature': expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    const a = job.metadata.annotations;
    expect(a).toEqual({
      'copy-target.dev/target-kind': c.kind,
      'copy-target.dev/target-name': c.name(),
      'copy-target.dev/target-namespace': n,
      'copy-target.dev/user': 'admin',
      'copy-target.dev/host': HOST,
      'copy-target.dev/made-with-scale-down': 'false',
      'copy-target.dev/created-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      'copy-target.dev/expires-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      'copy-target.dev/signature': job.metadata.labels['copy-target.dev/signature'],
      'copy-target.dev/pod-name': podName,
      'copy-target.dev/ready-by': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const created = Date.parse(a['copy-target.dev/created-at']);
    // --pod-running-timeout (5m) and 10s for a CLI that gave up to delete its copy, from creation.
    expect(Date.parse(a['copy-target.dev/ready-by']) - created).toBeGreaterThanOrEqual(310_000);
    expect(Date.parse(a['copy-target.dev/ready-by']) - created).toBeLessThan(320_000);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(after + 1000);
    expect(Date.parse(a['copy-target.dev/expires-at']) - created).toBe(EIGHT_HOURS_MS);
    expect(job.spec.activeDeadlineSeconds).toBe(EIGHT_HOURS_MS / 1000);

    // The pod keeps the original's app labels; every controller-made label is the copy Job's own.
    expect(pod.metadata.labels).toEqual({ ...c.labels, [COPY_POD_LABEL]: 'true', ...jobControllerLabels(job) });
    expect(pod.metadata.annotations).toMatchObject({
      'copy-target.dev/target-kind': c.kind,
      'copy-target.dev/target-name': c.name(),
      'copy-target.dev/target-namespace': n,
    });
    expect(pod.status.phase).toBe('Running');
    expect(pod.spec.restartPolicy).toBe('OnFailure');

    // No service-account token volume travels in the Job; the pod gets its own from admission.
    const jobVolumes = (job.spec.template.spec.volumes ?? []).map((v: any) => v.name);
    expect(jobVolumes.filter((v: string) => API_ACCESS.test(v))).toEqual([]);
    if (c.kind === 'statefulset') {
      expect(job.spec.template.spec.volumes).toEqual([
        { name: 'scratch', emptyDir: {} },
        { name: 'data', emptyDir: {} },
      ]);
    } else {
      expect(jobVolumes).toEqual(['scratch']);
    }
  });

  it('pod target: the copy mounts only the token volume the cluster injected for it, not the original\'s', async () => {
    const copy = made.find((m) => m.target.startsWith('pod/'));
    expect(copy).toBeDefined();
    const original = (webPod.spec.volumes as any[]).filter((v) => API_ACCESS.test(v.name)).map((v) => v.name);
    expect(original).toHaveLength(1); // the original really had one, so the copy could have inherited it
    const { pod, job } = await readCopy(n, copy!.podName);
    const jobMounts = allContainers(job.spec.template.spec).flatMap((c) => (c.volumeMounts ?? []).map((m: any) => m.name));
    expect(jobMounts.filter((m: string) => API_ACCESS.test(m))).toEqual([]);
    const injected = (pod.spec.volumes as any[]).filter((v) => API_ACCESS.test(v.name)).map((v) => v.name);
    expect(injected).toHaveLength(1);
    expect(injected[0]).not.toBe(original[0]);
    for (const c of allContainers(pod.spec)) {
      const tokenMounts = (c.volumeMounts ?? []).filter((m: any) => API_ACCESS.test(m.name));
      expect(tokenMounts, c.name).toEqual([
        { name: injected[0], mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      ]);
    }
  });

  it("after the originals' controllers resync, every copy is still there and no original changed", async () => {
    expect(made.map((m) => m.target)).toHaveLength(cases.length);
    // The controllers that select pods by label (and so could adopt, count or delete a copy) are
    // made to sync again by a harmless spec change, and each says when it has: observedGeneration.
    const labelSelecting = ['deployment/web', 'deployment/api', `replicaset/${rsName}`, 'statefulset/db'];
    for (const object of labelSelecting) {
      await mustKubectl(['patch', object, '-n', n, '--type=merge', '-p', '{"spec":{"minReadySeconds":1}}']);
    }
    // The Deployments pass it on to their ReplicaSets, whose controller then syncs too.
    const replicaSets = (await getJson(['get', 'replicasets', '-n', n])).items.map((rs: any) => `replicaset/${rs.metadata.name}`);
    for (const object of [...new Set([...labelSelecting, ...replicaSets])]) {
      await expect
        .poll(async () => {
          const o = await getJson(['get', object, '-n', n]);
          return o.status?.observedGeneration === o.metadata.generation && (!object.startsWith('deployment/') || o.status.updatedReplicas === o.status.replicas);
        }, { timeout: 60_000 })
        .toBe(true);
    }
    // Jobs and CronJobs select their pods by controller-uid, not by labels a copy carries, and no
    // Rollouts controller runs here: there is nothing of theirs to wait for.

    for (const m of made) {
      const pod = await getJson(['get', 'pod', m.podName, '-n', n]);
      expect(pod.metadata.uid, m.target).toBe(m.podUid);
      expect(pod.metadata.deletionTimestamp, m.target).toBeUndefined();
      expect(pod.status.phase, m.target).toBe('Running');
      expect(pod.metadata.ownerReferences.filter((r: any) => r.controller).map((r: any) => r.name), m.target).toEqual([m.jobName]);
    }
    const jobs = await getJson(['get', 'jobs', '-n', n, '-l', MANAGED]);
    expect(jobs.items.map((j: any) => j.metadata.name).sort()).toEqual(made.map((m) => m.jobName).sort());
    for (const j of jobs.items) expect(j.status.conditions ?? [], j.metadata.name).toEqual([]);

    expect(await originals()).toEqual(originalPods);
    expect(await replicas()).toEqual(replicasBefore);
  });
});
