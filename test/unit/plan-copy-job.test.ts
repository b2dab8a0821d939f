import { describe, it, expect } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { V1PodTemplateSpec, V1Probe } from '../../src/kube/types.js';
import { buildCopyJob, type CopyOptions, type CopyPlanInput } from '../../src/plan/copy-job.js';
import { CopyKeys, MANAGED_BY_LABEL } from '../../src/plan/copy-record.js';
import { RECORD_ANNOTATIONS } from './copy-record-fixture.js';

const probe: V1Probe = { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 };

function deploymentTemplate(): V1PodTemplateSpec {
  return {
    metadata: {
      labels: { app: 'web', tier: 'front', 'pod-template-hash': '5d8f7' },
      annotations: { 'prometheus.io/scrape': 'true' },
    },
    spec: {
      initContainers: [
        { name: 'migrate', image: 'migrate:1' },
        { name: 'proxy', image: 'envoy:1', restartPolicy: 'Always', readinessProbe: probe, startupProbe: probe },
      ],
      containers: [
        { name: 'app', image: 'web:1', args: ['--port', '8080'], livenessProbe: probe, readinessProbe: probe, startupProbe: probe },
        { name: 'metrics', image: 'exporter:1', livenessProbe: probe },
      ],
      restartPolicy: 'Always',
    },
  };
}

const defaultOptions: CopyOptions = {
  keepProbes: false,
  excludeContainers: [],
  excludeInitContainers: [],
  setImages: {},
  ttlSeconds: 7200,
  scaleDown: false,
};

function input(overrides: Partial<CopyPlanInput> = {}, options: Partial<CopyOptions> = {}): CopyPlanInput {
  return {
    target: { kind: 'deployment', name: 'web', namespace: 'shop' },
    template: deploymentTemplate(),
    options: { ...defaultOptions, ...options },
    owner: { user: 'alice', host: 'laptop' },
    now: new Date('2025-03-01T10:00:00.000Z'),
    readyBy: new Date('2025-03-01T10:05:00.000Z'),
    suffix: 'k2x9q',
    signature: 'abcdef0123456789',
    ...overrides,
  };
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).not.toContain('\n');
    return err as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('buildCopyJob: the Job', () => {
  it('names, labels and annotates the Job', () => {
    const { job, warnings } = buildCopyJob(input({}, { scaleDown: true }));
    expect(warnings).toEqual([]);
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.metadata!.name).toBe('copy-web-k2x9q');
    expect(job.metadata!.namespace).toBe('shop');
    expect(job.metadata!.labels).toEqual({
      [MANAGED_BY_LABEL]: 'kubectl-copy-target',
      [CopyKeys.targetKind]: 'deployment',
      [CopyKeys.targetName]: 'web',
      [CopyKeys.scaleDown]: 'true',
      // Also a label, so finding a reusable copy is one server-side filtered list.
      [CopyKeys.signature]: 'abcdef0123456789',
    });
    expect(job.metadata!.annotations).toEqual({
      ...RECORD_ANNOTATIONS,
      [CopyKeys.expiresAt]: '2025-03-01T12:00:00.000Z',
      [CopyKeys.signature]: 'abcdef0123456789',
      [CopyKeys.readyBy]: '2025-03-01T10:05:00.000Z',
    });
  });

  it('runs one pod that restarts in place until the ttl', () => {
    const { job } = buildCopyJob(input());
    expect(job.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 2147483647,
      activeDeadlineSeconds: 7200,
      ttlSecondsAfterFinished: 60,
    });
    expect(job.spec!.template.spec!.restartPolicy).toBe('OnFailure');
  });

  it('leaves out the target-name label when the name is not a valid label value', () => {
    const longName = `${'a'.repeat(60)}.${'b'.repeat(60)}`;
    const { job } = buildCopyJob(input({ target: { kind: 'deployment', name: longName, namespace: 'shop' } }));
    expect(job.metadata!.labels).not.toHaveProperty(CopyKeys.targetName);
    expect(job.metadata!.annotations![CopyKeys.targetName]).toBe(longName);
    expect(job.metadata!.name!.length).toBeLessThanOrEqual(63);
  });

  it('records scaleDown false as "false"', () => {
    const { job } = buildCopyJob(input());
    expect(job.metadata!.labels![CopyKeys.scaleDown]).toBe('false');
    expect(job.metadata!.annotations![CopyKeys.scaleDown]).toBe('false');
  });
});

describe('buildCopyJob: the pod template', () => {
  it('strips controller labels, marks the copy and keeps annotations', () => {
    const { job } = buildCopyJob(input());
    const meta = job.spec!.template.metadata!;
    expect(meta.labels).toEqual({ app: 'web', tier: 'front', [CopyKeys.copy]: 'true' });
    expect(meta.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      [CopyKeys.targetKind]: 'deployment',
      [CopyKeys.targetName]: 'web',
      [CopyKeys.targetNamespace]: 'shop',
    });
  });

  it('removes probes from containers and native sidecars', () => {
    const spec = buildCopyJob(input()).job.spec!.template.spec!;
    for (const container of [...spec.containers, ...spec.initContainers!]) {
      expect(container).not.toHaveProperty('livenessProbe');
      expect(container).not.toHaveProperty('readinessProbe');
      expect(container).not.toHaveProperty('startupProbe');
    }
    expect(spec.initContainers!.map((c) => c.name)).toEqual(['migrate', 'proxy']);
    expect(spec.initContainers![1]!.restartPolicy).toBe('Always');
    expect(spec.containers[0]!.args).toEqual(['--port', '8080']);
  });

  it('keeps probes with keepProbes', () => {
    const spec = buildCopyJob(input({}, { keepProbes: true })).job.spec!.template.spec!;
    expect(spec.containers[0]!.livenessProbe).toEqual(probe);
    expect(spec.containers[0]!.readinessProbe).toEqual(probe);
    expect(spec.containers[0]!.startupProbe).toEqual(probe);
    expect(spec.initContainers![1]!.readinessProbe).toEqual(probe);
    expect(spec.initContainers![1]!.startupProbe).toEqual(probe);
  });

  it('copies a Job template without the Job controller labels', () => {
    const template: V1PodTemplateSpec = {
      metadata: {
        labels: {
          app: 'report',
          'job-name': 'report',
          'controller-uid': 'u1',
          'batch.kubernetes.io/job-name': 'report',
          'batch.kubernetes.io/controller-uid': 'u1',
        },
      },
      spec: { containers: [{ name: 'run', image: 'report:1' }], restartPolicy: 'Never', nodeName: 'node-2' },
    };
    const { job } = buildCopyJob(input({ target: { kind: 'job', name: 'report', namespace: 'batch' }, template }));
    expect(job.metadata!.name).toBe('copy-report-k2x9q');
    expect(job.spec!.template.metadata!.labels).toEqual({ app: 'report', [CopyKeys.copy]: 'true' });
    expect(job.spec!.template.spec!.restartPolicy).toBe('OnFailure');
    expect(job.spec!.template.spec).not.toHaveProperty('nodeName');
  });

  it('labels the copy pod even when the template had no metadata', () => {
    const { job } = buildCopyJob(input({ template: { spec: { containers: [{ name: 'c' }] } } }));
    expect(job.spec!.template.metadata!.labels).toEqual({ [CopyKeys.copy]: 'true' });
  });

  it('does not mutate the input', () => {
    const given = input(
      { claimTemplateNames: ['data'] },
      { excludeInitContainers: ['migrate'], setImages: { '*': 'busybox' }, command: { args: ['sh'] } },
    );
    given.template.spec!.containers[0]!.volumeMounts = [{ name: 'data', mountPath: '/data' }];
    const before = structuredClone(given);
    buildCopyJob(given);
    expect(given).toEqual(before);
  });
});

describe('buildCopyJob: exclude', () => {
  it('removes containers and init containers by name', () => {
    const spec = buildCopyJob(input({}, { excludeContainers: ['metrics'], excludeInitContainers: ['migrate'] })).job.spec!
      .template.spec!;
    expect(spec.containers.map((c) => c.name)).toEqual(['app']);
    expect(spec.initContainers!.map((c) => c.name)).toEqual(['proxy']);
  });

  it('drops the initContainers field when every one is excluded', () => {
    const spec = buildCopyJob(input({}, { excludeInitContainers: ['migrate', 'proxy'] })).job.spec!.template.spec!;
    expect(spec).not.toHaveProperty('initContainers');
  });

  it('rejects an unknown container, naming it, the target and the choices', () => {
    const err = usageError(() => buildCopyJob(input({}, { excludeContainers: ['nope'] })));
    expect(err.message).toContain('"nope"');
    expect(err.message).toContain('deployment/web');
    expect(err.message).toContain('app, metrics');
  });

  it('a container named in the target must exist: the error lists the containers', () => {
    expect(usageError(() => buildCopyJob(input({}, { container: 'nope' }))).message).toBe(
      'cannot use container "nope": deployment/web has no container "nope" (containers: app, metrics; init containers: migrate, proxy)',
    );
    expect(() => buildCopyJob(input({}, { container: 'metrics' }))).not.toThrow();
  });

  it('rejects an unknown init container', () => {
    const err = usageError(() => buildCopyJob(input({}, { excludeInitContainers: ['app'] })));
    expect(err.message).toContain('"app"');
    expect(err.message).toContain('deployment/web');
    expect(err.message).toContain('migrate, proxy');
  });

  it('rejects excluding every app container', () => {
    const err = usageError(() => buildCopyJob(input({}, { excludeContainers: ['app', 'metrics'] })));
    expect(err.message).toContain('every container of deployment/web');
  });
});

describe('buildCopyJob: set image', () => {
  it('sets the image of a named app or init container', () => {
    const spec = buildCopyJob(input({}, { setImages: { metrics: 'exporter:2', migrate: 'migrate:2' } })).job.spec!.template
      .spec!;
    expect(spec.containers.map((c) => c.image)).toEqual(['web:1', 'exporter:2']);
    expect(spec.initContainers!.map((c) => c.image)).toEqual(['migrate:2', 'envoy:1']);
  });

  it("sets every app container with '*'", () => {
    const spec = buildCopyJob(input({}, { setImages: { '*': 'busybox:1.36' } })).job.spec!.template.spec!;
    expect(spec.containers.map((c) => c.image)).toEqual(['busybox:1.36', 'busybox:1.36']);
    expect(spec.initContainers!.map((c) => c.image)).toEqual(['migrate:1', 'envoy:1']);
  });

  it("lets a named image win over '*' whatever the flag order, as kubectl debug does", () => {
    for (const setImages of [{ metrics: 'exporter:2', '*': 'busybox:1.36' }, { '*': 'busybox:1.36', metrics: 'exporter:2' }]) {
      const spec = buildCopyJob(input({}, { setImages })).job.spec!.template.spec!;
      expect(spec.containers.map((c) => c.image)).toEqual(['busybox:1.36', 'exporter:2']);
    }
  });

  it('rejects an unknown container', () => {
    const err = usageError(() => buildCopyJob(input({}, { setImages: { db: 'postgres' } })));
    expect(err.message).toContain('"db"');
    expect(err.message).toContain('deployment/web');
    expect(err.message).toContain('app, metrics');
    expect(err.message).toContain('migrate, proxy');
  });
});

describe('buildCopyJob: command', () => {
  it('replaces the named container command and clears its args', () => {
    const spec = buildCopyJob(input({}, { command: { container: 'metrics', args: ['sleep', 'infinity'] } })).job.spec!
      .template.spec!;
    expect(spec.containers[1]!.command).toEqual(['sleep', 'infinity']);
    expect(spec.containers[1]).not.toHaveProperty('args');
    expect(spec.containers[0]!.args).toEqual(['--port', '8080']);
    expect(spec.containers[0]).not.toHaveProperty('command');
  });

  it('defaults to the first container', () => {
    const spec = buildCopyJob(input({}, { command: { args: ['sh'] } })).job.spec!.template.spec!;
    expect(spec.containers[0]!.command).toEqual(['sh']);
    expect(spec.containers[0]).not.toHaveProperty('args');
    expect(spec.containers[1]).not.toHaveProperty('command');
  });

  it('defaults to the kubectl default-container annotation', () => {
    const template = deploymentTemplate();
    template.metadata!.annotations!['kubectl.kubernetes.io/default-container'] = 'metrics';
    const spec = buildCopyJob(input({ template }, { command: { args: ['sh'] } })).job.spec!.template.spec!;
    expect(spec.containers[1]!.command).toEqual(['sh']);
    expect(spec.containers[0]).not.toHaveProperty('command');
  });

  it('rejects an unknown container', () => {
    const err = usageError(() => buildCopyJob(input({}, { command: { container: 'db', args: ['sh'] } })));
    expect(err.message).toContain('"db"');
    expect(err.message).toContain('deployment/web');
    expect(err.message).toContain('app, metrics');
  });

  it('rejects an excluded container', () => {
    const err = usageError(() =>
      buildCopyJob(input({}, { excludeContainers: ['metrics'], command: { container: 'metrics', args: ['sh'] } })),
    );
    expect(err.message).toContain('"metrics"');
  });

  it('rejects an empty command', () => {
    usageError(() => buildCopyJob(input({}, { command: { args: [] } })));
  });
});

describe('buildCopyJob: statefulset claim templates', () => {
  function statefulsetInput(options: Partial<CopyOptions> = {}): CopyPlanInput {
    return input(
      {
        target: { kind: 'statefulset', name: 'db', namespace: 'data' },
        template: {
          metadata: { labels: { app: 'db', 'controller-revision-hash': 'db-7c9', 'statefulset.kubernetes.io/pod-name': 'db-0' } },
          spec: {
            containers: [
              {
                name: 'pg',
                image: 'postgres:16',
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/postgresql' },
                  { name: 'config', mountPath: '/etc/pg' },
                ],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'pg-config' } }],
          },
        },
        // 'unused' is a claim template no container mounts
        claimTemplateNames: ['data', 'config', 'unused'],
      },
      options,
    );
  }

  it('mounts an emptyDir in place of a claim volume and warns', () => {
    const { job, warnings } = buildCopyJob(statefulsetInput());
    expect(job.spec!.template.spec!.volumes).toEqual([
      { name: 'config', configMap: { name: 'pg-config' } },
      { name: 'data', emptyDir: {} },
    ]);
    expect(warnings).toEqual([
      'volume "data" comes from a volumeClaimTemplate of statefulset/db; the copy gets an empty emptyDir in its place (use --scale-down to mount the original\'s PVC)',
    ]);
    expect(job.spec!.template.metadata!.labels).toEqual({ app: 'db', [CopyKeys.copy]: 'true' });
  });

  it("mounts the original's PVC once told the original's pods are gone", () => {
    const { job, warnings } = buildCopyJob({ ...statefulsetInput({ scaleDown: true }), claims: { data: 'data-db-3' }, mountClaims: true });
    expect(job.spec!.template.spec!.volumes).toEqual([
      { name: 'config', configMap: { name: 'pg-config' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'data-db-3' } },
    ]);
    expect(warnings).toEqual([]);
  });

  it('names the PVC it leaves out while the original still runs', () => {
    const { job, warnings } = buildCopyJob({ ...statefulsetInput(), claims: { data: 'data-db-3' } });
    expect(job.spec!.template.spec!.volumes).toContainEqual({ name: 'data', emptyDir: {} });
    expect(warnings).toEqual([
      'volume "data" comes from a volumeClaimTemplate of statefulset/db; the copy gets an empty emptyDir in its place (use --scale-down to mount the original\'s PVC data-db-3)',
    ]);
  });

  it("a StatefulSet pod's own claim is never mounted beside its running writer: an emptyDir and a warning naming the claim", () => {
    const { job, warnings } = buildCopyJob({ ...statefulsetInput(), target: { kind: 'pod', name: 'db-1', namespace: 'data' }, claims: { data: 'data-db-1' } });
    expect(job.spec!.template.spec!.volumes).toEqual([
      { name: 'config', configMap: { name: 'pg-config' } },
      { name: 'data', emptyDir: {} },
    ]);
    expect(warnings).toEqual([
      'volume "data" is pod/db-1\'s claim data-db-1, which that running pod still writes to; the copy gets an empty emptyDir in its place (use --scale-down to mount data-db-1 once the pod is gone)',
    ]);
  });

  it("with --scale-down, a StatefulSet pod's copy mounts that pod's own claim", () => {
    const { job, warnings } = buildCopyJob({
      ...statefulsetInput({ scaleDown: true }),
      target: { kind: 'pod', name: 'db-1', namespace: 'data' },
      claims: { data: 'data-db-1' },
      mountClaims: true,
    });
    expect(job.spec!.template.spec!.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-db-1' } });
    expect(warnings).toEqual([]);
  });
});
