import type { Cluster } from '../kube/cluster.js';
import type { CopyJobState } from '../plan/liveness.js';
import type { V1Job } from '../kube/types.js';
import { isDamaged } from '../plan/annotation-values.js';
import { MANAGED_SELECTOR, readCopyRecord, type CopyRecord } from '../plan/copy-record.js';

/** A copy Job this plugin made, with its decoded record. */
export interface Copy {
  job: V1Job;
  record: CopyRecord;
}

/** A copy Job whose record cannot be read: shown as such, never acted on by a guess. */
export interface DamagedCopy {
  job: V1Job;
  /** What is wrong, naming each annotation. */
  damaged: string;
}

/** One line on a damaged copy: what is wrong, that it is left alone, and what to do. */
export function describeDamagedCopy(d: DamagedCopy): string {
  const ns = d.job.metadata!.namespace!;
  const name = d.job.metadata!.name!;
  return `copy job ${name} in namespace ${ns} has a damaged record (${d.damaged}); left it as it is: fix those annotations, or delete it with "kubectl copy-target delete ${name} -n ${ns}"`;
}

export interface Copies {
  copies: Copy[];
  damaged: DamagedCopy[];
}

/** Every copy in a namespace (or all namespaces): one label-selected, paginated list call. */
export async function listCopies(cluster: Cluster, namespace: string | undefined): Promise<Copies> {
  const jobs = await cluster.list('job', namespace, { labelSelector: MANAGED_SELECTOR });
  const listed: Copies = { copies: [], damaged: [] };
  for (const job of jobs) {
    const record = readCopyRecord(job.metadata ?? {});
    if (record === undefined) continue;
    if (isDamaged(record)) listed.damaged.push({ job, damaged: record.damaged });
    else listed.copies.push({ job, record });
  }
  return listed;
}

/** Which copies a command names: every copy in the namespace (--all), or those the names match. */
export interface CopySelector {
  all: boolean;
  matchers: Array<{ name: string; matches: (c: Copy) => boolean }>;
}

/** The copies a selector picked, in the order named, and a line for each name that matched none. */
export interface Selected {
  copies: Copy[];
  /** A damaged record can be trusted for nothing but its Job's own name: only that matches it. */
  damaged: DamagedCopy[];
  failures: string[];
}

/** What `delete` and `extend` act on; a name that matches nothing is a failure, not the end (as kubectl delete). */
export function selectCopies({ copies, damaged }: Copies, { all, matchers }: CopySelector, namespace: string): Selected {
  const selected = new Set<Copy>(all ? copies : []);
  const selectedDamaged = new Set<DamagedCopy>(all ? damaged : []);
  const failures: string[] = [];
  for (const m of matchers) {
    const hits = copies.filter(m.matches);
    const damagedHits = damaged.filter((d) => d.job.metadata?.name === m.name);
    if (hits.length === 0 && damagedHits.length === 0) {
      failures.push(`no copy matches "${m.name}" in namespace ${namespace}; list them with "kubectl copy-target status"`);
      continue;
    }
    hits.forEach((c) => selected.add(c));
    damagedHits.forEach((d) => selectedDamaged.add(d));
  }
  return { copies: [...selected], damaged: [...selectedDamaged], failures };
}

const isFinished = (job: V1Job): boolean =>
  (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

/** What liveness needs of a copy's Job (plan/liveness.ts). */
export const jobState = (job: V1Job): CopyJobState => ({ finished: isFinished(job), terminating: job.metadata?.deletionTimestamp !== undefined });

/** The Job's state as `status` shows it. */
export function jobPhase(job: V1Job): string {
  const condition = (type: string) => job.status?.conditions?.some((c) => c.type === type && c.status === 'True');
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (condition('Failed')) return 'Failed';
  if (condition('Complete')) return 'Complete';
  if (condition('Suspended')) return 'Suspended';
  if ((job.status?.ready ?? 0) > 0) return 'Running';
  return (job.status?.active ?? 0) > 0 ? 'NotReady' : 'Pending';
}
