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
  return record;
}

function isTargetKind(value: string | undefined): value is TargetKind {
  return (TARGET_KINDS as readonly string[]).includes(value ?? '');
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
