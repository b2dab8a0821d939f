import type { Cluster } from '../kube/cluster.js';
import type { V1Job } from '../kube/types.js';
import { MANAGED_SELECTOR, readCopyRecord, type CopyRecord } from '../plan/labels.js';

/** A copy Job this plugin made, with its decoded record. */
export interface Copy {
  job: V1Job;
  record: CopyRecord;
}

/** Every copy in a namespace (or all namespaces): one label-selected, paginated list call. */
export async function listCopies(cluster: Cluster, namespace: string | undefined): Promise<Copy[]> {
  const jobs = await cluster.listJobs(namespace, MANAGED_SELECTOR);
  const copies: Copy[] = [];
  for (const job of jobs) {
    const record = readCopyRecord(job.metadata ?? {});
    if (record) copies.push({ job, record });
  }
  return copies;
}

export const isFinished = (job: V1Job): boolean =>
  (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

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
