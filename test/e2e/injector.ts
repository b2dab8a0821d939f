// A sidecar injector for the e2e tests: a mutating admission webhook that does to pods what
// Istio's does (a proxy container, an init container, a volume, and the sidecar.istio.io/status
// annotation that says so), served over https on 127.0.0.1 with a self-signed certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, mustKubectl, pollUntil } from './harness.js';

export const ISTIO_STATUS = 'sidecar.istio.io/status';

export interface Injector {
  /** How many pods it has injected so far; each proxy carries its number in env INJECTION. */
  injections: () => number;
  /** Deletes the webhook configuration, then stops the server. */
  stop: () => Promise<void>;
}

/** A certificate for IP 127.0.0.1 that expires tomorrow, made by openssl. */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'copy-target-injector-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The JSON patch Istio's injector would make to this pod, or none when it is already injected. */
function injectionPatch(pod: any, id: number): object[] | undefined {
  if (pod.metadata?.annotations?.[ISTIO_STATUS] !== undefined) return undefined; // as Istio: injected once
  const status = { initContainers: ['istio-init'], containers: ['istio-proxy'], volumes: ['istio-envoy'], imagePullSecrets: null, revision: 'default' };
  const proxy = {
    name: 'istio-proxy',
    image: 'registry.example/proxyv2:1',
    env: [{ name: 'INJECTION', value: String(id) }],
    volumeMounts: [{ name: 'istio-envoy', mountPath: '/etc/istio/proxy' }],
  };
  const init = { name: 'istio-init', image: 'registry.example/proxyv2:1', args: ['istio-iptables'] };
  const patch: object[] = [];
  patch.push(pod.metadata?.annotations ? { op: 'add', path: `/metadata/annotations/${ISTIO_STATUS.replace('/', '~1')}`, value: JSON.stringify(status) } : { op: 'add', path: '/metadata/annotations', value: { [ISTIO_STATUS]: JSON.stringify(status) } });
  patch.push({ op: 'add', path: '/spec/containers/-', value: proxy });
  patch.push(pod.spec.initContainers ? { op: 'add', path: '/spec/initContainers/-', value: init } : { op: 'add', path: '/spec/initContainers', value: [init] });
  patch.push(pod.spec.volumes ? { op: 'add', path: '/spec/volumes/-', value: { name: 'istio-envoy', emptyDir: {} } } : { op: 'add', path: '/spec/volumes', value: [{ name: 'istio-envoy', emptyDir: {} }] });
  return patch;
}

/**
 * Starts the injector and registers it for pods created in `namespace` only (namespaceSelector),
 * with failurePolicy Ignore, so it can never affect another test.
 */
export async function startInjector(namespace: string): Promise<Injector> {
  const { key, cert } = selfSigned();
  let count = 0;
  const server: Server = createServer({ key, cert }, (req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const review = JSON.parse(body);
      const patch = injectionPatch(review.request.object, count + 1);
      if (patch) count++;
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: {
            uid: review.request.uid,
            allowed: true,
            ...(patch && { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }),
          },
        }),
      );
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  const name = `copy-target-e2e-injector-${namespace}`;
  await mustKubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name },
      webhooks: [
        {
          name: 'inject.copy-target.test',
          clientConfig: { url: `https://127.0.0.1:${port}/inject`, caBundle: Buffer.from(cert).toString('base64') },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          failurePolicy: 'Ignore',
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          timeoutSeconds: 5,
        },
      ],
    }),
  );
  const stop = async () => {
    await kubectl(['delete', 'mutatingwebhookconfiguration', name, '--ignore-not-found']);
    await new Promise<void>((ok) => server.close(() => ok()));
  };
  try {
    await untilActive(namespace);
  } catch (err) {
    await stop();
    throw err;
  }
  return { injections: () => count, stop };
}

/** The API server picks a new webhook configuration up shortly after it is written: wait for that (a dry-run pod is injected). */
async function untilActive(namespace: string): Promise<void> {
  const probe = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'injector-probe' }, spec: { containers: [{ name: 'c', image: 'registry.example/probe:1' }] } });
  await pollUntil(
    () => kubectl(['create', '--dry-run=server', '-n', namespace, '-f', '-', '-o', 'json'], { input: probe }),
    (r) => r.code === 0 && Boolean(JSON.parse(r.stdout).metadata.annotations?.[ISTIO_STATUS]),
    { timeoutMs: 30_000, intervalMs: 300, message: (r) => `the test injector never injected a pod in ${namespace}: ${r.stderr}` },
  );
}
