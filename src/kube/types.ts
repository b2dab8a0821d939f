// Kubernetes object shapes, re-exported so only src/kube/ names the client package.
export type {
  V1Container,
  V1CronJob,
  V1Deployment,
  V1Job,
  V1LabelSelector,
  V1ObjectMeta,
  V1OwnerReference,
  V1Pod,
  V1PodSpec,
  V1PodTemplateSpec,
  V1Probe,
  V1ReplicaSet,
  V1Service,
  V1StatefulSet,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
