/** The workload kinds a copy can be made from, in their full kubectl spelling. */
export const TARGET_KINDS = ['pod', 'deployment', 'statefulset', 'replicaset', 'rollout', 'job', 'cronjob', 'service'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** The kinds --scale-down can hold, and how: replicas to 0, or spec.suspend (Job, CronJob). */
export type ScalableKind = 'deployment' | 'statefulset' | 'replicaset' | 'rollout' | 'job' | 'cronjob';
export const SCALABLE_KINDS: readonly ScalableKind[] = ['deployment', 'statefulset', 'replicaset', 'rollout', 'job', 'cronjob'];
