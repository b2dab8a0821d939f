// Kubernetes object shapes, re-exported so only src/kube/ names the client package.
import type { V1LabelSelector, V1ObjectMeta, V1PodTemplateSpec } from '@kubernetes/client-node';

export type {
  CoreV1Event,
  V1Container,
  V1DaemonSet,
  V1Namespace,
  V1CronJob,
  V1Deployment,
  V1Job,
  V1LabelSelector,
  V1ObjectMeta,
  V1OwnerReference,
  V1PodAffinityTerm,
  V1Pod,
  V1PodSpec,
  V1PodTemplateSpec,
  V1Probe,
  V1TopologySpreadConstraint,
  V1ReplicaSet,
  V1Service,
  V1StatefulSet,
  V1Volume,
  V1VolumeMount,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';

/** An Argo Rollout, as far as the plugin reads it (the client has no type for custom resources). */
export interface Rollout {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: {
    replicas?: number;
    selector?: V1LabelSelector;
    template?: V1PodTemplateSpec;
    workloadRef?: { apiVersion?: string; kind?: string; name?: string };
  };
}

/** A KEDA ScaledObject, as far as the plugin reads it. */
export interface ScaledObject {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string } };
}

/** `deployment/web`: how every message, table and document names an object (kinds in their full spelling). */
export function kindName(ref: { kind: string; name: string }): string {
  return `${ref.kind}/${ref.name}`;
}
