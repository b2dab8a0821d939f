import type { V1ObjectMeta } from '../kube/types.js';
import { TARGET_KINDS, type TargetKind } from './target-kind.js';

/** The single prefix of every label and annotation key this plugin writes. */
export const KEY_PREFIX = 'copy-target.dev';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'kubectl-copy-target';
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

export const CopyKeys = {
  targetKind: `${KEY_PREFIX}/target-kind`,
  targetName: `${KEY_PREFIX}/target-name`,
  targetNamespace: `${KEY_PREFIX}/target-namespace`,
  user: `${KEY_PREFIX}/user`,
  host: `${KEY_PREFIX}/host`,
  scaleDown: `${KEY_PREFIX}/scale-down`,
  createdAt: `${KEY_PREFIX}/created-at`,
  expiresAt: `${KEY_PREFIX}/expires-at`,
  signature: `${KEY_PREFIX}/signature`,
  podName: `${KEY_PREFIX}/pod-name`,
  /** Scale-down sessions: which session holds which workload for this copy, and until when. */
  session: `${KEY_PREFIX}/session`,
  scaledKind: `${KEY_PREFIX}/scaled-kind`,
  scaledName: `${KEY_PREFIX}/scaled-name`,
  detached: `${KEY_PREFIX}/detached`,
  leaseExpires: `${KEY_PREFIX}/lease-expires`,
  /** Pod label marking a copy pod. */
  copy: `${KEY_PREFIX}/copy`,
} as const;

/**
 * Pod labels a controller stamps on the pods it creates. A copy must not carry them: the original's
 * controller would count the copy as its own, and the Job controller refuses foreign job labels.
 */
export const CONTROLLER_GENERATED_LABELS: readonly string[] = [
  'pod-template-hash',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'rollouts-pod-template-hash',
  'job-name',
  'controller-uid',
];

export function isControllerGeneratedLabel(key: string): boolean {
  return CONTROLLER_GENERATED_LABELS.includes(key) || key.startsWith('batch.kubernetes.io/');
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isValidLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** What a copy Job records about itself, decoded from its labels and annotations. */
export interface CopyRecord {
  targetKind: TargetKind;
  targetName: string;
  targetNamespace: string;
  user: string;
  host: string;
  scaleDown: boolean;
  createdAt: Date;
  expiresAt: Date;
  signature?: string;
  podName?: string;
  /** Present on copies made with --scale-down. */
  session?: CopySession;
}

/** The scale-down session a copy belongs to. */
export interface CopySession {
  id: string;
  scaledKind: string;
  scaledName: string;
  /** Detached copies live until --ttl; foreground ones only while their CLI renews the lease. */
  detached: boolean;
  leaseExpires: Date;
}

/** Decodes a copy Job's metadata; undefined when the object is not a copy made by this plugin. */
export function readCopyRecord(meta: V1ObjectMeta): CopyRecord | undefined {
  if (meta.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return undefined;
  const annotations = meta.annotations ?? {};
  const targetKind = annotations[CopyKeys.targetKind];
  const targetName = annotations[CopyKeys.targetName];
  const targetNamespace = annotations[CopyKeys.targetNamespace];
  const user = annotations[CopyKeys.user];
  const host = annotations[CopyKeys.host];
  const scaleDown = annotations[CopyKeys.scaleDown];
  const createdAt = parseDate(annotations[CopyKeys.createdAt]);
  const expiresAt = parseDate(annotations[CopyKeys.expiresAt]);
  if (!isTargetKind(targetKind) || !targetName || !targetNamespace) return undefined;
  if (user === undefined || host === undefined || !createdAt || !expiresAt) return undefined;
  if (scaleDown !== 'true' && scaleDown !== 'false') return undefined;
  const record: CopyRecord = {
    targetKind,
    targetName,
    targetNamespace,
    user,
    host,
    scaleDown: scaleDown === 'true',
    createdAt,
    expiresAt,
  };
  const signature = annotations[CopyKeys.signature];
  if (signature) record.signature = signature;
  const podName = annotations[CopyKeys.podName];
  if (podName) record.podName = podName;
  const session = annotations[CopyKeys.session];
  const leaseExpires = parseDate(annotations[CopyKeys.leaseExpires]);
  if (session && leaseExpires) {
    record.session = {
      id: session,
      scaledKind: annotations[CopyKeys.scaledKind] ?? '',
      scaledName: annotations[CopyKeys.scaledName] ?? '',
      detached: annotations[CopyKeys.detached] === 'true',
      leaseExpires,
    };
  }
  return record;
}

/** The annotations that record a copy's scale-down session. */
export function sessionAnnotations(session: CopySession): Record<string, string> {
  return {
    [CopyKeys.session]: session.id,
    [CopyKeys.scaledKind]: session.scaledKind,
    [CopyKeys.scaledName]: session.scaledName,
    [CopyKeys.detached]: String(session.detached),
    [CopyKeys.leaseExpires]: session.leaseExpires.toISOString(),
  };
}

function isTargetKind(value: string | undefined): value is TargetKind {
  return (TARGET_KINDS as readonly string[]).includes(value ?? '');
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
