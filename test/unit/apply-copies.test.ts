import { describe, expect, it } from 'vitest';
import { selectCopies, type Copy, type DamagedCopy } from '../../src/apply/copies.js';
import { copySelector } from '../../src/commands/copy-names.js';
import type { CopyRecord } from '../../src/plan/copy-record.js';

const copy = (jobName: string, podName: string, targetName: string): Copy => ({
  job: { metadata: { name: jobName, namespace: 'shop' } },
  record: { targetKind: 'deployment', targetName, podName } as CopyRecord,
});
const web1 = copy('copy-web-a1', 'copy-web-a1-abcde', 'web');
const web2 = copy('copy-web-b2', 'copy-web-b2-fghij', 'web');
const api = copy('copy-api-c3', 'copy-api-c3-klmno', 'api');
const broken: DamagedCopy = { job: { metadata: { name: 'copy-old-d4', namespace: 'shop' } }, damaged: 'copy-target.dev/expires-at is missing' };
const listed = { copies: [web1, web2, api], damaged: [broken] };

describe('selectCopies (what delete and extend act on)', () => {
  it('--all is every copy, damaged ones included', () => {
    expect(selectCopies(listed, copySelector([], true), 'shop')).toEqual({ copies: [web1, web2, api], damaged: [broken], failures: [] });
  });

  it('takes each copy once, in the order named, and a damaged copy only by its Job name', () => {
    const picked = selectCopies(listed, copySelector(['copy-api-c3-klmno', 'deploy/web', 'copy-web-a1', 'copy-old-d4'], false), 'shop');
    expect(picked).toEqual({ copies: [api, web1, web2], damaged: [broken], failures: [] });
  });

  it('a name that matches nothing is a failure line, and the others still count', () => {
    expect(selectCopies(listed, copySelector(['nope', 'copy-api-c3'], false), 'shop')).toEqual({
      copies: [api],
      damaged: [],
      failures: ['no copy matches "nope" in namespace shop; list them with "kubectl copy-target status"'],
    });
  });
});
