// The test cluster's simulated nodes (kwok, scripts/cluster.d/kwok-stages.yaml) and its volume
// provisioner behave like a real cluster where the plugin's waits depend on it: pods terminate
// over their grace period, finalizers hold them, claims get volumes, pods can take time to start.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, getJson, kubeconfig, kubectl, mustKubectl } from './harness.js';

let ns: Awaited<ReturnType<typeof freshNamespace>>;
let n: string;
beforeAll(async () => {
  ns = await freshNamespace('nodes');
  n = ns.name;
});
afterAll(async () => ns?.remove());

const applyJson = (object: object) => mustKubectl(['apply', '-n', n, '-f', '-'], JSON.stringify(object));

function pod(name: string, spec: object = {}, metadata: object = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...metadata },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }], ...spec },
  };
}

const waitRunning = (name: string) => mustKubectl(['wait', '--for=jsonpath={.status.phase}=Running', `pod/${name}`, '-n', n, '--timeout=60s']);

async function waitGone(name: string, timeout: string): Promise<void> {
  const r = await kubectl(['wait', '--for=delete', `pod/${name}`, '-n', n, `--timeout=${timeout}`]);
  expect(r.code, r.stderr).toBe(0);
}

describe('the simulated nodes terminate pods as a kubelet does', () => {
  it('a pod with a 20s grace period stays Terminating for about 20s, then is gone', async () => {
    await applyJson(pod('graceful', { terminationGracePeriodSeconds: 20 }));
    await waitRunning('graceful');
    const t0 = Date.now();
    await mustKubectl(['delete', 'pod', 'graceful', '-n', n, '--wait=false']);
    const terminating = await getJson(['get', 'pod', 'graceful', '-n', n]);
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(terminating.metadata.deletionGracePeriodSeconds).toBe(20);
    await waitGone('graceful', '60s');
    const seconds = (Date.now() - t0) / 1000;
    expect(seconds).toBeGreaterThan(18); // deletionTimestamp has second precision
    expect(seconds).toBeLessThan(30);
  }, 90_000);

  it('a pod with a finalizer stays Terminating past its grace period until the finalizer is removed', async () => {
    await applyJson(pod('held', { terminationGracePeriodSeconds: 1 }, { finalizers: ['copy-target.dev/test-hold'] }));
    await waitRunning('held');
    await mustKubectl(['delete', 'pod', 'held', '-n', n, '--wait=false']);
    // Nothing happens when it works, so there is no event to wait for: give the node 3 times the grace period.
    await new Promise((r) => setTimeout(r, 3000));
    const still = await getJson(['get', 'pod', 'held', '-n', n]);
    expect(still.metadata.deletionTimestamp).toBeDefined();
    expect(still.metadata.finalizers).toEqual(['copy-target.dev/test-hold']);
    await mustKubectl(['patch', 'pod', 'held', '-n', n, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await waitGone('held', '30s');
  });
});

describe('pods can take time to start', () => {
  it('copy-target.dev/test-start-delay=3s: ContainerCreating for 3s, then Running', async () => {
    await applyJson(pod('slow', {}, { labels: { 'copy-target.dev/test-start-delay': '3s' } }));
    await mustKubectl(['wait', '--for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=ContainerCreating', 'pod/slow', '-n', n, '--timeout=60s']);
    const creating = await getJson(['get', 'pod', 'slow', '-n', n]);
    expect(creating.status.phase).toBe('Pending');
    expect(creating.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('False');
    await waitRunning('slow');
    const running = await getJson(['get', 'pod', 'slow', '-n', n]);
    const waited = Date.parse(running.status.containerStatuses[0].state.running.startedAt) - Date.parse(running.status.startTime);
    expect(waited).toBeGreaterThanOrEqual(2000); // timestamps have second precision
    expect(waited).toBeLessThan(6000);
  });
});

describe('volumes are provisioned', () => {
  it('a StatefulSet with a volumeClaimTemplate and no PersistentVolume made for it runs; its volume lives in the state dir', async () => {
    const storageClasses = await getJson(['get', 'storageclass']);
    const defaults = storageClasses.items.filter((s: any) => s.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
    expect(defaults.map((s: any) => s.provisioner)).toEqual(['kubernetes.io/host-path']);
    await applyJson({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'db', image: 'registry.example/db:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    await mustKubectl(['wait', '--for=jsonpath={.status.readyReplicas}=1', 'statefulset/db', '-n', n, '--timeout=90s']);
    const claim = await getJson(['get', 'pvc', 'data-db-0', '-n', n]);
    expect(claim.status.phase).toBe('Bound');
    const volume = await getJson(['get', 'pv', claim.spec.volumeName]);
    expect(volume.metadata.annotations['pv.kubernetes.io/provisioned-by']).toBe('kubernetes.io/host-path');
    expect(volume.spec.persistentVolumeReclaimPolicy).toBe('Delete');
    // The provisioner writes /tmp/hostpath_pv/<id> in its own mount namespace, where that is the state dir's volumes/.
    const state = dirname(kubeconfig());
    const dir = basename(volume.spec.hostPath.path);
    expect(volume.spec.hostPath.path).toBe(`/tmp/hostpath_pv/${dir}`);
    expect(existsSync(join(state, 'volumes', dir))).toBe(true);
    expect(existsSync(volume.spec.hostPath.path)).toBe(false);

    // Reclaimed like a real dynamic volume: the claim goes, the volume and its directory go.
    await mustKubectl(['delete', 'statefulset', 'db', '-n', n]);
    await mustKubectl(['delete', 'pvc', 'data-db-0', '-n', n, '--wait=true', '--timeout=60s']);
    const r = await kubectl(['wait', '--for=delete', `pv/${claim.spec.volumeName}`, '--timeout=60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(state, 'volumes', dir))).toBe(false);
  }, 120_000);
});
