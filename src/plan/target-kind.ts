/** The workload kinds a copy can be made from, in their full kubectl spelling. */
export const TARGET_KINDS = ['pod', 'deployment', 'statefulset', 'replicaset', 'rollout', 'job', 'cronjob', 'service'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];
