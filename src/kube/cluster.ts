import { CliError } from '../errors.js';
import type { Connection } from './config.js';
import { isConflict, isNotFound, isUnreachable, statusCode, toCliError } from './api-errors.js';
import { RestClient, type ContentType, type RequestOptions, type Transport } from './rest.js';
import {
  kindName,
  type CoreV1Event,
  type Rollout,
  type ScaledObject,
  type V1CronJob,
  type V1DaemonSet,
  type V1Deployment,
  type V1Job,
  type V1Namespace,
  type V1Pod,
  type V1ReplicaSet,
  type V1Service,
  type V1StatefulSet,
  type V2HorizontalPodAutoscaler,
} from './types.js';

/** Kinds `Cluster` reads and writes by name. */
export type ResourceKind =
  | 'pod'
  | 'service'
  | 'deployment'
  | 'statefulset'
  | 'replicaset'
  | 'daemonset'
  | 'job'
  | 'cronjob'
  | 'rollout'
  | 'namespace'
  | 'event'
  | 'horizontalpodautoscaler'
  | 'scaledobject';

/** Each kind's object type: compile-time only, the objects stay plain JSON with every field kept. */
export interface KindObjects {
  pod: V1Pod;
  service: V1Service;
  deployment: V1Deployment;
  statefulset: V1StatefulSet;
  replicaset: V1ReplicaSet;
  daemonset: V1DaemonSet;
  job: V1Job;
  cronjob: V1CronJob;
  rollout: Rollout;
  namespace: V1Namespace;
  event: CoreV1Event;
  horizontalpodautoscaler: V2HorizontalPodAutoscaler;
  scaledobject: ScaledObject;
}

/** Server-side filters of a list or watch (`-l`, `--field-selector`). */
export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Which object: never several positional strings that could be swapped unnoticed. */
export interface ObjectRef<K extends ResourceKind = ResourceKind> {
  kind: K;
  namespace: string;
  name: string;
}

/** A Job by namespace and name (the copy Jobs). */
export type JobRef = Omit<ObjectRef<'job'>, 'kind'>;

/** An object with its kind, the object's type following the kind (switch on `kind` to narrow it). */
export type KindObject<K extends ResourceKind = ResourceKind> = { [P in K]: { kind: P; object: KindObjects[P] } }[K];

/** API group/version, Kind and plural of each kind, so no discovery request is ever needed. */
const RESOURCES: Record<ResourceKind, { apiVersion: string; kind: string; plural: string; cluster?: boolean }> = {
  pod: { apiVersion: 'v1', kind: 'Pod', plural: 'pods' },
  service: { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  event: { apiVersion: 'v1', kind: 'Event', plural: 'events' },
  namespace: { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', cluster: true },
  deployment: { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  statefulset: { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets' },
  replicaset: { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets' },
  daemonset: { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets' },
  job: { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' },
  cronjob: { apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs' },
  rollout: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', plural: 'rollouts' },
  horizontalpodautoscaler: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers' },
  scaledobject: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', plural: 'scaledobjects' },
};

/** apiVersion and Kind of one of our kinds, e.g. for an Event's involvedObject. */
export function typeMeta(kind: ResourceKind): { apiVersion: string; kind: string } {
  const r = RESOURCES[kind];
  return { apiVersion: r.apiVersion, kind: r.kind };
}

/** Our kind for an ownerReference's apiVersion and Kind, if it is one we know. */
export function kindOf(apiVersion: string, kind: string): ResourceKind | undefined {
  return (Object.keys(RESOURCES) as ResourceKind[]).find((k) => RESOURCES[k].apiVersion === apiVersion && RESOURCES[k].kind === kind);
}

/** Pause before re-watching after the API server could not be reached. */
const WATCH_RETRY_MS = 1000;

/** Recorded as the field manager of every write, so managed fields tell who wrote what. */
const FIELD_MANAGER = 'kubectl-copy-target';

function resourcePath(kind: ResourceKind, namespace: string | undefined, name?: string): string {
  const r = RESOURCES[kind];
  const prefix = r.apiVersion === 'v1' ? '/api/v1' : `/apis/${r.apiVersion}`;
  const scope = r.cluster || namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${prefix}${scope}/${r.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

/** What a list call was doing, for its error message. */
const listing = (kind: ResourceKind, namespace: string | undefined): string =>
  `list ${RESOURCES[kind].plural} in ${namespace ? `namespace ${namespace}` : 'all namespaces'}`;

const query = (params: Record<string, string | number | undefined>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
};

/**
 * The one place that talks to the API server. Everything above it works with plain objects, so
 * the planning code stays pure and testable without a cluster.
 */
export class Cluster {
  private readonly rest: Transport;

  /**
   * `transport` replaces the HTTP client, for unit tests of branches a real API server will not
   * produce on cue (ten conflicts in a row, a 422 from validation); everything else is e2e.
   */
  constructor(
    readonly connection: Connection,
    options: { requestTimeoutMs?: number; transport?: Transport } = {},
  ) {
    this.rest = options.transport ?? new RestClient(connection.kubeConfig, options.requestTimeoutMs ?? connection.requestTimeoutMs, connection.impersonate, connection.credentials);
  }

  /** Runs one API call, turning any failure into a one-line CliError that says what we were doing. */
  private async call<T>(doing: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw toCliError(err, this.connection.server, doing);
    }
  }

  /** The API server's clock (see RestClient.serverNow): every lease and expiry is on it. */
  now(): Date {
    return this.rest.serverNow();
  }

  serverVersion(): Promise<{ gitVersion: string; platform: string }> {
    return this.call('get server version', () => this.rest.request('GET', '/version'));
  }

  /** Who the request goes as when the server will not say: --as, else the kubeconfig's user name. */
  private assumedUser(): string {
    return this.connection.impersonate?.user ?? this.connection.userName;
  }

  /** The authenticated username as the server sees it (what kubectl auth whoami prints). */
  async whoAmI(): Promise<string> {
    try {
      const review = await this.rest.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      });
      return review.status?.userInfo?.username ?? this.assumedUser();
    } catch (err) {
      // The server answered but would not say (old server, rare RBAC): use the name we asked as.
      if (statusCode(err) !== undefined) return this.assumedUser();
      throw toCliError(err, this.connection.server, 'ask the server who you are');
    }
  }

  /**
   * Whether the server would let us `verb` the object (one SelfSubjectAccessReview, what
   * `kubectl auth can-i` asks); undefined when it will not say (the review itself refused, an
   * old server), so the caller goes ahead and meets the real answer. `resource` names it as
   * kubectl auth can-i does (`deployments.apps`).
   */
  async mayI(verb: string, { kind, namespace, name }: ObjectRef): Promise<{ allowed: boolean | undefined; resource: string }> {
    const r = RESOURCES[kind];
    const group = r.apiVersion.includes('/') ? r.apiVersion.split('/')[0]! : '';
    const resource = group ? `${r.plural}.${group}` : r.plural;
    try {
      const review = await this.rest.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb, group, resource: r.plural, namespace, name } },
      });
      return { allowed: review.status?.allowed === true, resource };
    } catch (err) {
      if (statusCode(err) !== undefined) return { allowed: undefined, resource };
      throw toCliError(err, this.connection.server, `ask the server whether you may ${verb} ${resource}/${name} in namespace ${namespace}`);
    }
  }

  /**
   * Reads one object by kind and name. A 404 names the object and, when the namespace itself is
   * missing, says that instead.
   */
  async read<K extends ResourceKind>(ref: ObjectRef<K>): Promise<KindObjects[K]> {
    const object = await this.find(ref);
    if (object === undefined) throw await this.notFound(kindName(ref), ref.namespace);
    return object;
  }

  /** Reads an object, or undefined when it does not exist. */
  async find<K extends ResourceKind>({ kind, namespace, name }: ObjectRef<K>): Promise<KindObjects[K] | undefined> {
    try {
      return await this.rest.request('GET', resourcePath(kind, namespace, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toCliError(err, this.connection.server, `get ${kindName({ kind, name })} in namespace ${namespace}`);
    }
  }

  private async notFound(object: string, namespace: string): Promise<CliError> {
    const nsExists = await this.rest.request('GET', resourcePath('namespace', undefined, namespace)).then(
      () => true,
      (err: unknown) => !isNotFound(err), // cannot tell (e.g. forbidden): assume it exists
    );
    return nsExists
      ? new CliError(`${object} not found in namespace ${namespace}; check the name or pass -n NAMESPACE`)
      : new CliError(`namespace ${namespace} not found; check -n or your context's namespace`);
  }

  /**
   * Lists objects matching a label selector in one namespace or all (undefined): one server-side
   * filtered call per page of 500.
   */
  async list<K extends ResourceKind>(kind: K, namespace: string | undefined, selectors: Selectors = {}): Promise<KindObjects[K][]> {
    return this.call(listing(kind, namespace), () => this.listPages(kind, namespace, selectors));
  }

  /**
   * As `list`, or undefined when the server does not serve the kind at all (a 404 for the list:
   * no such CRD). Any other refusal (403, a timeout) is an error like any other.
   */
  async listIfServed<K extends ResourceKind>(kind: K, namespace: string | undefined, selectors: Selectors = {}): Promise<KindObjects[K][] | undefined> {
    try {
      return await this.listPages(kind, namespace, selectors);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toCliError(err, this.connection.server, listing(kind, namespace));
    }
  }

  private async listPages<K extends ResourceKind>(kind: K, namespace: string | undefined, selectors: Selectors): Promise<KindObjects[K][]> {
    const items: KindObjects[K][] = [];
    let token: string | undefined;
    do {
      const path = resourcePath(kind, namespace) + query({ ...selectors, limit: 500, continue: token });
      const page = await this.rest.request('GET', path);
      items.push(...page.items);
      token = page.metadata?.continue || undefined;
    } while (token);
    return items;
  }

  /** One page of objects and the list's resourceVersion, to watch from exactly that point on. */
  listForWatch<K extends ResourceKind>(kind: K, namespace: string, selectors: Selectors): Promise<{ items: KindObjects[K][]; resourceVersion: string }> {
    const path = resourcePath(kind, namespace) + query({ ...selectors });
    return this.call(listing(kind, namespace), async () => {
      const list = await this.rest.request('GET', path);
      return { items: list.items, resourceVersion: list.metadata.resourceVersion };
    });
  }

  createJob(job: V1Job, dryRun: boolean): Promise<V1Job> {
    const ns = job.metadata?.namespace ?? this.connection.namespace;
    const path = resourcePath('job', ns) + query({ fieldManager: FIELD_MANAGER, dryRun: dryRun ? 'All' : undefined });
    return this.call(`create job ${job.metadata?.name} in namespace ${ns}`, () => this.rest.request('POST', path, job));
  }

  /**
   * Deletes a copy Job; its pod goes with it (background cascading, as kubectl delete does).
   * With `ifResourceVersion`, only the Job as it was judged: false when it changed since (a
   * renewal landed), so the caller decides again instead of deleting a live copy.
   */
  async deleteJob({ namespace, name }: JobRef, ifResourceVersion?: string): Promise<boolean> {
    const options = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Background',
      ...(ifResourceVersion === undefined ? {} : { preconditions: { resourceVersion: ifResourceVersion } }),
    };
    try {
      await this.rest.request('DELETE', resourcePath('job', namespace, name), options);
      return true;
    } catch (err) {
      if (isNotFound(err)) return true; // already gone: the goal is reached
      if (ifResourceVersion !== undefined && isConflict(err)) return false;
      throw toCliError(err, this.connection.server, `delete job ${name} in namespace ${namespace}`);
    }
  }

  /** Merge-patches annotations onto a Job. */
  annotateJob({ namespace, name }: JobRef, annotations: Record<string, string | null>, options?: RequestOptions): Promise<V1Job> {
    return this.call(`annotate job ${name} in namespace ${namespace}`, () =>
      this.patch({ kind: 'job', namespace, name }, { metadata: { annotations } }, 'application/merge-patch+json', options),
    );
  }

  /** A raw PATCH (callers handle 409/422 themselves where they mean something). */
  patch<K extends ResourceKind>({ kind, namespace, name }: ObjectRef<K>, body: unknown, contentType: ContentType, options?: RequestOptions): Promise<KindObjects[K]> {
    return this.rest.request('PATCH', resourcePath(kind, namespace, name) + query({ fieldManager: FIELD_MANAGER }), body, contentType, options);
  }

  /** `body` is the JSON sent (times as RFC 3339 strings, where the client's types say Date). */
  create<K extends ResourceKind>(kind: K, namespace: string, body: unknown): Promise<KindObjects[K]> {
    return this.rest.request('POST', resourcePath(kind, namespace) + query({ fieldManager: FIELD_MANAGER }), body);
  }

  /** Starts a watch; returns a function that stops it. */
  private watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, object: any) => void,
    onDone: (err: unknown) => void,
  ): () => void {
    return this.rest.watch(path + query({ ...params, watch: 'true' }), onEvent, onDone);
  }

  /**
   * A watch that outlives the server's watch timeout (30-60 min) and "410 Gone": whenever the
   * server ends it or sends an ERROR event, `resync` re-reads the current state (and returns the
   * resourceVersion to go on from) and the watch starts again. Returns a function that stops it.
   */
  watchContinuously<K extends ResourceKind>(
    kind: K,
    namespace: string,
    params: Selectors & { resourceVersion?: string },
    onEvent: (type: string, object: KindObjects[K]) => void,
    resync: () => Promise<string | undefined>,
    onFailure: (err: unknown) => void,
  ): () => void {
    let generation = 0;
    let current: (() => void) | undefined;
    let stopped = false;
    let retryTimer: NodeJS.Timeout | undefined;
    const stopCurrent = () => current?.();
    // An API server that went away (a restart, a dropped VPN) is waited for, not given up on:
    // the caller's own timeout, if it has one, bounds the wait.
    const resyncAndStart = () =>
      resync().then(start, (err: unknown) => {
        if (stopped) return;
        if (!isUnreachable(err)) return onFailure(err);
        retryTimer = setTimeout(resyncAndStart, WATCH_RETRY_MS);
      });
    const start = (resourceVersion: string | undefined) => {
      if (stopped) return;
      const mine = ++generation;
      const restart = () => {
        if (mine !== generation || stopped) return;
        generation++;
        stopCurrent();
        resyncAndStart();
      };
      current = this.watch(
        resourcePath(kind, namespace),
        { ...params, resourceVersion },
        (type, object) => {
          if (mine !== generation) return;
          if (type === 'ERROR') restart();
          else onEvent(type, object);
        },
        (err) => {
          if (mine !== generation || stopped) return;
          if (!err || isUnreachable(err)) restart(); // the server ended the watch, or went away: carry on
          else if ((err as Error).name !== 'AbortError') onFailure(err);
        },
      );
    };
    start(params.resourceVersion);
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      stopCurrent();
    };
  }

  /** Lets the process exit without waiting for idle keep-alive sockets. */
  close(): void {
    this.rest.close();
  }
}
