// Copies of workloads as they are written for production: scheduling rules that spread replicas,
// Services that route by label, and pods a mutating webhook already changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, getJson, kubectl, mustKubectl, plugin, pollUntil } from './harness.js';
import { allContainers, apply, COPY_POD_LABEL, deployment, podNameFrom, readCopy, waitDeleted } from './copy-helpers.js';
import { ISTIO_STATUS, startInjector, type Injector } from './injector.js';

const HOSTNAME = 'kubernetes.io/hostname';

/** Live (not deleting) copy Jobs in a namespace. */
const liveCopyJobs = async (namespace: string): Promise<string[]> =>
  (await getJson(['get', 'jobs', '-n', namespace, '-l', 'app.kubernetes.io/managed-by=kubectl-copy-target'])).items
    .filter((j: any) => !j.metadata.deletionTimestamp)
    .map((j: any) => j.metadata.name);

describe('scheduling rules written for replicas: 2 replicas on 2 nodes with required anti-affinity on the hostname', () => {
  let ns: Awaited<ReturnType<typeof freshNamespace>>;
  let n: string;
  const nodeAffinity = {
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'type', operator: 'In', values: ['kwok'] }] }] },
  };
  const tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }];
  const spec = {
    // A replica that is still terminating repels the copy as a running one does: keep that short.
    terminationGracePeriodSeconds: 1,
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations,
    affinity: {
      nodeAffinity,
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: HOSTNAME }] },
    },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: HOSTNAME, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
    containers: [{ name: 'app', image: 'registry.example/web:1' }],
  };
  const DROPPED_LINE =
    'Warning: left out scheduling rules that spread the pods of deployment/web, since the copy is not one of them (--keep-scheduling-rules keeps them): ' +
    `required pod anti-affinity on ${HOSTNAME}, topology spread (DoNotSchedule) on ${HOSTNAME}`;

  beforeAll(async () => {
    ns = await freshNamespace('rw-sched');
    n = ns.name;
    await apply(n, deployment('web', 2, spec));
    await mustKubectl(['rollout', 'status', 'deployment/web', '-n', n, '--timeout=60s']);
    const pods = (await getJson(['get', 'pods', '-n', n, '-l', 'app=web'])).items;
    // The shape of the issue: every node runs a replica.
    expect(new Set(pods.map((p: any) => p.spec.nodeName)).size).toBe(2);
  });
  afterAll(async () => ns?.remove());

  it('--keep-scheduling-rules keeps them: no node accepts the copy (4, the scheduler names the anti-affinity) and its Job is deleted', async () => {
    const r = await plugin(['-n', n, 'deploy/web', '--keep-scheduling-rules', '--pod-running-timeout', '4s']);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).not.toContain('left out scheduling rules');
    expect(r.stderr).toMatch(/^error: pod copy-web-\w+-\w+ could not be scheduled within 4s \(Unschedulable: 0\/\d+ nodes are available: (?:1 node\(s\) had untolerated taint\(s\), )?2 node\(s\) didn't match pod anti-affinity rules/m);
    expect(await liveCopyJobs(n)).toEqual([]);
  });

  it("by default they are left out, said in one line; the replicas' own rule still repels a copy with their labels, and the plugin said so", async () => {
    const r = await plugin(['-n', n, 'deploy/web', '--pod-running-timeout', '4s']);
    expect(r.code, r.stderr).toBe(4);
    const lines = r.stderr.split('\n');
    expect(lines.filter((l) => l.includes('left out scheduling rules'))).toEqual([DROPPED_LINE]);
    expect(lines).toContain(
      'Warning: the running pods of deployment/web carry the same required pod anti-affinity and the copy keeps the labels it selects, so the copy cannot share a node with one of them; --keep-labels=false lifts that, and so does --scale-down once they have terminated',
    );
    // The copy's own rule is gone: what remains is the replicas' rule applied to the copy.
    expect(r.stderr).toMatch(/2 node\(s\) didn't satisfy existing pods anti-affinity rules/);
    expect(await liveCopyJobs(n)).toEqual([]);
  });

  it('without --scale-down, with --keep-labels=false: the copy runs next to both replicas, without the rules, node affinity, node selector and tolerations kept', async () => {
    const r = await plugin(['-n', n, 'deploy/web', '--keep-labels=false', '--pod-running-timeout', '30s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Warning:'))).toEqual([DROPPED_LINE]);
    const { pod } = await readCopy(n, podNameFrom(r.stdout));
    expect(pod.status.phase).toBe('Running');
    expect(pod.spec.affinity).toEqual({ nodeAffinity });
    expect(pod.spec.topologySpreadConstraints).toBeUndefined();
    expect(pod.spec.nodeSelector).toEqual(spec.nodeSelector);
    expect(pod.spec.tolerations).toEqual(expect.arrayContaining(tolerations));
    expect((await getJson(['get', 'deployment', 'web', '-n', n])).status.readyReplicas).toBe(2);
    expect((await kubectl(['delete', 'job', '-n', n, '-l', 'app.kubernetes.io/managed-by=kubectl-copy-target', '--wait=true'])).code).toBe(0);
  });

  it('with --scale-down (detached): the copy runs without the rules, with the labels, and delete restores the 2 replicas', async () => {
    const r = await plugin(['-n', n, 'deploy/web', '--scale-down', '--detach']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    expect(lines.filter((l) => l.startsWith('Warning:'))).toEqual([DROPPED_LINE]);
    const podName = podNameFrom(r.stdout);
    const { pod, job } = await readCopy(n, podName);
    expect(pod.status.phase).toBe('Running');
    expect(pod.metadata.labels).toMatchObject({ app: 'web', [COPY_POD_LABEL]: 'true' });
    expect(pod.spec.affinity).toEqual({ nodeAffinity });
    expect(pod.spec.topologySpreadConstraints).toBeUndefined();
    expect((await plugin(['delete', job.metadata.name, '-n', n])).code).toBe(0);
    await waitDeleted(n, `job/${job.metadata.name}`, `pod/${podName}`);
    expect((await getJson(['get', 'deployment', 'web', '-n', n])).spec.replicas).toBe(2);
  });
});

describe('traffic: --keep-labels', () => {
  let ns: Awaited<ReturnType<typeof freshNamespace>>;
  let n: string;

  beforeAll(async () => {
    ns = await freshNamespace('rw-traffic');
    n = ns.name;
    // No replicas: the copies are the only pods the Service could select.
    await apply(n, deployment('api', 0, { containers: [{ name: 'app', image: 'registry.example/api:1' }] }, { app: 'api', tier: 'back' }), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api' },
      spec: { selector: { app: 'api' }, ports: [{ port: 80 }] },
    });
  });
  afterAll(async () => ns?.remove());

  /** Names of the ready pods among the Service's EndpointSlice endpoints. */
  const endpointPods = async (): Promise<string[]> =>
    (await getJson(['get', 'endpointslices', '-n', n, '-l', 'kubernetes.io/service-name=api'])).items
      .flatMap((s: any) => s.endpoints ?? [])
      .filter((e: any) => e.conditions?.ready)
      .map((e: any) => e.targetRef?.name);

  it('the default copy is one of the Service endpoints; a --keep-labels=false copy, made first, is not and carries only our labels', async () => {
    const hidden = await plugin(['-n', n, 'deploy/api', '--keep-labels=false']);
    expect(hidden.code, hidden.stderr).toBe(0);
    const hiddenPod = podNameFrom(hidden.stdout);
    const shown = await plugin(['-n', n, 'deploy/api']);
    expect(shown.code, shown.stderr).toBe(0);
    const shownPod = podNameFrom(shown.stdout);

    // The endpointslice controller syncs the Service with every pod that exists: once the later
    // copy shows up, the earlier one was seen too.
    const endpoints = await pollUntil(endpointPods, (pods) => pods.includes(shownPod), {
      timeoutMs: 60_000,
      intervalMs: 500,
      message: (pods) => `copy ${shownPod} never became an endpoint of service/api (endpoints: ${pods.join(', ')})`,
    });
    expect(endpoints).toEqual([shownPod]);

    const { pod } = await readCopy(n, hiddenPod);
    expect(pod.status.podIP).toBeTruthy();
    // Ours, and what the Job controller adds to every pod of a Job.
    const foreign = Object.keys(pod.metadata.labels).filter((k) => !k.startsWith('copy-target.dev/') && !k.startsWith('batch.kubernetes.io/') && k !== 'job-name' && k !== 'controller-uid');
    expect(foreign).toEqual([]);
    expect((await readCopy(n, shownPod)).pod.metadata.labels).toMatchObject({ app: 'api', tier: 'back' });
  });
});

describe('pods a webhook already changed: a sidecar injector (a real mutating webhook) in the namespace', () => {
  let ns: Awaited<ReturnType<typeof freshNamespace>>;
  let n: string;
  let injector: Injector | undefined;
  const app = { name: 'app', image: 'registry.example/web:1' };

  beforeAll(async () => {
    ns = await freshNamespace('rw-inject');
    n = ns.name;
    injector = await startInjector(n);
    await apply(n, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', labels: { app: 'solo' } }, spec: { containers: [app] } }, deployment('web', 1, { containers: [app] }));
    await mustKubectl(['wait', '--for=condition=Ready', 'pod/solo', '-n', n, '--timeout=60s']);
    await mustKubectl(['rollout', 'status', 'deployment/web', '-n', n, '--timeout=60s']);
  });
  afterAll(async () => {
    await injector?.stop();
    await ns?.remove();
  });

  const names = (containers: any[] | undefined) => (containers ?? []).map((c) => c.name);
  const injection = (pod: any): string | undefined => pod.spec.containers.find((c: any) => c.name === 'istio-proxy')?.env?.find((e: any) => e.name === 'INJECTION')?.value;

  /** The original as the webhook left it, the copy's Job template, and the copy pod. */
  async function copyOf(target: string) {
    const original = await getJson(['get', target, '-n', n]);
    // The webhook did change it: that is what the copy must not inherit.
    expect(names(original.spec.containers)).toEqual(['app', 'istio-proxy']);
    expect(original.metadata.annotations[ISTIO_STATUS]).toBeDefined();
    const r = await plugin(['-n', n, target]);
    expect(r.code, r.stderr).toBe(0);
    const { pod, job } = await readCopy(n, podNameFrom(r.stdout));
    return { original, template: job.spec.template, pod, stderr: r.stderr };
  }

  it('a bare pod: the Job leaves out what the annotation lists, and the copy pod gets one proxy of its own from the webhook', async () => {
    const { original, template, pod, stderr } = await copyOf('pod/solo');
    expect(names(template.spec.containers)).toEqual(['app']);
    expect(template.spec.initContainers).toBeUndefined();
    expect((template.spec.volumes ?? []).map((v: any) => v.name)).not.toContain('istio-envoy');
    expect(template.metadata.annotations[ISTIO_STATUS]).toBeUndefined();
    // Injected afresh: one proxy, one init container, and not the original's proxy.
    expect(names(pod.spec.containers)).toEqual(['app', 'istio-proxy']);
    expect(names(pod.spec.initContainers)).toEqual(['istio-init']);
    expect(injection(pod)).not.toBe(injection(original));
    expect(pod.status.phase).toBe('Running');
    expect(stderr).toContain(
      'pod/solo has no controller; leaving out what a sidecar injector added, so the cluster injects it afresh: sidecar.istio.io/status: containers istio-proxy; init containers istio-init; volumes istio-envoy',
    );
  });

  it("a pod of a ReplicaSet: copied from the ReplicaSet's template (said on stderr), so the webhook injects the copy once", async () => {
    const podName = (await getJson(['get', 'pods', '-n', n, '-l', 'app=web'])).items[0].metadata.name;
    const rsName = (await getJson(['get', 'replicasets', '-n', n, '-l', 'app=web'])).items[0].metadata.name;
    const { original, template, pod, stderr } = await copyOf(`pod/${podName}`);
    expect(names(allContainers(template.spec))).toEqual(['app']);
    expect(template.metadata.annotations[ISTIO_STATUS]).toBeUndefined();
    expect(names(pod.spec.containers)).toEqual(['app', 'istio-proxy']);
    expect(names(pod.spec.initContainers)).toEqual(['istio-init']);
    expect(injection(pod)).not.toBe(injection(original));
    expect(stderr).toContain(`pod/${podName} belongs to replicaset/${rsName}: copying its pod template, not the live pod (which admission webhooks may have changed)`);
  });
});

describe('a pod of a StatefulSet', () => {
  let ns: Awaited<ReturnType<typeof freshNamespace>>;
  let n: string;

  beforeAll(async () => {
    ns = await freshNamespace('rw-sts');
    n = ns.name;
    await apply(n, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'registry.example/db:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
      },
    });
    // Read, not 'kubectl wait': on the loaded v1.34 matrix run that wait once exited 1 with no message.
    // A StatefulSet starts its pods one after the other, each once the one before is Ready.
    await pollUntil(() => kubectl(['get', 'statefulset/db', '-n', n, '-o', 'jsonpath={.status.readyReplicas}']), (r) => r.stdout === '2', {
      timeoutMs: 180_000,
      intervalMs: 1000,
      message: () => `statefulset/db in namespace ${n} did not have 2 ready replicas within 180s`,
    });
  });
  afterAll(async () => ns?.remove());

  it("is copied from the StatefulSet's template, with an emptyDir instead of that pod's live claim (never a second writer), said in a warning", async () => {
    const r = await plugin(['-n', n, 'pod/db-1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('pod/db-1 belongs to statefulset/db: copying its pod template');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Warning'))).toEqual([
      'Warning: volume "data" is pod/db-1\'s claim data-db-1, which that running pod still writes to; the copy gets an empty emptyDir in its place (use --scale-down to mount data-db-1 once the pod is gone)',
    ]);
    const { job } = await readCopy(n, podNameFrom(r.stdout));
    expect(job.spec.template.spec.volumes).toEqual([{ name: 'data', emptyDir: {} }]);
  });
});
