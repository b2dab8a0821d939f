import { describe, expect, it } from 'vitest';
import { scaleDownDeletesData } from '../../src/plan/scale-down-safety.js';
import type { V1StatefulSet } from '../../src/kube/types.js';

const sts = (whenScaled: string | undefined, claimTemplates: string[] = ['data']): V1StatefulSet => ({
  metadata: { name: 'db' },
  spec: {
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: { spec: { containers: [{ name: 'db' }] } },
    volumeClaimTemplates: claimTemplates.map((name) => ({ metadata: { name }, spec: {} })),
    ...(whenScaled && { persistentVolumeClaimRetentionPolicy: { whenScaled, whenDeleted: 'Retain' } }),
  },
});
const target = { kind: 'statefulset' as const, name: 'db', namespace: 'shop' };

describe('scaleDownDeletesData', () => {
  it('refuses a StatefulSet whose claims are deleted when scaled, naming the policy, the claims and both ways out', () => {
    expect(scaleDownDeletesData(target, sts('Delete', ['data', 'logs']))).toBe(
      'statefulset/db has persistentVolumeClaimRetentionPolicy.whenScaled: Delete, so scaling it to 0 would delete the PersistentVolumeClaims of its pods (data, logs) and their data; ' +
        'copy it without --scale-down, or set whenScaled to Retain for the session ("kubectl patch statefulset/db -n shop -p \'{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Retain"}}}\'")',
    );
  });

  it('lets Retain (and the default, no policy) through', () => {
    expect(scaleDownDeletesData(target, sts('Retain'))).toBeUndefined();
    expect(scaleDownDeletesData(target, sts(undefined))).toBeUndefined();
  });

  it('lets through a Delete policy with no claim templates: there is nothing to delete', () => {
    expect(scaleDownDeletesData(target, sts('Delete', []))).toBeUndefined();
  });

  it('concerns StatefulSets only', () => {
    expect(scaleDownDeletesData({ ...target, kind: 'deployment' }, sts('Delete') as never)).toBeUndefined();
  });
});

describe('scaleDownDeletesData on StatefulSets read without the parts it looks at', () => {
  it('lets through a StatefulSet without a spec, or with a Delete policy and no claim templates field', () => {
    expect(scaleDownDeletesData(target, { metadata: { name: 'db' } })).toBeUndefined();
    const noTemplates = sts('Delete');
    delete noTemplates.spec!.volumeClaimTemplates;
    expect(scaleDownDeletesData(target, noTemplates)).toBeUndefined();
  });
});
