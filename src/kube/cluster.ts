import {
  AppsV1Api,
  AuthenticationV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
  Watch,
  type KubeConfig,
} from '@kubernetes/client-node';
import { CliError } from '../errors.js';
import type { Connection } from './config.js';
import { isNotFound, toCliError } from './errors.js';
import type { V1Job, V1Pod } from './types.js';

/** Recorded as the field manager of every write, so `kubectl get -o yaml --show-managed-fields` tells who wrote what. */
const FIELD_MANAGER = 'kubectl-copy-target';

/** Kinds `Cluster.read` knows how to fetch. */
export type ReadableKind =
  | 'pod'
  | 'service'
  | 'deployment'
  | 'statefulset'
  | 'replicaset'
  | 'daemonset'
  | 'job'
  | 'cronjob'
  | 'rollout';

export const ROLLOUTS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts' } as const;

/**
 * The one place that talks to the API server. Everything above it works with plain objects, so
 * the planning code stays pure and testable without a cluster.
 */
export class Cluster {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;
  private readonly kubeConfig: KubeConfig;

  constructor(readonly connection: Connection) {
    this.kubeConfig = connection.kubeConfig;
    this.core = this.kubeConfig.makeApiClient(CoreV1Api);
    this.apps = this.kubeConfig.makeApiClient(AppsV1Api);
    this.batch = this.kubeConfig.makeApiClient(BatchV1Api);
    this.custom = this.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** Runs one API call, turning any failure into a one-line CliError that says what we were doing. */
  async call<T>(doing: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw toCliError(err, this.connection.server, doing);
    }
  }

  serverVersion(): Promise<{ gitVersion: string; platform: string }> {
    return this.call('get server version', () => this.kubeConfig.makeApiClient(VersionApi).getCode());
  }

  /** The authenticated username as the server sees it (what kubectl auth whoami prints). */
  async whoAmI(): Promise<string> {
    const review = await this.call('ask the server who you are', () =>
      this.kubeConfig.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      }),
    );
    return review.status?.userInfo?.username ?? this.connection.userName;
  }

  /**
   * Reads one object of a kind we can copy from (or walk through). A 404 names the object and,
   * when the namespace itself is missing, says that instead.
   */
  async read(kind: ReadableKind, name: string, namespace: string): Promise<any> {
    const ref = { name, namespace };
    const requests: Record<ReadableKind, () => Promise<unknown>> = {
      pod: () => this.core.readNamespacedPod(ref),
      service: () => this.core.readNamespacedService(ref),
      deployment: () => this.apps.readNamespacedDeployment(ref),
      statefulset: () => this.apps.readNamespacedStatefulSet(ref),
      replicaset: () => this.apps.readNamespacedReplicaSet(ref),
      daemonset: () => this.apps.readNamespacedDaemonSet(ref),
      job: () => this.batch.readNamespacedJob(ref),
      cronjob: () => this.batch.readNamespacedCronJob(ref),
      rollout: () => this.custom.getNamespacedCustomObject({ ...ref, ...ROLLOUTS }),
    };
    try {
      return await requests[kind]();
    } catch (err) {
      if (isNotFound(err)) throw await this.notFound(`${kind}/${name}`, namespace);
      throw toCliError(err, this.connection.server, `get ${kind}/${name} in namespace ${namespace}`);
    }
  }

  private async notFound(object: string, namespace: string): Promise<CliError> {
    const nsExists = await this.core.readNamespace({ name: namespace }).then(
      () => true,
      (err: unknown) => !isNotFound(err), // cannot tell (e.g. forbidden): assume it exists
    );
    return nsExists
      ? new CliError(`${object} not found in namespace ${namespace}; check the name or pass -n NAMESPACE`)
      : new CliError(`namespace ${namespace} not found; check -n or your context's namespace`);
  }

  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return this.call(`list pods in namespace ${namespace}`, async () =>
      (await this.core.listNamespacedPod({ namespace, labelSelector })).items,
    );
  }

  createJob(job: V1Job, dryRun: boolean): Promise<V1Job> {
    const ns = job.metadata?.namespace ?? this.connection.namespace;
    return this.call(`create job ${job.metadata?.name} in namespace ${ns}`, () =>
      this.batch.createNamespacedJob({ namespace: ns, body: job, dryRun: dryRun ? 'All' : undefined, fieldManager: FIELD_MANAGER }),
    );
  }

  /** Deletes a copy Job; its pod goes with it (background cascading, as kubectl delete does). */
  async deleteJob(namespace: string, name: string): Promise<void> {
    try {
      await this.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
    } catch (err) {
      if (isNotFound(err)) return; // already gone: the goal is reached
      throw toCliError(err, this.connection.server, `delete job ${name} in namespace ${namespace}`);
    }
  }

  /** Merge-patches annotations onto a Job. */
  annotateJob(namespace: string, name: string, annotations: Record<string, string | null>): Promise<V1Job> {
    return this.call(`annotate job ${name} in namespace ${namespace}`, () =>
      this.batch.patchNamespacedJob(
        { name, namespace, body: { metadata: { annotations } }, fieldManager: FIELD_MANAGER },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  /**
   * Lists Jobs matching a label selector in one namespace or all (undefined), one server-side
   * filtered call per page of 500.
   */
  async listJobs(namespace: string | undefined, labelSelector: string): Promise<V1Job[]> {
    const where = namespace ? `namespace ${namespace}` : 'all namespaces';
    const jobs: V1Job[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(`list jobs in ${where}`, () =>
        namespace
          ? this.batch.listNamespacedJob({ namespace, labelSelector, limit: 500, _continue: token })
          : this.batch.listJobForAllNamespaces({ labelSelector, limit: 500, _continue: token }),
      );
      jobs.push(...page.items);
      token = page.metadata?._continue || undefined;
    } while (token);
    return jobs;
  }

  readPod(namespace: string, name: string): Promise<V1Pod> {
    return this.call(`get pod ${name} in namespace ${namespace}`, () => this.core.readNamespacedPod({ name, namespace }));
  }

  /** Starts a watch; returns a function that stops it. */
  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, object: any) => void,
    onDone: (err: unknown) => void,
  ): Promise<() => void> {
    const controller = await this.call(`watch ${path}`, () =>
      new Watch(this.kubeConfig).watch(path, query, onEvent, onDone),
    );
    return () => controller.abort();
  }
}
