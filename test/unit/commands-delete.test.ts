import { describe, expect, it } from 'vitest';
import type { Copy } from '../../src/apply/copies.js';
import { complete, validate } from '../../src/commands/delete.js';
import type { DeleteFlags } from '../../src/commands/delete-flags.js';
import { UsageError } from '../../src/errors.js';
import type { CopyRecord } from '../../src/plan/copy-record.js';

const flags = (names: string[], all = false) => ({ names, all }) as unknown as DeleteFlags;

const copy = (jobName: string, podName: string, targetKind: CopyRecord['targetKind'], targetName: string): Copy => ({
  job: { metadata: { name: jobName, namespace: 'default' } },
  record: { targetKind, targetName, podName } as CopyRecord,
});

describe('delete: complete and validate', () => {
  it('wants names or --all, exactly one of them', () => {
    expect(() => validate(complete(flags([])))).toThrow(UsageError);
    expect(() => validate(complete(flags(['copy-web-x1'], true)))).toThrow(/or pass --all/);
    expect(() => validate(complete(flags([], true)))).not.toThrow();
    expect(() => validate(complete(flags(['copy-web-x1'])))).not.toThrow();
  });

  it('rejects a KIND/NAME it cannot parse before any API call', () => {
    expect(() => complete(flags(['nosuchkind/web']))).toThrow(UsageError);
  });

  it('matches a bare name by copy job or copy pod, and KIND/NAME by the original (pod/NAME also by copy pod)', () => {
    const web = copy('copy-web-x1', 'copy-web-x1-abcde', 'deployment', 'web');
    const api = copy('copy-api-y2', 'copy-api-y2-fghij', 'statefulset', 'api');
    const matching = (name: string) => [web, api].filter(complete(flags([name])).matchers[0]!.matches);
    expect(matching('copy-web-x1')).toEqual([web]);
    expect(matching('copy-api-y2-fghij')).toEqual([api]);
    expect(matching('deployment/web')).toEqual([web]);
    expect(matching('deploy/web')).toEqual([web]);
    expect(matching('pod/copy-api-y2-fghij')).toEqual([api]);
    expect(matching('statefulset/web')).toEqual([]);
  });
});
