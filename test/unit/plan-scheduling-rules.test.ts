import { describe, expect, it } from 'vitest';
import type { V1PodSpec } from '../../src/kube/types.js';
import { buildCopyJob, type CopyOptions, type CopyPlanInput } from '../../src/plan/copy-job.js';
import { CopyKeys } from '../../src/plan/copy-record.js';
import { dropReplicaSpreadingRules, selectorMatches } from '../../src/plan/scheduling-rules.js';

const own = { app: 'web', tier: 'front' };
const hostname = 'kubernetes.io/hostname';
const zone = 'topology.kubernetes.io/zone';

/** The usual replica-spreading rules, plus rules that are about something else. */
function replicaSpec(): V1PodSpec {
  return {
    containers: [{ name: 'app', image: 'web:1' }],
    nodeSelector: { disk: 'ssd' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64'] }] }] },
      },
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: zone }] },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: hostname },
          { labelSelector: { matchLabels: { app: 'batch' } }, topologyKey: hostname },
        ],
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 50, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, topologyKey: zone } },
        ],
      },
    },
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: zone, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: own } },
      { maxSkew: 1, topologyKey: hostname, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } },
      { maxSkew: 1, topologyKey: hostname, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'other' } } },
    ],
  };
}

describe('dropReplicaSpreadingRules', () => {
  it('drops anti-affinity and spread rules selecting the own pods, keeps every other rule, and names what it dropped', () => {
    const spec = replicaSpec();
    const dropped = dropReplicaSpreadingRules(spec, own, 'shop');
    expect(dropped.map((d) => d.description)).toEqual([
      `required pod anti-affinity on ${hostname}`,
      `preferred pod anti-affinity on ${zone}`,
      `topology spread (DoNotSchedule) on ${zone}`,
      `topology spread (ScheduleAnyway) on ${hostname}`,
    ]);
    const before = replicaSpec();
    expect(spec.nodeSelector).toEqual(before.nodeSelector);
    expect(spec.tolerations).toEqual(before.tolerations);
    expect(spec.affinity!.nodeAffinity).toEqual(before.affinity!.nodeAffinity);
    expect(spec.affinity!.podAffinity).toEqual(before.affinity!.podAffinity);
    expect(spec.affinity!.podAntiAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'batch' } }, topologyKey: hostname }],
    });
    expect(spec.topologySpreadConstraints).toEqual([before.topologySpreadConstraints![2]]);
  });

  it('removes the fields it empties, so the copy carries no empty affinity', () => {
    const spec: V1PodSpec = {
      containers: [],
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: hostname }] } },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: hostname, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
    };
    dropReplicaSpreadingRules(spec, own, 'shop');
    expect(spec).toEqual({ containers: [] });
  });

  it('returns the selector of a dropped required term, which the running replicas still apply to the copy', () => {
    const dropped = dropReplicaSpreadingRules(replicaSpec(), own, 'shop');
    expect(dropped[0]!.repels).toEqual({ matchLabels: { app: 'web' } });
    expect(dropped.slice(1).every((d) => d.repels === undefined)).toBe(true);
  });

  it('keeps a term that looks only at other namespaces, drops one that names or selects its own', () => {
    const term = (extra: object) => ({ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: hostname, ...extra });
    const spec: V1PodSpec = {
      containers: [],
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            term({ namespaces: ['other'] }),
            term({ namespaces: ['other', 'shop'] }),
            term({ namespaceSelector: {} }),
            term({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } }),
            term({ namespaceSelector: { matchLabels: { team: 'x' } } }),
          ],
        },
      },
    };
    expect(dropReplicaSpreadingRules(spec, own, 'shop')).toHaveLength(3);
    expect(spec.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      term({ namespaces: ['other'] }),
      term({ namespaceSelector: { matchLabels: { team: 'x' } } }),
    ]);
  });

  it('keeps a term without a selector (it matches no pods) and one whose mismatchLabelKeys exclude the own pods', () => {
    const spec: V1PodSpec = {
      containers: [],
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: hostname },
            { labelSelector: {}, mismatchLabelKeys: ['tier'], topologyKey: hostname },
            { labelSelector: {}, matchLabelKeys: ['tier'], topologyKey: zone },
          ],
        },
      },
    };
    expect(dropReplicaSpreadingRules(spec, own, 'shop').map((d) => d.description)).toEqual([`required pod anti-affinity on ${zone}`]);
  });

  it('finds nothing to drop in a spec without such rules', () => {
    const spec: V1PodSpec = { containers: [{ name: 'app', image: 'a' }] };
    expect(dropReplicaSpreadingRules(spec, own, 'shop')).toEqual([]);
    expect(spec).toEqual({ containers: [{ name: 'app', image: 'a' }] });
  });
});

describe('selectorMatches', () => {
  it.each([
    [{}, true],
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'web', tier: 'back' } }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, false],
  ])('%j matches {app: web, tier: front}: %s', (selector, expected) => {
    expect(selectorMatches(selector, own)).toBe(expected);
  });
});

describe('buildCopyJob: scheduling rules and labels', () => {
  const options: CopyOptions = { keepProbes: false, excludeContainers: [], excludeInitContainers: [], setImages: {}, ttlSeconds: 3600, scaleDown: false };
  const input = (opts: Partial<CopyOptions> = {}): CopyPlanInput => ({
    target: { kind: 'deployment', name: 'web', namespace: 'shop' },
    // A Deployment's pods also carry pod-template-hash; a selector on it is still the replicas' own.
    template: { metadata: { labels: { ...own, 'pod-template-hash': 'abc' } }, spec: replicaSpec() },
    options: { ...options, ...opts },
    owner: { user: 'alice', host: 'laptop' },
    now: new Date('2025-03-01T10:00:00.000Z'),
    readyBy: new Date('2025-03-01T10:05:10.000Z'),
    suffix: 'k2x9q',
    signature: 'abcdef0123456789',
  });

  it('drops the replica-spreading rules by default with one line naming them, and one more on the replicas still repelling the copy', () => {
    const { job, warnings } = buildCopyJob(input());
    const spec = job.spec!.template.spec!;
    expect(spec.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(spec.topologySpreadConstraints).toHaveLength(1);
    expect(warnings).toEqual([
      'left out scheduling rules that spread the pods of deployment/web, since the copy is not one of them (--keep-scheduling-rules keeps them): ' +
        `required pod anti-affinity on ${hostname}, preferred pod anti-affinity on ${zone}, topology spread (DoNotSchedule) on ${zone}, topology spread (ScheduleAnyway) on ${hostname}`,
      'the running pods of deployment/web carry the same required pod anti-affinity and the copy keeps the labels it selects, so the copy cannot share a node with one of them; --keep-labels=false lifts that, and so does --scale-down once they have terminated',
    ]);
  });

  it('says nothing of the replicas repelling the copy with --scale-down (they are gone) or --keep-labels=false (they do not select it)', () => {
    for (const opts of [{ scaleDown: true }, { keepLabels: false }]) {
      const { warnings } = buildCopyJob(input(opts));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^left out scheduling rules/);
    }
  });

  it('keeps every rule with keepSchedulingRules, silently', () => {
    const { job, warnings } = buildCopyJob(input({ keepSchedulingRules: true }));
    expect(job.spec!.template.spec!.affinity).toEqual(replicaSpec().affinity);
    expect(job.spec!.template.spec!.topologySpreadConstraints).toEqual(replicaSpec().topologySpreadConstraints);
    expect(warnings).toEqual([]);
  });

  it('keepLabels false: the copy pod carries only the copy label; true (and absent): the original labels minus the generated ones', () => {
    expect(buildCopyJob(input({ keepLabels: false })).job.spec!.template.metadata!.labels).toEqual({ [CopyKeys.copy]: 'true' });
    for (const keepLabels of [true, undefined]) {
      expect(buildCopyJob(input({ keepLabels })).job.spec!.template.metadata!.labels).toEqual({ ...own, [CopyKeys.copy]: 'true' });
    }
  });

  it('drops the rules by the original labels even with keepLabels false (the replicas still carry them)', () => {
    const { job } = buildCopyJob(input({ keepLabels: false }));
    expect(job.spec!.template.spec!.topologySpreadConstraints).toHaveLength(1);
    expect(job.spec!.template.spec!.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
  });
});
