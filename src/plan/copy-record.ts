import type { V1ObjectMeta } from '../kube/types.js';
import { AnnotationReader, type Damaged } from './annotation-values.js';
import { SCALABLE_KINDS, TARGET_KINDS, type ScalableKind, type TargetKind } from '../target/kinds.js';

/** The single prefix of every label and annotation key this plugin writes. */
export const KEY_PREFIX = 'copy-target.dev';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'kubectl-copy-target';
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

/**
 * Where copies made by earlier versions recorded "made with --scale-down": the key the team policy uses on
 * workloads and namespaces. Read when the new key is absent, so those copies keep their row.
 */
const LEGACY_SCALE_DOWN_KEY = `${KEY_PREFIX}/scale-down`;

/** The annotation that says "made with --scale-down" on this copy: the new key, or an old copy's legacy key. */
export function scaleDownKeyOf(annotations: Record<string, string>): string {
  return CopyKeys.scaleDown in annotations || !(LEGACY_SCALE_DOWN_KEY in annotations) ? CopyKeys.scaleDown : LEGACY_SCALE_DOWN_KEY;
}

export const CopyKeys = {
  targetKind: `${KEY_PREFIX}/target-kind`,
  targetName: `${KEY_PREFIX}/target-name`,
  targetNamespace: `${KEY_PREFIX}/target-namespace`,
  user: `${KEY_PREFIX}/user`,
  host: `${KEY_PREFIX}/host`,
  /** Whether the copy was made with --scale-down (not the team policy, `copy-target.dev/scale-down`). */
  scaleDown: `${KEY_PREFIX}/made-with-scale-down`,
  createdAt: `${KEY_PREFIX}/created-at`,
  expiresAt: `${KEY_PREFIX}/expires-at`,
  signature: `${KEY_PREFIX}/signature`,
  podName: `${KEY_PREFIX}/pod-name`,
  /**
   * When the CLI that made the copy gives up waiting for its pod (--pod-running-timeout, on the
   * API server's clock). A copy still without a pod name after that lost its CLI before it could
   * hand the pod to anyone (kill -9, a closed laptop): nobody uses it, so it is stale.
   */
  readyBy: `${KEY_PREFIX}/ready-by`,
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
  /** Absent on copies made before it was recorded. */
  readyBy?: Date;
  /** Present on copies made with --scale-down. */
  session?: CopySession;
}

/** The original a copy was made from, as `kindName` takes it. */
export const originalOf = (record: CopyRecord): { kind: TargetKind; name: string } => ({ kind: record.targetKind, name: record.targetName });

/** The scale-down session a copy belongs to. */
export interface CopySession {
  id: string;
  scaledKind: ScalableKind;
  scaledName: string;
  /** Detached copies live until --ttl; foreground ones only while their CLI renews the lease. */
  detached: boolean;
  leaseExpires: Date;
}

const SESSION_KEYS = [CopyKeys.session, CopyKeys.scaledKind, CopyKeys.scaledName, CopyKeys.detached, CopyKeys.leaseExpires];

/**
 * Decodes a copy Job's metadata: undefined when the object is not a copy made by this plugin,
 * Damaged (naming each annotation that is wrong) when it is one whose record is missing a field or
 * holds a value we never write.
 */
export function readCopyRecord(meta: V1ObjectMeta): CopyRecord | Damaged | undefined {
  if (meta.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return undefined;
  const read = new AnnotationReader(meta.annotations ?? {});
  const record: CopyRecord = {
    targetKind: read.oneOf(CopyKeys.targetKind, TARGET_KINDS),
    // Stryker disable next-line StringLiteral: a missing or invalid name makes the record Damaged, so the fallback is never used
    targetName: read.objectName(CopyKeys.targetName) ?? '',
    targetNamespace: read.label(CopyKeys.targetNamespace),
    user: read.text(CopyKeys.user),
    host: read.text(CopyKeys.host),
    scaleDown: read.boolean(scaleDownKeyOf(meta.annotations ?? {})),
    createdAt: read.timestamp(CopyKeys.createdAt),
    expiresAt: read.timestamp(CopyKeys.expiresAt),
  };
  if (read.has(CopyKeys.signature)) record.signature = read.pattern(CopyKeys.signature, /^[0-9a-f]{16}$/, 'a copy signature');
  const podName = read.objectName(CopyKeys.podName, { optional: true });
  // Stryker disable next-line ConditionalExpression: podName set to undefined reads and serialises as no podName
  if (podName !== undefined) record.podName = podName;
  if (read.has(CopyKeys.readyBy)) record.readyBy = read.timestamp(CopyKeys.readyBy);
  // All or nothing: a session we cannot read whole could restore the wrong workload.
  if (SESSION_KEYS.some((key) => read.has(key))) {
    record.session = {
      id: read.label(CopyKeys.session),
      scaledKind: read.oneOf(CopyKeys.scaledKind, SCALABLE_KINDS),
      // Stryker disable next-line StringLiteral: a missing or invalid name makes the record Damaged, so the fallback is never used
      scaledName: read.objectName(CopyKeys.scaledName) ?? '',
      detached: read.boolean(CopyKeys.detached),
      leaseExpires: read.timestamp(CopyKeys.leaseExpires),
    };
  }
  return read.damage() ?? record;
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
