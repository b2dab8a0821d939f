import { describe, expect, it } from 'vitest';
import type { V1PodTemplateSpec } from '../../src/kube/types.js';
import { describeInjection, removeInjectedSidecars } from '../../src/plan/injected.js';

const istioStatus = JSON.stringify({
  initContainers: ['istio-init'],
  containers: ['istio-proxy'],
  volumes: ['istio-envoy', 'istio-data', 'istio-token'],
  imagePullSecrets: null,
  revision: 'default',
});

function istioPod(status = istioStatus): V1PodTemplateSpec {
  return {
    metadata: { labels: { app: 'web' }, annotations: { 'sidecar.istio.io/status': status, 'kubectl.kubernetes.io/default-container': 'app' } },
    spec: {
      initContainers: [
        { name: 'istio-init', image: 'proxyv2' },
        { name: 'migrate', image: 'migrate:1' },
      ],
      containers: [
        { name: 'app', image: 'web:1', volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'istio-data', mountPath: '/var/lib/istio' }] },
        { name: 'istio-proxy', image: 'proxyv2', volumeMounts: [{ name: 'istio-envoy', mountPath: '/etc/istio/proxy' }] },
      ],
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'istio-envoy', emptyDir: {} },
        { name: 'istio-data', emptyDir: {} },
      ],
    },
  };
}

describe('removeInjectedSidecars', () => {
  it("removes what sidecar.istio.io/status lists, the mounts of its volumes and the annotation itself, and names only what was there", () => {
    const template = istioPod();
    const { removed, unreadable } = removeInjectedSidecars(template);
    expect(unreadable).toEqual([]);
    expect(removed).toEqual([
      { annotation: 'sidecar.istio.io/status', containers: ['istio-proxy'], initContainers: ['istio-init'], volumes: ['istio-envoy', 'istio-data'] },
    ]);
    expect(template.spec).toEqual({
      initContainers: [{ name: 'migrate', image: 'migrate:1' }],
      containers: [{ name: 'app', image: 'web:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', emptyDir: {} }],
    });
    // Without the annotation the injector sees an uninjected pod and injects the copy afresh.
    expect(template.metadata!.annotations).toEqual({ 'kubectl.kubernetes.io/default-container': 'app' });
    expect(describeInjection(removed[0]!)).toBe('sidecar.istio.io/status: containers istio-proxy; init containers istio-init; volumes istio-envoy, istio-data');
  });

  it('removes a proxy injected as a native sidecar (an init container) when the status lists it as a container', () => {
    const template: V1PodTemplateSpec = {
      metadata: { annotations: { 'sidecar.istio.io/status': JSON.stringify({ containers: ['istio-proxy'], initContainers: [], volumes: [] }) } },
      spec: { initContainers: [{ name: 'istio-proxy', image: 'proxyv2', restartPolicy: 'Always' }], containers: [{ name: 'app', image: 'web:1' }] },
    };
    expect(removeInjectedSidecars(template).removed[0]!.containers).toEqual(['istio-proxy']);
    expect(template.spec).toEqual({ containers: [{ name: 'app', image: 'web:1' }] });
  });

  it("removes linkerd's proxy, init containers and volumes when linkerd.io/proxy-version is there", () => {
    const template: V1PodTemplateSpec = {
      metadata: { annotations: { 'linkerd.io/proxy-version': 'edge-25.1.1', 'linkerd.io/inject': 'enabled' } },
      spec: {
        initContainers: [{ name: 'linkerd-init', image: 'proxy-init' }],
        containers: [
          { name: 'app', image: 'web:1' },
          { name: 'linkerd-proxy', image: 'proxy', volumeMounts: [{ name: 'linkerd-identity-end-entity', mountPath: '/var/run/linkerd/identity/end-entity' }] },
        ],
        volumes: [
          { name: 'linkerd-identity-end-entity', emptyDir: { medium: 'Memory' } },
          { name: 'linkerd-proxy-init-xtables-lock', emptyDir: {} },
        ],
      },
    };
    const { removed } = removeInjectedSidecars(template);
    expect(removed).toEqual([
      {
        annotation: 'linkerd.io/proxy-version',
        containers: ['linkerd-proxy'],
        initContainers: ['linkerd-init'],
        volumes: ['linkerd-identity-end-entity', 'linkerd-proxy-init-xtables-lock'],
      },
    ]);
    expect(template.spec).toEqual({ containers: [{ name: 'app', image: 'web:1' }] });
    // The opt-in stays: it is what asks the injector to inject the copy.
    expect(template.metadata!.annotations).toEqual({ 'linkerd.io/inject': 'enabled' });
  });

  it('reports an unreadable istio status and leaves the pod as it is', () => {
    for (const status of ['not json', '[]', JSON.stringify({ containers: 'istio-proxy' })]) {
      const template = istioPod(status);
      expect(removeInjectedSidecars(template)).toEqual({ removed: [], unreadable: ['sidecar.istio.io/status'] });
      expect(template).toEqual(istioPod(status));
    }
  });

  it('leaves a pod without injection annotations alone', () => {
    const template: V1PodTemplateSpec = { metadata: { annotations: { a: 'b' } }, spec: { containers: [{ name: 'istio-proxy', image: 'mine' }] } };
    expect(removeInjectedSidecars(template)).toEqual({ removed: [], unreadable: [] });
    expect(template.spec!.containers).toHaveLength(1);
  });
});

describe('removeInjectedSidecars reads the istio status strictly', () => {
  it.each(['null', '"istio-proxy"', '7', '[]', JSON.stringify({ containers: ['istio-proxy', 7] }), JSON.stringify({ volumes: {} })])(
    'reports %s as unreadable and leaves the pod as it is',
    (status) => {
      const template = istioPod(status);
      expect(removeInjectedSidecars(template)).toEqual({ removed: [], unreadable: ['sidecar.istio.io/status'] });
      expect(template).toEqual(istioPod(status));
    },
  );

  it('reads a list given as null, or not given, as empty', () => {
    const template = istioPod(JSON.stringify({ containers: ['istio-proxy'], initContainers: null }));
    expect(removeInjectedSidecars(template).removed).toEqual([{ annotation: 'sidecar.istio.io/status', containers: ['istio-proxy'], initContainers: [], volumes: [] }]);
    expect(template.spec!.containers.map((c) => c.name)).toEqual(['app']);
    expect(template.spec!.initContainers!.map((c) => c.name)).toEqual(['istio-init', 'migrate']);
  });
});

describe('removeInjectedSidecars on templates with parts missing', () => {
  it('removes the proxy from a pod with no init containers and no volumes', () => {
    const template: V1PodTemplateSpec = {
      metadata: { annotations: { 'sidecar.istio.io/status': istioStatus } },
      spec: { containers: [{ name: 'app', image: 'web:1' }, { name: 'istio-proxy', image: 'proxyv2' }] },
    };
    expect(removeInjectedSidecars(template).removed).toEqual([{ annotation: 'sidecar.istio.io/status', containers: ['istio-proxy'], initContainers: [], volumes: [] }]);
    expect(template).toEqual({ metadata: { annotations: {} }, spec: { containers: [{ name: 'app', image: 'web:1' }] } });
  });

  it('leaves no empty volumeMounts on a container whose only mounts were injected volumes', () => {
    const template = istioPod();
    template.spec!.containers[0]!.volumeMounts = [{ name: 'istio-data', mountPath: '/var/lib/istio' }];
    removeInjectedSidecars(template);
    expect(template.spec!.containers).toEqual([{ name: 'app', image: 'web:1' }]);
  });

  it('leaves a template without metadata alone, and drops the annotation of one without a spec', () => {
    const bare: V1PodTemplateSpec = { spec: { containers: [{ name: 'istio-proxy', image: 'mine' }] } };
    expect(removeInjectedSidecars(bare)).toEqual({ removed: [], unreadable: [] });
    expect(bare.spec!.containers).toHaveLength(1);
    const noSpec: V1PodTemplateSpec = { metadata: { annotations: { 'sidecar.istio.io/status': istioStatus } } };
    expect(removeInjectedSidecars(noSpec).removed).toEqual([{ annotation: 'sidecar.istio.io/status', containers: [], initContainers: [], volumes: [] }]);
    expect(noSpec).toEqual({ metadata: { annotations: {} } });
  });
});

describe('describeInjection', () => {
  it('names only the kinds of things that were removed', () => {
    expect(describeInjection({ annotation: 'linkerd.io/proxy-version', containers: ['linkerd-proxy'], initContainers: [], volumes: ['linkerd-identity-token'] })).toBe(
      'linkerd.io/proxy-version: containers linkerd-proxy; volumes linkerd-identity-token',
    );
  });

  it('says so when nothing of what the annotation lists is left in the pod', () => {
    expect(describeInjection({ annotation: 'sidecar.istio.io/status', containers: [], initContainers: [], volumes: [] })).toBe(
      'sidecar.istio.io/status: nothing of it is left in the pod',
    );
  });
});

describe("removeInjectedSidecars: all of linkerd's injection", () => {
  it('removes the network validator and the identity token volume too', () => {
    const template: V1PodTemplateSpec = {
      metadata: { annotations: { 'linkerd.io/proxy-version': 'edge-25.1.1' } },
      spec: {
        initContainers: [{ name: 'linkerd-network-validator', image: 'proxy' }],
        containers: [{ name: 'app', image: 'web:1' }, { name: 'linkerd-proxy', image: 'proxy' }],
        volumes: [{ name: 'linkerd-identity-token', projected: { sources: [] } }],
      },
    };
    expect(removeInjectedSidecars(template).removed).toEqual([
      { annotation: 'linkerd.io/proxy-version', containers: ['linkerd-proxy'], initContainers: ['linkerd-network-validator'], volumes: ['linkerd-identity-token'] },
    ]);
    expect(template.spec).toEqual({ containers: [{ name: 'app', image: 'web:1' }] });
  });
});
