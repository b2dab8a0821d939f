import { describe, it, expect } from 'vitest';
import { fightWarnings } from '../../src/plan/fight-warnings.js';
import type { V2HorizontalPodAutoscaler } from '../../src/kube/types.js';

const workload = { metadata: { name: 'web', labels: { app: 'web' }, annotations: { team: 'shop' } } };

// Only the fields fightWarnings reads: an HPA's required maxReplicas does not matter to it.
const hpa = (name: string, kind: string, target: string) =>
  ({ metadata: { name }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind, name: target } } }) as V2HorizontalPodAutoscaler;

describe('fightWarnings', () => {
  it('returns nothing when nothing fights the scale-down', () => {
    expect(fightWarnings({ kind: 'deployment', name: 'web' }, workload, [], [])).toEqual([]);
    expect(fightWarnings({ kind: 'deployment', name: 'web' }, {}, [], [])).toEqual([]);
  });

  it('warns about an HPA targeting the workload, not one targeting another', () => {
    const hpas = [
      hpa('web-hpa', 'Deployment', 'web'),
      hpa('api-hpa', 'Deployment', 'api'),
      hpa('web-sts-hpa', 'StatefulSet', 'web'),
      { metadata: { name: 'no-spec' } } as V2HorizontalPodAutoscaler,
    ];
    expect(fightWarnings({ kind: 'deployment', name: 'web' }, workload, hpas, [])).toEqual([
      'HorizontalPodAutoscaler web-hpa targets deployment/web and may scale it back up while the copy runs',
    ]);
    expect(fightWarnings({ kind: 'statefulset', name: 'web' }, workload, hpas, [])).toEqual([
      'HorizontalPodAutoscaler web-sts-hpa targets statefulset/web and may scale it back up while the copy runs',
    ]);
    expect(fightWarnings({ kind: 'deployment', name: 'other' }, workload, hpas, [])).toEqual([]);
  });

  it('warns about a KEDA ScaledObject with an explicit kind', () => {
    const scaledObjects = [
      { metadata: { name: 'db-so' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' } } },
    ];
    expect(fightWarnings({ kind: 'statefulset', name: 'db' }, workload, [], scaledObjects)).toEqual([
      'KEDA ScaledObject db-so targets statefulset/db and may scale it back up while the copy runs',
    ]);
    expect(fightWarnings({ kind: 'deployment', name: 'db' }, workload, [], scaledObjects)).toEqual([]);
  });

  it('treats a KEDA ScaledObject without kind as targeting a Deployment', () => {
    const scaledObjects = [{ metadata: { name: 'web-so' }, spec: { scaleTargetRef: { name: 'web' } } }];
    expect(fightWarnings({ kind: 'deployment', name: 'web' }, workload, [], scaledObjects)).toEqual([
      'KEDA ScaledObject web-so targets deployment/web and may scale it back up while the copy runs',
    ]);
    expect(fightWarnings({ kind: 'statefulset', name: 'web' }, workload, [], scaledObjects)).toEqual([]);
    expect(fightWarnings({ kind: 'deployment', name: 'api' }, workload, [], scaledObjects)).toEqual([]);
  });

  it('warns about an Argo CD tracking annotation', () => {
    const argo = { metadata: { annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/web' } } };
    expect(fightWarnings({ kind: 'deployment', name: 'web' }, argo, [], [])).toEqual([
      'deployment/web is managed by Argo CD (argocd.argoproj.io/tracking-id); a sync with self-heal may restore its replicas',
    ]);
  });

  it('warns about a Flux label', () => {
    const flux = { metadata: { labels: { app: 'web', 'kustomize.toolkit.fluxcd.io/name': 'apps' } } };
    expect(fightWarnings({ kind: 'deployment', name: 'web' }, flux, [], [])).toEqual([
      'deployment/web is managed by Flux (kustomize.toolkit.fluxcd.io/name); a sync with self-heal may restore its replicas',
    ]);
  });

  it('does not mistake a marker in the wrong place for one', () => {
    const misplaced = { metadata: { labels: { 'argocd.argoproj.io/tracking-id': 'x' }, annotations: { 'kustomize.toolkit.fluxcd.io/name': 'apps' } } };
    expect(fightWarnings({ kind: 'deployment', name: 'web' }, misplaced, [], [])).toEqual([]);
  });

  it('collects every warning, autoscalers first', () => {
    const both = { metadata: { labels: { 'helm.toolkit.fluxcd.io/name': 'web' } } };
    expect(
      fightWarnings({ kind: 'deployment', name: 'web' }, both, [hpa('web-hpa', 'Deployment', 'web')], [{ metadata: { name: 'web-so' }, spec: { scaleTargetRef: { name: 'web' } } }]),
    ).toEqual([
      'HorizontalPodAutoscaler web-hpa targets deployment/web and may scale it back up while the copy runs',
      'KEDA ScaledObject web-so targets deployment/web and may scale it back up while the copy runs',
      'deployment/web is managed by Flux (helm.toolkit.fluxcd.io/name); a sync with self-heal may restore its replicas',
    ]);
  });

  it('warns about an operator that controls the workload (its controller ownerReference), not about a mere owner', () => {
    const owned = (controller: boolean) => ({
      metadata: { name: 'db', ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'PostgresCluster', name: 'main', uid: 'u1', controller }] },
    });
    expect(fightWarnings({ kind: 'statefulset', name: 'db' }, owned(true), [], [])).toEqual([
      'statefulset/db is controlled by PostgresCluster main, which may scale it back up or change it while held',
    ]);
    expect(fightWarnings({ kind: 'statefulset', name: 'db' }, owned(false), [], [])).toEqual([]);
  });

  it('names the Jobs a CronJob already started, which suspending it does not stop', () => {
    const cronJob = { metadata: { name: 'nightly' }, status: { active: [{ kind: 'Job', name: 'nightly-29001' }, { kind: 'Job', name: 'nightly-29002' }] } };
    expect(fightWarnings({ kind: 'cronjob', name: 'nightly' }, cronJob, [], [])).toEqual([
      'suspending cronjob/nightly does not stop the Jobs it already started (job/nightly-29001, job/nightly-29002); they keep running beside the copy',
    ]);
    expect(fightWarnings({ kind: 'cronjob', name: 'nightly' }, { ...cronJob, status: {} }, [], [])).toEqual([]);
  });
});

describe('fightWarnings on objects with parts missing', () => {
  it('takes neither an HPA target without a kind nor a ScaledObject without a spec as targeting the workload', () => {
    const kindless = { metadata: { name: 'web-hpa' }, spec: { scaleTargetRef: { name: 'web' } } } as V2HorizontalPodAutoscaler;
    expect(fightWarnings({ kind: 'deployment', name: 'web' }, workload, [kindless], [{ metadata: { name: 'web-so' } }])).toEqual([]);
  });

  it('has nothing to say about a CronJob without a status', () => {
    expect(fightWarnings({ kind: 'cronjob', name: 'nightly' }, { metadata: { name: 'nightly' } }, [], [])).toEqual([]);
  });
});

describe('fightWarnings: the Argo CD instance label', () => {
  it('warns about a workload labelled by an Argo CD application', () => {
    expect(fightWarnings({ kind: 'deployment', name: 'web' }, { metadata: { labels: { 'argocd.argoproj.io/instance': 'shop' } } }, [], [])).toEqual([
      'deployment/web is managed by Argo CD (argocd.argoproj.io/instance); a sync with self-heal may restore its replicas',
    ]);
  });
});
