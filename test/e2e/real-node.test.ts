import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPlugin, waitFor } from './background.js';
import { podNameFrom } from './copy-helpers.js';
import { freshNamespace, getJson, kubeconfig, kubectl, mustKubectl, plugin, pollUntil } from './harness.js';

// Tests only a real node can run: the kubelet, containerd and runc that `scripts/cluster up`
// starts beside the kwok nodes (node copy-target-real, tainted so other tests' pods stay off it).
// Where the cluster has none, each is reported skipped by name, with the reason.
const NODE = 'copy-target-real';
const TAINT = 'copy-target.dev/real-node';
const node = await kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
const realNode = node.code === 0 && node.stdout === 'True';
const needs = realNode ? '' : ' [SKIPPED: no real node in this cluster; see `scripts/cluster status`]';
if (!realNode) console.log(`real-node.test.ts: skipped, node ${NODE} is not Ready in this cluster (${node.stderr.trim() || node.stdout})`);

let ns: string;
let removeNs: () => Promise<void>;
beforeEach(async () => {
  if (realNode) ({ name: ns, remove: removeNs } = await freshNamespace('realnode'));
});
afterEach(async () => removeNs?.());

const apply = (objects: object[]) => mustKubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

/** A pod spec for the real node: its taint tolerated, its label selected, the local images. */
function onRealNode(spec: any): any {
  return {
    terminationGracePeriodSeconds: 2,
    ...spec,
    nodeSelector: { [TAINT]: 'true' },
    tolerations: [{ key: TAINT, operator: 'Exists', effect: 'NoSchedule' }],
  };
}

const APP = 'copy-target.local/app:1';
const app = (extra: object = {}) => ({ name: 'app', image: APP, imagePullPolicy: 'Never', ports: [{ containerPort: 8080 }], ...extra });

function deployment(name: string, spec: any): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: onRealNode(spec) } },
  };
}

const LIVENESS = { livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 1 } };

async function originalPod(name: string): Promise<any> {
  await waitFor(`deployment/${name}`, ns, '{.status.availableReplicas}', '1', '90s');
  const pods = await getJson(['get', 'pods', '-n', ns, '-l', `app=${name}`, '--field-selector=status.phase=Running']);
  const pod = pods.items.find((p: any) => !p.metadata.labels['copy-target.dev/copy']);
  expect(pod, `a Running pod of ${name}`).toBeDefined();
  return pod;
}

async function pod(name: string): Promise<any> {
  return getJson(['get', 'pod', name, '-n', ns]);
}

async function running(name: string): Promise<any> {
  await waitFor(`pod/${name}`, ns, '{.status.phase}', 'Running', '90s');
  return pod(name);
}

/** The host pid of a container's main process: the first pid in its cgroup (cgroupfs, under the node's cgroup root). */
function hostPid(p: any, container = 'app'): number {
  const id = p.status.containerStatuses.find((c: any) => c.name === container).containerID.replace(/^containerd:\/\//, '');
  const find = (dir: string): string | undefined => {
    for (const e of readdirSync(dir)) {
      const sub = join(dir, e);
      if (!statSync(sub).isDirectory()) continue;
      if (e === id) return sub;
      const found = find(sub);
      if (found) return found;
    }
    return undefined;
  };
  const dir = find('/sys/fs/cgroup/pids/copytarget');
  if (!dir) throw new Error(`no cgroup for container ${id}`);
  return Number(readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')[0]);
}

const restarts = async (name: string, container = 'app') =>
  ((await pod(name)).status.containerStatuses ?? []).find((c: any) => c.name === container)?.restartCount ?? 0;
const procState = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];

async function copy(args: string[]): Promise<{ pod: string; stderr: string }> {
  const r = await plugin(args);
  expect(r.code, r.stderr).toBe(0);
  return { pod: podNameFrom(r.stdout), stderr: r.stderr };
}

async function httpGet(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return res.text();
}

describe('on the real node', () => {
  it.skipIf(!realNode)(`the headline: a frozen original is restarted by its liveness probe, a frozen copy is not and answers once resumed${needs}`, async () => {
    await apply([deployment('frozen', { containers: [app(LIVENESS)] })]);
    const original = await originalPod('frozen');
    const { pod: copyName } = await copy(['deployment/frozen', '-n', ns]);
    const copyPod = await running(copyName);
    expect(copyPod.spec.nodeName).toBe(NODE);
    expect(copyPod.spec.containers[0].livenessProbe).toBeUndefined();

    const originalPid = hostPid(original);
    const copyPid = hostPid(copyPod);
    process.kill(originalPid, 'SIGSTOP');
    process.kill(copyPid, 'SIGSTOP');
    await pollUntil(() => restarts(original.metadata.name), (n) => n > 0, {
      timeoutMs: 15_000,
      intervalMs: 500,
      message: (n) => `the frozen original's restartCount stayed ${n} for 15s`,
    });
    await new Promise((r) => setTimeout(r, 30_000));
    expect(await restarts(copyName)).toBe(0);
    expect(procState(copyPid)).toBe('T'); // still stopped, the same process
    process.kill(copyPid, 'SIGCONT');
    const ip = (await pod(copyName)).status.podIP;
    expect(await httpGet(`http://${ip}:8080/work`)).toMatch(/^work done by /);
  }, 120_000);

  it.skipIf(!realNode)(`work inside the copy: the printed exec command, logs, port-forward${needs}`, async () => {
    await apply([deployment('inside', { containers: [app()] })]);
    await originalPod('inside');
    const { pod: copyName, stderr } = await copy(['deployment/inside', '-n', ns]);
    await running(copyName);
    const next = stderr.split('\n').find((l) => l.startsWith('Next: '))!;
    expect(next).toBe(`Next: kubectl exec -it ${copyName} -n ${ns} -- sh`);
    const argv = next.replace(/^Next: kubectl /, '').split(' ');
    const exec = await kubectl(argv, { input: 'echo inside $HOSTNAME\nexit 0\n' });
    expect(exec.code, exec.stderr).toBe(0);
    expect(exec.stdout).toContain(`inside ${copyName}`);

    const forward = startPortForward(copyName);
    try {
      const port = await forward.port;
      expect(await httpGet(`http://127.0.0.1:${port}/work`)).toMatch(/^work done by /);
    } finally {
      forward.stop();
    }
    const logs = await mustKubectl(['logs', copyName, '-n', ns]);
    expect(logs).toMatch(/app 1 listening on :8080/);
    expect(logs).toMatch(/request GET \/work from 127\.0\.0\.1/);
  }, 120_000);

  it.skipIf(!realNode)(`what the copy runs: -- COMMAND in -c, --set-image, env from ConfigMap and Secret, mounted ConfigMap, token, --exclude-container${needs}`, async () => {
    await apply([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { GREETING: 'from-configmap', 'file.txt': 'mounted-file' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, stringData: { PASSWORD: 'from-secret' } },
      deployment('runs', {
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
        containers: [
          app({ envFrom: [{ configMapRef: { name: 'cfg' } }], env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'sec', key: 'PASSWORD' } } }], volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }] }),
          { name: 'side', image: APP, imagePullPolicy: 'Never', args: ['--listen', ':8081'] },
        ],
      }),
    ]);
    await originalPod('runs');

    const plain = (await copy(['deployment/runs', '-n', ns])).pod;
    await running(plain);
    const cat = (file: string) => mustKubectl(['exec', plain, '-n', ns, '-c', 'app', '--', 'cat', file]);
    expect(await cat('/etc/cfg/file.txt')).toBe('mounted-file');
    expect(await cat('/var/run/secrets/kubernetes.io/serviceaccount/token')).toMatch(/^ey/);
    const env = await mustKubectl(['exec', plain, '-n', ns, '-c', 'app', '--', 'env']);
    expect(env).toContain('GREETING=from-configmap');
    expect(env).toContain('PASSWORD=from-secret');

    const commanded = (await copy(['deployment/runs', '-n', ns, '-c', 'side', '--', 'echo', 'ran-in-side'])).pod;
    await pollUntil(() => kubectl(['logs', commanded, '-n', ns, '-c', 'side']), (r) => r.stdout.includes('ran-in-side'), {
      timeoutMs: 60_000,
      intervalMs: 1000,
      message: (r) => `the side container's log never showed the command's output: ${r.stdout}${r.stderr}`,
    });
    expect((await mustKubectl(['logs', commanded, '-n', ns, '-c', 'app'])).includes('ran-in-side')).toBe(false);

    const imaged = (await copy(['deployment/runs', '-n', ns, '--set-image', 'app=copy-target.local/app:2'])).pod;
    await running(imaged);
    expect(await mustKubectl(['exec', imaged, '-n', ns, '-c', 'app', '--', '/app', '--version'])).toBe('app 2\n');

    const excluded = (await copy(['deployment/runs', '-n', ns, '--exclude-container', 'side'])).pod;
    const p = await running(excluded);
    expect(p.status.containerStatuses.map((c: any) => c.name)).toEqual(['app']);
  }, 240_000);

  it.skipIf(!realNode)(`native sidecars and init containers start in order in the copy${needs}`, async () => {
    await apply([
      deployment('ordered', {
        volumes: [{ name: 'shared', emptyDir: {} }],
        initContainers: [
          { name: 'init', image: APP, imagePullPolicy: 'Never', command: ['write', '/shared/ready', 'written-by-init'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
          { name: 'sidecar', image: APP, imagePullPolicy: 'Never', restartPolicy: 'Always', args: ['--listen', ':8081'], ...LIVENESS },
        ],
        containers: [app({ args: ['--read', '/shared/ready'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] })],
      }),
    ]);
    await originalPod('ordered');
    const { pod: copyName } = await copy(['deployment/ordered', '-n', ns]);
    const p = await running(copyName);
    const init = p.status.initContainerStatuses.find((c: any) => c.name === 'init');
    const sidecar = p.status.initContainerStatuses.find((c: any) => c.name === 'sidecar');
    const main = p.status.containerStatuses.find((c: any) => c.name === 'app');
    expect(init.state.terminated.exitCode).toBe(0);
    expect(Date.parse(sidecar.state.running.startedAt)).toBeGreaterThanOrEqual(Date.parse(init.state.terminated.finishedAt));
    expect(Date.parse(main.state.running.startedAt)).toBeGreaterThanOrEqual(Date.parse(sidecar.state.running.startedAt));
    expect(await mustKubectl(['logs', copyName, '-n', ns, '-c', 'app'])).toMatch(/read \/shared\/ready: written-by-init/);
  }, 120_000);

  it.skipIf(!realNode)(`--scale-down for real: the copy starts after the original said bye; at the end the copy gets SIGTERM and the original is back${needs}`, async () => {
    await apply([deployment('slow', { terminationGracePeriodSeconds: 10, containers: [app({ args: ['--term-delay', '3s'] })] })]);
    const original = await originalPod('slow');
    // Keep the original's log: its pod is deleted once it has exited.
    const originalLog = startLogFollow(original.metadata.name);
    const session = startPlugin(['deployment/slow', '-n', ns, '--scale-down', '--duration', '25s']);
    const copyName = await pollUntil(
      async () => (await getJson(['get', 'pods', '-n', ns, '-l', 'copy-target.dev/copy'])).items[0]?.metadata.name as string | undefined,
      (n) => n !== undefined,
      { timeoutMs: 60_000, intervalMs: 500, message: () => 'no copy pod' },
    );
    await running(copyName!);
    // Follow the copy's log too: once its pod is deleted the kubelet no longer serves it.
    const copyLog = startLogFollow(copyName!);
    const bye = await pollUntil(async () => originalLog.text(), (t) => /bye/.test(t), { timeoutMs: 30_000, intervalMs: 500, message: (t) => `no bye: ${t}` });
    const byeAt = Date.parse(bye.split('\n').find((l) => l.includes('bye'))?.split(' ')[0] ?? '');
    const firstLine = await pollUntil(async () => copyLog.text(), (t) => /\n/.test(t), { timeoutMs: 30_000, intervalMs: 500, message: (t) => `no copy log: ${t}` });
    const firstAt = Date.parse(firstLine.split(' ')[0] ?? '');
    expect(firstAt).toBeGreaterThan(byeAt);

    const result = await session.done;
    expect(result.code, result.stderr).toBe(0);
    await pollUntil(async () => copyLog.text(), (t) => /got terminated/.test(t), { timeoutMs: 30_000, intervalMs: 500, message: (t) => `the copy never got SIGTERM: ${t}` });
    copyLog.stop();
    originalLog.stop();
    await originalPod('slow');
  }, 180_000);

  it.skipIf(!realNode)(`a crash-looping original: a \`-- sleep infinity\` copy stays Running with 0 restarts${needs}`, async () => {
    await apply([deployment('crashing', { containers: [app({ command: ['false'] })] })]);
    await pollUntil(
      async () => (await getJson(['get', 'pods', '-n', ns, '-l', 'app=crashing'])).items[0]?.status.containerStatuses?.[0]?.restartCount ?? 0,
      (n) => n >= 1,
      { timeoutMs: 60_000, intervalMs: 1000, message: (n) => `the original restarted ${n} times` },
    );
    const { pod: copyName } = await copy(['deployment/crashing', '-n', ns, '--', 'sleep', 'infinity']);
    await running(copyName);
    await new Promise((r) => setTimeout(r, 10_000));
    const p = await pod(copyName);
    expect(p.status.phase).toBe('Running');
    expect(p.status.containerStatuses[0].restartCount).toBe(0);
  }, 120_000);

  it.skipIf(!realNode)(`restart policy: exit 0 completes (not restarted, status says so, gc removes it after --ttl); exit 1 is restarted${needs}`, async () => {
    await apply([deployment('exits', { containers: [app()] })]);
    await originalPod('exits');
    const done = (await copy(['deployment/exits', '-n', ns, '--ttl', '20s', '--', 'true'])).pod;
    await waitFor(`pod/${done}`, ns, '{.status.phase}', 'Succeeded', '60s');
    expect(await restarts(done)).toBe(0);
    // The Job controller marks the Job Complete a moment after its pod Succeeded; status reads the Job.
    await pollUntil(() => plugin(['status', '-n', ns]), (r) => /\(stale\)/.test(r.stdout), {
      timeoutMs: 30_000,
      intervalMs: 1000,
      message: (r) => `status never marked the completed copy stale: ${r.stdout}${r.stderr}`,
    });

    const failing = (await copy(['deployment/exits', '-n', ns, '--', 'false'])).pod;
    await pollUntil(() => restarts(failing), (n) => n >= 2, { timeoutMs: 60_000, intervalMs: 1000, message: (n) => `restarted ${n} times` });

    await new Promise((r) => setTimeout(r, 21_000));
    const gc = await plugin(['gc', '-n', ns]);
    expect(gc.code, gc.stderr).toBe(0);
    expect((await kubectl(['get', 'pod', done, '-n', ns])).code).not.toBe(0);
  }, 180_000);

  it.skipIf(!realNode)(`run: the local command execs into the copy and prints the app's version; the copy is gone afterwards${needs}`, async () => {
    await apply([deployment('versioned', { containers: [app()] })]);
    await originalPod('versioned');
    const r = await plugin(['run', 'deployment/versioned', '-n', ns, '--', 'kubectl', 'exec', '{pod}', '-n', '{namespace}', '--', '/app', '--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('app 1'); // the image's app (built as version 1), answering from inside the copy
    const jobs = await getJson(['get', 'jobs', '-n', ns, '-l', 'app.kubernetes.io/managed-by=kubectl-copy-target']);
    expect(jobs.items.filter((j: any) => !j.metadata.deletionTimestamp)).toEqual([]);
  }, 120_000);
});

function startPortForward(podName: string): { port: Promise<number>; stop: () => void } {
  const r = startKubectl(['port-forward', `pod/${podName}`, ':8080', '-n', ns]);
  const port = pollUntil(async () => /127\.0\.0\.1:(\d+)/.exec(r.text())?.[1], (p) => p !== undefined, {
    timeoutMs: 30_000,
    intervalMs: 200,
    message: () => `port-forward printed no port: ${r.text()}`,
  }).then(Number);
  return { port, stop: r.stop };
}

function startLogFollow(podName: string): { text: () => string; stop: () => void } {
  return startKubectl(['logs', '-f', podName, '-n', ns]);
}

function startKubectl(args: string[]): { text: () => string; stop: () => void } {
  const child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig() }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return { text: () => out, stop: () => child.kill() };
}
