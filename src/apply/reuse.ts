import type { Cluster } from '../kube/cluster.js';
import type { V1Pod } from '../kube/types.js';
import { reusable } from '../plan/liveness.js';
import { jobState, type Copy } from './copies.js';
import { podState } from './pod-state.js';

/** A live copy of the same target, made by the same user with the same options, still Running. */
export async function findReusableCopy(cluster: Cluster, liveCopies: Copy[], { signature, user }: { signature: string; user: string }): Promise<{ pod: V1Pod; job: string; expiresAt: Date } | undefined> {
  const now = cluster.now();
  for (const { job, record } of liveCopies) {
    if (record.signature !== signature || record.user !== user || !reusable(record, jobState(job), now)) continue;
    const pod = await cluster.find({ kind: 'pod', namespace: job.metadata!.namespace!, name: record.podName! });
    if (pod && podState(pod).state === 'running') return { pod, job: job.metadata!.name!, expiresAt: record.expiresAt };
  }
  return undefined;
}
