import { AnnotationReader, type Damaged } from './annotation-values.js';
import type { KindObjects, ObjectRef } from '../kube/cluster.js';
import { kindName } from '../kube/types.js';
import { KEY_PREFIX } from './copy-record.js';
import type { ScalableKind } from '../target/kinds.js';

/**
 * The scale-down lock, recorded on the held workload itself. Pure: decoding, deciding and the
 * exact edits to make; the writes happen in src/apply/hold.ts.
 */
export const HoldKeys = {
  session: `${KEY_PREFIX}/hold-session`,
  copyJob: `${KEY_PREFIX}/hold-copy-job`,
  user: `${KEY_PREFIX}/hold-user`,
  host: `${KEY_PREFIX}/hold-host`,
  since: `${KEY_PREFIX}/hold-since`,
  leaseExpires: `${KEY_PREFIX}/hold-lease-expires`,
  /** "true" once the session detached: the copy Job's existence is then what keeps the hold alive. */
  detached: `${KEY_PREFIX}/hold-detached`,
  /** Replica count before the hold, or the previous spec.suspend ("true"/"false") for Jobs and CronJobs. */
  original: `${KEY_PREFIX}/hold-original`,
  /** Label, so gc finds held workloads with a server-side selector. */
  held: `${KEY_PREFIX}/held`,
  /** Team policy on a workload or namespace: "forbidden" refuses --scale-down. */
  policy: `${KEY_PREFIX}/scale-down`,
} as const;

export const SCALE_DOWN_FORBIDDEN = 'forbidden';

export const suspends = (kind: ScalableKind): boolean => kind === 'job' || kind === 'cronjob';

export interface Hold {
  session: string;
  copyJob: string;
  user: string;
  host: string;
  since: Date;
  leaseExpires: Date;
  /** A replica count, or a suspend value. */
  original: number | boolean;
  detached: boolean;
}

interface Meta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * A replica count above Kubernetes' documented limit of 150,000 pods in a cluster cannot be what
 * a workload had; restoring it would only flood the cluster.
 */
export const MAX_RESTORED_REPLICAS = 150_000;

/** The annotations and label that make up a hold; the policy annotation is not one of them. */
const HOLD_RECORD_KEYS = Object.values(HoldKeys).filter((key) => key !== HoldKeys.held && key !== HoldKeys.policy);

/**
 * Reads the hold recorded on a workload of `kind`: undefined when there is none, Damaged (naming
 * each annotation that is wrong) when any part of it is missing or is not what we write. A damaged
 * hold is never restored from: a guessed count would scale someone's workload to a made-up size.
 */
export function readHold(meta: Meta | undefined, kind: ScalableKind): Hold | Damaged | undefined {
  const annotations = meta?.annotations ?? {};
  const present = HOLD_RECORD_KEYS.filter((key) => annotations[key] !== undefined);
  if (present.length === 0 && meta?.labels?.[HoldKeys.held] === undefined) return undefined;
  const read = new AnnotationReader(annotations);
  const hold: Hold = {
    session: read.label(HoldKeys.session),
    // Stryker disable next-line StringLiteral: a missing or bad name makes the hold Damaged, so this value is never returned
    copyJob: read.objectName(HoldKeys.copyJob) ?? '',
    user: read.text(HoldKeys.user),
    host: read.text(HoldKeys.host),
    since: read.timestamp(HoldKeys.since),
    leaseExpires: read.timestamp(HoldKeys.leaseExpires),
    original: suspends(kind) ? read.boolean(HoldKeys.original) : read.count(HoldKeys.original, MAX_RESTORED_REPLICAS),
    detached: read.boolean(HoldKeys.detached),
  };
  return read.damage() ?? hold;
}

/**
 * One line for a damaged hold: what is wrong, that the workload was left as it is, and what to do.
 * The restore would need the recorded original, so a person has to set it right.
 */
export function damagedHoldMessage(ref: ObjectRef, damage: Damaged): string {
  const { namespace } = ref;
  const named = kindName(ref);
  return (
    `${named} in namespace ${namespace} has a damaged scale-down hold (${damage.damaged}); left it as it is: ` +
    `fix ${damage.keys.join(', ')} ("kubectl annotate ${named} -n ${namespace} KEY=VALUE --overwrite") and run "kubectl copy-target gc -n ${namespace}", ` +
    `or restore it by hand and remove the ${KEY_PREFIX}/hold-* annotations and the ${HoldKeys.held} label`
  );
}

export function holdAnnotations(hold: Hold): Record<string, string> {
  return {
    [HoldKeys.session]: hold.session,
    [HoldKeys.copyJob]: hold.copyJob,
    [HoldKeys.user]: hold.user,
    [HoldKeys.host]: hold.host,
    [HoldKeys.since]: hold.since.toISOString(),
    [HoldKeys.leaseExpires]: hold.leaseExpires.toISOString(),
    [HoldKeys.original]: String(hold.original),
    [HoldKeys.detached]: String(hold.detached),
  };
}


export function describeHolder(hold: Hold, kindName: string): string {
  return `${kindName} is already scaled down by ${hold.user || 'someone'} on ${hold.host || 'an unknown host'} since ${hold.since.toISOString()} (copy job ${hold.copyJob}, session ${hold.session})`;
}

/** The workload's current scale value: replicas (default 1, as the API defaults it) or suspend. */
export function currentScale(kind: ScalableKind, object: KindObjects[ScalableKind]): number | boolean {
  const spec = object.spec ?? {};
  if (suspends(kind)) return 'suspend' in spec && spec.suspend === true;
  return ('replicas' in spec ? spec.replicas : undefined) ?? 1;
}

/**
 * What a takeover of a stale hold restores at its end: the stale hold's recorded original while
 * the workload is still at its zero (or suspended); otherwise whatever someone set since (a scale
 * to 5 while nobody held it), as the restore of any hold lets someone else's later value win.
 */
export function originalAfterTakeover(kind: ScalableKind, object: KindObjects[ScalableKind], stale: Hold): number | boolean {
  const current = currentScale(kind, object);
  const untouched = suspends(kind) ? current === true : current === 0;
  return untouched ? stale.original : current;
}

/**
 * The ONE conditional write that takes the hold: a merge patch carrying the resourceVersion that
 * was read (the server answers 409 if anyone wrote since), our annotations and label, and zero
 * replicas (or suspend) together, so a crash can never leave zero replicas without an owner record.
 */
export function holdTakingPatch(kind: ScalableKind, resourceVersion: string, hold: Hold): object {
  return {
    metadata: { resourceVersion, annotations: holdAnnotations(hold), labels: { [HoldKeys.held]: 'true' } },
    spec: suspends(kind) ? { suspend: true } : { replicas: 0 },
  };
}

export interface Release {
  /** JSON patch ops: applied only while the hold still names the session (a `test` op first). */
  patch: Array<{ op: string; path: string; value?: unknown }>;
  /** Set when someone changed the scale during the hold: we leave it alone and say so. */
  warning?: string;
}

// Stryker disable next-line StringLiteral: our keys (constants) have no "~"; the escape is there for the JSON pointer rules
const pointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Restoring: the original scale comes back only if the workload is still at our zero (or still
 * suspended). `ifLeaseExpires` is the raw lease annotation a stale judgement was made on. If someone scaled or resumed it meanwhile, their value wins: we only remove our
 * annotations and warn.
 */
export function releasePatch(target: { kind: ScalableKind; name: string }, object: KindObjects[ScalableKind], hold: Hold, ifLeaseExpires?: string): Release {
  const { kind } = target;
  const named = kindName(target);
  const annotations = object.metadata?.annotations ?? {};
  const patch: Release['patch'] = [{ op: 'test', path: `/metadata/annotations/${pointer(HoldKeys.session)}`, value: hold.session }];
  // Restoring a hold judged stale: only while its lease is still the one judged expired, so a
  // renewal that lands in between keeps the session alive.
  if (ifLeaseExpires !== undefined) patch.push({ op: 'test', path: `/metadata/annotations/${pointer(HoldKeys.leaseExpires)}`, value: ifLeaseExpires });
  const current = currentScale(kind, object);
  const untouched = suspends(kind) ? current === true : current === 0;
  let warning: string | undefined;
  if (untouched) {
    patch.push({ op: 'test', path: suspends(kind) ? '/spec/suspend' : '/spec/replicas', value: current });
    patch.push({ op: 'replace', path: suspends(kind) ? '/spec/suspend' : '/spec/replicas', value: hold.original });
  } else {
    // Said even when it is back at the original: the original ran beside the copy from then on.
    warning = suspends(kind)
      ? `${named} was resumed by someone else while held; leaving spec.suspend=${current} as they set it`
      : current === hold.original
        ? `${named} was scaled back to ${current} by someone else while held; left as it is`
        : `${named} was scaled to ${current} by someone else while held; leaving it at ${current} instead of restoring ${hold.original}`;
  }
  for (const key of HOLD_RECORD_KEYS) {
    if (key in annotations) {
      patch.push({ op: 'remove', path: `/metadata/annotations/${pointer(key)}` });
    }
  }
  if (object.metadata?.labels?.[HoldKeys.held] !== undefined) {
    patch.push({ op: 'remove', path: `/metadata/labels/${pointer(HoldKeys.held)}` });
  }
  return { patch, warning };
}

/** JSON patch that renews the lease (and may mark the hold detached), only while the hold still names the session. */
export function renewPatch(session: string, leaseExpires: Date, detached?: boolean): Release['patch'] {
  const patch: Release['patch'] = [
    { op: 'test', path: `/metadata/annotations/${pointer(HoldKeys.session)}`, value: session },
    { op: 'replace', path: `/metadata/annotations/${pointer(HoldKeys.leaseExpires)}`, value: leaseExpires.toISOString() },
  ];
  if (detached !== undefined) patch.push({ op: 'add', path: `/metadata/annotations/${pointer(HoldKeys.detached)}`, value: String(detached) });
  return patch;
}
