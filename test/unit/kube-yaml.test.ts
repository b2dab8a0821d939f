import { describe, expect, it } from 'vitest';
import { toYaml } from '../../src/kube/yaml.js';

describe('toYaml', () => {
  it('keeps fields no typed model knows (a newer API server\'s pod spec fields), in kubectl\'s layout', () => {
    const job = { kind: 'Job', apiVersion: 'batch/v1', metadata: { name: 'x' }, spec: { template: { spec: { futureField: 1, containers: [{ name: 'a', image: 'b', newThing: true }] } } } };
    expect(toYaml(job)).toBe(
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers:\n      - image: b\n        name: a\n        newThing: true\n      futureField: 1\n',
    );
  });

  it('never folds a long string', () => {
    expect(toYaml({ command: 'x'.repeat(200) })).toBe(`command: ${'x'.repeat(200)}\n`);
  });

  it('prints Dates as the API sends them', () => {
    expect(toYaml({ t: new Date('2026-01-02T03:04:05Z') })).toBe("t: '2026-01-02T03:04:05.000Z'\n");
  });
});
