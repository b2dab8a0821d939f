import { describe, it, expect } from 'vitest';
import type { V1Pod } from '../../src/kube/types.js';
import { podTemplateFromLivePod } from '../../src/plan/live-pod.js';

function livePod(): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-5d8f7-abcde',
      generateName: 'web-5d8f7-',
      namespace: 'shop',
      uid: '1234',
      resourceVersion: '999',
      creationTimestamp: new Date('2025-01-01T00:00:00Z'),
      labels: { app: 'web' },
      annotations: { note: 'keep' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f7', uid: 'rs' }],
      managedFields: [{ manager: 'kube-controller-manager' }],
    },
    spec: {
      nodeName: 'node-1',
      priority: 1000,
      priorityClassName: 'high',
      ephemeralContainers: [{ name: 'debugger', image: 'busybox' }],
      volumes: [
        { name: 'config', configMap: { name: 'web-config' } },
        { name: 'kube-api-access-x9z8q', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
      ],
      initContainers: [
        {
          name: 'init',
          image: 'busybox',
          volumeMounts: [{ name: 'kube-api-access-x9z8q', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
        },
      ],
      containers: [
        {
          name: 'app',
          image: 'nginx',
          volumeMounts: [
            { name: 'config', mountPath: '/etc/web' },
            { name: 'kube-api-access-x9z8q', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
          ],
        },
      ],
    },
    status: { phase: 'Running', podIP: '10.0.0.1' },
  };
}

describe('podTemplateFromLivePod', () => {
  it('keeps only labels and annotations of the metadata', () => {
    const template = podTemplateFromLivePod(livePod());
    expect(template.metadata).toEqual({ labels: { app: 'web' }, annotations: { note: 'keep' } });
    expect(template).not.toHaveProperty('status');
  });

  it('drops node binding, ephemeral containers and priority but keeps the class', () => {
    const spec = podTemplateFromLivePod(livePod()).spec!;
    expect(spec).not.toHaveProperty('nodeName');
    expect(spec).not.toHaveProperty('ephemeralContainers');
    expect(spec).not.toHaveProperty('priority');
    expect(spec.priorityClassName).toBe('high');
  });

  it('drops the injected token volume and its mounts in every container', () => {
    const spec = podTemplateFromLivePod(livePod()).spec!;
    expect(spec.volumes).toEqual([{ name: 'config', configMap: { name: 'web-config' } }]);
    expect(spec.containers[0]!.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/web' }]);
    expect(spec.initContainers![0]!).not.toHaveProperty('volumeMounts');
  });

  it('keeps a user volume that merely shares the prefix but is not projected', () => {
    const pod = livePod();
    pod.spec!.volumes!.push({ name: 'kube-api-access-mine', emptyDir: {} });
    const spec = podTemplateFromLivePod(pod).spec!;
    expect(spec.volumes!.map((v) => v.name)).toEqual(['config', 'kube-api-access-mine']);
  });

  it('does not mutate the input', () => {
    const pod = livePod();
    const before = structuredClone(pod);
    podTemplateFromLivePod(pod);
    expect(pod).toEqual(before);
  });

  it('a bare pod (no labels, annotations or spec): an empty template, nothing invented', () => {
    expect(podTemplateFromLivePod({ metadata: { name: 'bare' } })).toEqual({ metadata: {} });
    expect(podTemplateFromLivePod({})).toEqual({ metadata: {} });
  });

  it('a pod whose only volume is the token: no volumes and no mounts left, other containers untouched', () => {
    const pod: V1Pod = {
      metadata: { labels: { app: 'web' } },
      spec: {
        volumes: [{ name: 'kube-api-access-abcde', projected: { sources: [] } }],
        containers: [
          { name: 'app', image: 'nginx', volumeMounts: [{ name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] },
          { name: 'side', image: 'envoy' },
        ],
      },
    };
    expect(podTemplateFromLivePod(pod)).toEqual({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }, { name: 'side', image: 'envoy' }] } });
  });

  it('a pod without the token volume (automountServiceAccountToken: false) keeps its volumes and mounts as they are', () => {
    const pod: V1Pod = {
      spec: {
        automountServiceAccountToken: false,
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [{ name: 'app', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      },
    };
    expect(podTemplateFromLivePod(pod).spec).toEqual(pod.spec);
  });

  it('a pod without volumes, and a user\'s own projected volume: kept as they are', () => {
    const bare: V1Pod = { spec: { containers: [{ name: 'app', image: 'nginx' }] } };
    expect(podTemplateFromLivePod(bare).spec).toEqual(bare.spec);
    const projected: V1Pod = {
      spec: {
        volumes: [{ name: 'bundle', projected: { sources: [{ configMap: { name: 'certs' } }] } }],
        containers: [{ name: 'app', image: 'nginx', volumeMounts: [{ name: 'bundle', mountPath: '/etc/certs' }] }],
      },
    };
    expect(podTemplateFromLivePod(projected).spec).toEqual(projected.spec);
  });
});
