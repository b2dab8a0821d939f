// Shared by the --scale-down e2e files: a workload to hold, and read-backs of a hold from the API.
import { getJson } from './harness.js';

/**
 * A Deployment of one container on the simulated nodes. Its pods go at once when scaled down
 * (--scale-down waits for them) unless `grace` (terminationGracePeriodSeconds) says otherwise.
 */
export const deploymentObject = (name: string, replicas: number, grace = 0): object => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: grace, containers: [{ name: 'app', image: 'registry.example/app:1' }] } },
  },
});

/** `.spec.replicas` of a workload as the API server has it. */
export const specReplicas = async (namespace: string, kind: string, name: string): Promise<number> => (await getJson(['get', kind, name, '-n', namespace])).spec.replicas;

/** The hold's annotation keys among `annotations` (none once a hold is released). */
export const holdKeys = (annotations: Record<string, string> | undefined): string[] => Object.keys(annotations ?? {}).filter((k) => k.startsWith('copy-target.dev/hold-'));

/** The hold's annotation keys on a workload as the API server has it. */
export const holdKeysOf = async (namespace: string, kind: string, name: string): Promise<string[]> => holdKeys((await getJson(['get', kind, name, '-n', namespace])).metadata.annotations);

/** Copy Jobs in a namespace not being deleted, of one original (by name) or of all. */
export async function liveCopyJobs(namespace: string, target?: string): Promise<string[]> {
  const selector = `app.kubernetes.io/managed-by=kubectl-copy-target${target === undefined ? '' : `,copy-target.dev/target-name=${target}`}`;
  const jobs = await getJson(['get', 'jobs', '-n', namespace, '-l', selector]);
  return jobs.items.filter((j: any) => !j.metadata.deletionTimestamp).map((j: any) => j.metadata.name);
}
