import { listCopies, selectCopies, type Copy, type CopySelector } from '../apply/copies.js';
import { extendHoldLease, patchCopyJob, type HoldExtension } from '../apply/extension-writes.js';
import { CliError } from '../errors.js';
import type { Cluster } from '../kube/cluster.js';
import { kindName, type V1Job } from '../kube/types.js';
import { isDamaged } from '../plan/annotation-values.js';
import { readCopyRecord } from '../plan/copy-record.js';
import { planExtension, podDeadlineWarning } from '../plan/extension.js';
import { suspends } from '../plan/hold-record.js';
import { humanDuration } from '../render/duration.js';
import { judgeCopy } from './collect-garbage.js';
import { Failures } from './failures.js';

/** What `kubectl copy-target extend` extends, and to how long from now. */
export interface ExtendRequest extends CopySelector {
  ttlSeconds: number;
}

/** One copy done: the Job as it now is, and the line that says so. */
export interface ExtendedCopy {
  job: V1Job;
  line: string;
}

export interface ExtendOutput {
  /** Each copy as soon as it is done (results: stdout). */
  extended: (done: ExtendedCopy) => void;
  /** Warnings and notes (stderr). */
  note: (line: string) => void;
  warn: (line: string) => void;
}

/** A Job that keeps changing under us (a foreground session renews every few seconds) gets this many tries. */
const MAX_ATTEMPTS = 10;

/**
 * Extends the named copies (or all) to now + ttl on the API server's clock, going on past a copy
 * that cannot be extended (stale, damaged, forbidden); returns those failures for the caller to
 * report after its output. Unlike `delete` it makes no gc pass: extending changes nothing else.
 */
export async function extendCopies(cluster: Cluster, namespace: string, req: ExtendRequest, out: ExtendOutput): Promise<Failures> {
  const listed = await listCopies(cluster, namespace);
  const picked = selectCopies(listed, req, namespace);
  const failures = new Failures(picked.failures);
  if (picked.copies.length === 0 && picked.damaged.length === 0 && failures.count === 0) {
    out.note(`No copies found in namespace ${namespace}`);
    return failures;
  }
  // One instant for all: each copy is pushed to the same expiry, judged on the server's clock.
  const now = cluster.now();
  for (const copy of picked.copies) await failures.attempt(async () => out.extended(await extendCopy(cluster, copy, { now, ttlSeconds: req.ttlSeconds }, out.warn)));
  for (const d of picked.damaged) {
    failures.add(
      `copy job ${d.job.metadata!.name} in namespace ${namespace} has a damaged record (${d.damaged}), so it cannot be extended; fix those annotations, or delete it with "kubectl copy-target delete ${d.job.metadata!.name} -n ${namespace}"`,
    );
  }
  return failures;
}

/**
 * One copy: judged live (as gc judges it), its detached hold's lease moved first, then its Job.
 * That order keeps a crash in between harmless: a detached hold lives only as long as its copy
 * Job, so a lease past the copy's expiry protects nothing more, while a copy outliving its hold's
 * lease would be removed by gc with the hold. Every write is conditional on what was judged; a
 * Job that changed since is read, judged and written again.
 */
async function extendCopy(cluster: Cluster, listed: Copy, { now, ttlSeconds }: { now: Date; ttlSeconds: number }, warn: (line: string) => void): Promise<ExtendedCopy> {
  const ns = listed.job.metadata!.namespace!;
  const name = listed.job.metadata!.name!;
  let copy = listed;
  let hold: HoldExtension | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) copy = await reread(cluster, ns, name);
    const { record, job } = copy;
    const stale = await judgeCopy(cluster, copy, cluster.now());
    if (stale) {
      const restores = record.session ? ` and restores ${kindName({ kind: record.session.scaledKind, name: record.session.scaledName })}` : '';
      throw new CliError(`copy job ${name} in namespace ${ns} is stale (${stale.reason}), so it cannot be extended; "kubectl copy-target gc -n ${ns}" removes it${restores}`);
    }
    const plan = planExtension(record, deadlineOf(job), now, ttlSeconds);
    const left = `expires at ${plan.expiresAt.toISOString()} (in ${humanDuration(plan.expiresAt.getTime() - now.getTime())})`;
    if (!plan.change) {
      return { job, line: `copy job ${name} unchanged: it already ${left}, later than the ${humanDuration(ttlSeconds * 1000)} asked (extend never shortens a copy)` };
    }
    const session = record.session;
    const scaled = session && { kind: session.scaledKind, namespace: ns, name: session.scaledName };
    if (scaled && hold === undefined) {
      hold = await extendHoldLease(cluster, scaled, { session: session.id, copyJob: name, leaseExpires: plan.expiresAt });
      if (hold.held === 'not') warn(`copy job ${name} no longer holds anything: ${hold.why}; extending the copy alone`);
    }
    const patched = await patchCopyJob(cluster, { namespace: ns, name }, {
      resourceVersion: job.metadata!.resourceVersion!,
      expiresAt: plan.expiresAt,
      activeDeadlineSeconds: plan.activeDeadlineSeconds,
      detached: session?.detached === true,
    });
    if (!patched) continue;
    const podWarning = await podDeadline(cluster, copy, plan.expiresAt);
    if (podWarning) warn(podWarning);
    let held = '';
    if (scaled && hold?.held === 'detached') held = `; ${kindName(scaled)} stays ${suspends(scaled.kind) ? 'suspended' : 'scaled down'} until then`;
    if (scaled && hold?.held === 'foreground') held = `; ${kindName(scaled)} stays held while its foreground session runs`;
    return { job: patched, line: `copy job ${name} extended: ${left}${held}` };
  }
  throw new CliError(`copy job ${name} in namespace ${ns} kept changing while extending it (${MAX_ATTEMPTS} conflicts); try again`);
}

/** The copy as it is now, after a write found it changed. */
async function reread(cluster: Cluster, namespace: string, name: string): Promise<Copy> {
  const job = await cluster.find({ kind: 'job', namespace, name });
  if (!job) throw new CliError(`copy job ${name} in namespace ${namespace} is gone (deleted meanwhile)`);
  const record = readCopyRecord(job.metadata ?? {});
  if (record === undefined || isDamaged(record)) {
    throw new CliError(`copy job ${name} in namespace ${namespace} ${record ? `has a damaged record now (${record.damaged})` : 'is no longer a copy'}, so it was not extended`);
  }
  return { job, record };
}

/** A time from the API as JSON carries it (a string, whatever the client's types say). */
const timeOf = (value: unknown): Date | undefined => (value === undefined || value === null ? undefined : new Date(String(value)));

const deadlineOf = (job: V1Job) => ({ startTime: timeOf(job.status?.startTime), activeDeadlineSeconds: job.spec?.activeDeadlineSeconds });

/** The warning for a copy pod whose own pod-level deadline ends it before the new expiry (plan/extension.ts). */
async function podDeadline(cluster: Cluster, copy: Copy, expiresAt: Date): Promise<string | undefined> {
  const seconds = copy.job.spec?.template?.spec?.activeDeadlineSeconds;
  if (seconds === undefined || seconds === null) return undefined;
  const podName = copy.record.podName;
  const pod = podName ? await cluster.find({ kind: 'pod', namespace: copy.job.metadata!.namespace!, name: podName }) : undefined;
  return podDeadlineWarning(
    { name: podName ?? `of copy job ${copy.job.metadata!.name}`, activeDeadlineSeconds: pod?.spec?.activeDeadlineSeconds ?? seconds, startTime: timeOf(pod?.status?.startTime) },
    expiresAt,
  );
}
