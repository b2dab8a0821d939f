import type { V1LabelSelector } from '../kube/types.js';

/**
 * A workload's label selector as the `labelSelector` query parameter, matchExpressions included,
 * so the server filters the pods. Undefined when there is nothing to filter on.
 */
export function selectorQuery(selector: V1LabelSelector | undefined): string | undefined {
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') terms.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') terms.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') terms.push(e.key);
    else if (e.operator === 'DoesNotExist') terms.push(`!${e.key}`);
  }
  return terms.length > 0 ? terms.join(',') : undefined;
}
