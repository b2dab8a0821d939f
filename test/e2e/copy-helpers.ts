// Shared by the copy-target e2e files: fixture workloads and read-backs of a copy from the API.
import { hostname } from 'node:os';
import { expect } from 'vitest';
import { getJson, kubectl, mustKubectl } from './harness.js';

export const MANAGED = 'app.kubernetes.io/managed-by=kubectl-copy-target';
export const COPY_POD_LABEL = 'copy-target.dev/copy';
/** The plugin records os.hostname() of the machine that made the copy; the tests run on the same one. */
export const HOST = hostname();

/** stderr is exactly one `error: ` line and no stack trace; returns that line. */
export function oneErrorLine(stderr: string): string {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

/** `kubectl apply` of plain objects (sent as one JSON List) into a namespace. */
export async function apply(namespace: string, ...objects: object[]): Promise<void> {
  await mustKubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
}

export const PROBES = {
  livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
  readinessProbe: { tcpSocket: { port: 8080 } },
  startupProbe: { exec: { command: ['true'] }, failureThreshold: 30 },
} as const;

/**
 * A pod spec with probes everywhere they can be: two app containers and a native sidecar (init
 * container with restartPolicy Always), next to a plain init container without probes.
 */
export function probedPodSpec(image: string, extra: { restartPolicy?: string } = {}): object {
  return {
    ...extra,
    initContainers: [
      { name: 'init', image: 'registry.example/init:1', command: ['true'] },
      { name: 'proxy', image: 'registry.example/proxy:1', restartPolicy: 'Always', ...PROBES },
    ],
    containers: [
      { name: 'app', image, ...PROBES, volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] },
      { name: 'sidecar', image: 'registry.example/sidecar:1', args: ['--port', '9090'], readinessProbe: PROBES.readinessProbe },
    ],
    volumes: [{ name: 'scratch', emptyDir: {} }],
  };
}

export function deployment(name: string, replicas: number, podSpec: object, labels: Record<string, string> = { app: name }): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: labels.app } }, template: { metadata: { labels }, spec: podSpec } },
  };
}

export interface CopyReadBack {
  pod: any;
  job: any;
}

/** The copy pod by name and the Job that is its controller, both read from the API. */
export async function readCopy(namespace: string, podName: string): Promise<CopyReadBack> {
  const pod = await getJson(['get', 'pod', podName, '-n', namespace]);
  const controllers = (pod.metadata.ownerReferences ?? []).filter((r: any) => r.controller);
  expect(controllers).toHaveLength(1);
  expect(controllers[0]).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', controller: true });
  const job = await getJson(['get', 'job', controllers[0].name, '-n', namespace]);
  expect(controllers[0].uid).toBe(job.metadata.uid);
  return { pod, job };
}

/** Every container of a pod spec, init containers (native sidecars among them) included. */
export const allContainers = (spec: any): any[] => [...(spec.containers ?? []), ...(spec.initContainers ?? [])];

export const probeKeys = (spec: any): string[] =>
  allContainers(spec).flatMap((c) =>
    ['livenessProbe', 'readinessProbe', 'startupProbe'].filter((k) => k in c).map((k) => `${c.name}.${k}`),
  );

/** Names of the copy Jobs in a namespace (or all with namespace undefined), as ns/name. */
export async function copyJobs(namespace?: string): Promise<string[]> {
  const list = await getJson(['get', 'jobs', '-l', MANAGED, ...(namespace ? ['-n', namespace] : ['-A'])]);
  return list.items.map((j: any) => `${j.metadata.namespace}/${j.metadata.name}`);
}

/** Waits until the objects (e.g. job/x pod/y) are gone from the API. */
export async function waitDeleted(namespace: string, ...objects: string[]): Promise<void> {
  const r = await kubectl(['wait', '--for=delete', ...objects, '-n', namespace, '--timeout=60s']);
  expect(r.code, r.stderr).toBe(0);
}

/** The single line of plugin stdout when it prints a copy pod name. */
export function podNameFrom(stdout: string): string {
  const name = stdout.trimEnd();
  expect(stdout).toBe(`${name}\n`);
  expect(name).toMatch(/^copy-[a-z0-9-]+-[a-z0-9]{5}$/);
  return name;
}
