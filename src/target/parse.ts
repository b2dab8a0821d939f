import { UsageError } from '../errors.js';
import { TARGET_KINDS, type TargetKind } from './kinds.js';

/** A workload named on the command line, e.g. `deployment/web/container/app`. */
export interface Target {
  kind: TargetKind;
  name: string;
  /** Only set when the target names a container explicitly. */
  container?: string;
}

const GRAMMAR = `expected KIND/NAME[/container/CONTAINER] with KIND one of ${TARGET_KINDS.join(', ')}`;

/** Every spelling kubectl accepts for a kind (singular, plural, short name, resource.group), lower case. */
const KIND_ALIASES: Readonly<Record<string, TargetKind>> = {
  pod: 'pod',
  pods: 'pod',
  po: 'pod',
  deployment: 'deployment',
  deployments: 'deployment',
  deploy: 'deployment',
  'deployment.apps': 'deployment',
  'deployments.apps': 'deployment',
  statefulset: 'statefulset',
  statefulsets: 'statefulset',
  sts: 'statefulset',
  'statefulset.apps': 'statefulset',
  'statefulsets.apps': 'statefulset',
  replicaset: 'replicaset',
  replicasets: 'replicaset',
  rs: 'replicaset',
  'replicaset.apps': 'replicaset',
  'replicasets.apps': 'replicaset',
  rollout: 'rollout',
  rollouts: 'rollout',
  ro: 'rollout',
  'rollout.argoproj.io': 'rollout',
  'rollouts.argoproj.io': 'rollout',
  job: 'job',
  jobs: 'job',
  'job.batch': 'job',
  'jobs.batch': 'job',
  cronjob: 'cronjob',
  cronjobs: 'cronjob',
  cj: 'cronjob',
  'cronjob.batch': 'cronjob',
  'cronjobs.batch': 'cronjob',
  service: 'service',
  services: 'service',
  svc: 'service',
};

/** The canonical kind for a kubectl spelling of it (case-insensitive), or undefined. */
export function resolveKindAlias(spelling: string): TargetKind | undefined {
  const lower = spelling.toLowerCase();
  // Own-property check so inherited names such as "constructor" are not taken for kinds.
  return Object.hasOwn(KIND_ALIASES, lower) ? KIND_ALIASES[lower] : undefined;
}

const DAEMONSET_SPELLINGS = new Set(['ds', 'daemonset', 'daemonsets', 'daemonset.apps', 'daemonsets.apps']);

function invalid(problem: string): UsageError {
  return new UsageError(`${problem}; ${GRAMMAR}`);
}

/** Parses `KIND/NAME[/container/CONTAINER]`; any malformed target is a one-line UsageError. */
export function parseTarget(text: string): Target {
  const quoted = JSON.stringify(text);
  if (text === '') throw invalid('empty target ""');
  const segments = text.split('/');
  if (segments.length === 1) throw invalid(`target ${quoted} has no kind`);

  const [kindText = '', name = '', keyword, container, ...extra] = segments;
  if (kindText === '') throw invalid(`empty kind in target ${quoted}`);
  const kind = resolveKindAlias(kindText);
  if (kind === undefined && DAEMONSET_SPELLINGS.has(kindText.toLowerCase())) {
    throw new UsageError(
      `DaemonSets are not supported (${quoted}): a DaemonSet runs one pod on every node and has no replica count to scale down; copy one of its pods instead (pod/NAME)`,
    );
  }
  if (kind === undefined) throw invalid(`unknown kind ${JSON.stringify(kindText)} in target ${quoted}`);
  if (name === '') throw invalid(`empty name in target ${quoted}`);
  if (keyword === undefined) return { kind, name };

  if (keyword !== 'container') {
    throw invalid(`expected "container" after the name in target ${quoted}, got ${JSON.stringify(keyword)}`);
  }
  if (container === undefined || container === '') throw invalid(`empty container in target ${quoted}`);
  if (extra.length > 0) throw invalid(`unexpected extra segment ${JSON.stringify(extra.join('/'))} in target ${quoted}`);
  return { kind, name, container };
}
