import type { V1LabelSelector, V1PodAffinityTerm, V1PodSpec, V1TopologySpreadConstraint } from '../kube/types.js';

/**
 * Scheduling rules a workload writes to spread its replicas: pod anti-affinity terms and topology
 * spread constraints whose selector matches the workload's own pods. A copy is not a replica, and
 * with two replicas on two nodes a required one leaves no node for it. Node affinity, node
 * selectors, tolerations and pod affinity are not about spreading and are never touched.
 */
export interface DroppedRule {
  /** E.g. "required pod anti-affinity on kubernetes.io/hostname". */
  description: string;
  /** For required anti-affinity: the term's selector, which the original's own pods still apply to the copy. */
  repels?: V1LabelSelector;
}

/**
 * Removes from `spec` (in place) the rules whose selector matches `labels` (the original's pod
 * labels) in `namespace`; returns what was removed, in spec order.
 */
export function dropReplicaSpreadingRules(spec: V1PodSpec, labels: Record<string, string>, namespace: string): DroppedRule[] {
  const dropped: DroppedRule[] = [];
  const anti = spec.affinity?.podAntiAffinity;
  if (anti) {
    const required = anti.requiredDuringSchedulingIgnoredDuringExecution;
    if (required) {
      anti.requiredDuringSchedulingIgnoredDuringExecution = required.filter((term) => {
        if (!termSelectsOwnPods(term, labels, namespace)) return true;
        dropped.push({ description: `required pod anti-affinity on ${term.topologyKey}`, repels: term.labelSelector });
        return false;
      });
    }
    const preferred = anti.preferredDuringSchedulingIgnoredDuringExecution;
    if (preferred) {
      anti.preferredDuringSchedulingIgnoredDuringExecution = preferred.filter((weighted) => {
        if (!termSelectsOwnPods(weighted.podAffinityTerm, labels, namespace)) return true;
        dropped.push({ description: `preferred pod anti-affinity on ${weighted.podAffinityTerm.topologyKey}` });
        return false;
      });
    }
    pruneEmpty(anti, ['requiredDuringSchedulingIgnoredDuringExecution', 'preferredDuringSchedulingIgnoredDuringExecution']);
    if (Object.keys(anti).length === 0) delete spec.affinity!.podAntiAffinity;
    if (Object.keys(spec.affinity!).length === 0) delete spec.affinity;
  }
  if (spec.topologySpreadConstraints) {
    spec.topologySpreadConstraints = spec.topologySpreadConstraints.filter((constraint) => {
      if (!spreadSelectsOwnPods(constraint, labels)) return true;
      dropped.push({ description: `topology spread (${constraint.whenUnsatisfiable}) on ${constraint.topologyKey}` });
      return false;
    });
    if (spec.topologySpreadConstraints.length === 0) delete spec.topologySpreadConstraints;
  }
  return dropped;
}

/**
 * A pod affinity term applies to the pods its selector matches in its namespaces: the pod's own
 * namespace when it names none. A namespaceSelector is matched against the one label every
 * namespace has (kubernetes.io/metadata.name); one that needs other namespace labels is taken as
 * not matching, so its rule is kept (the planner reads no namespaces).
 * matchLabelKeys/mismatchLabelKeys add `key in/notin (the pod's own value)`: the first always
 * holds for the pod's own labels, the second never does when the pod has the key.
 */
function termSelectsOwnPods(term: V1PodAffinityTerm, labels: Record<string, string>, namespace: string): boolean {
  const inNamespace =
    (term.namespaces ?? []).includes(namespace) ||
    (term.namespaceSelector
      ? selectorMatches(term.namespaceSelector, { 'kubernetes.io/metadata.name': namespace })
      : (term.namespaces ?? []).length === 0);
  if (!inNamespace) return false;
  if ((term.mismatchLabelKeys ?? []).some((key) => key in labels)) return false;
  return term.labelSelector !== undefined && selectorMatches(term.labelSelector, labels);
}

/** A topology spread constraint counts the pods its selector matches, in the pod's own namespace. */
function spreadSelectsOwnPods(constraint: V1TopologySpreadConstraint, labels: Record<string, string>): boolean {
  return constraint.labelSelector !== undefined && selectorMatches(constraint.labelSelector, labels);
}

/** A Kubernetes label selector: every matchLabels pair and every expression must hold; {} matches everything. */
export function selectorMatches(selector: V1LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    switch (operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false; // an operator we do not know: assume it does not match, and keep the rule
    }
  }
  return true;
}

function pruneEmpty<T extends object>(object: T, keys: (keyof T)[]): void {
  for (const key of keys) {
    const value = object[key];
    if (Array.isArray(value) && value.length === 0) delete object[key];
  }
}
