import { describe, expect, it } from 'vitest';
import { selectorQuery } from '../../src/plan/selector.js';

describe('selectorQuery', () => {
  it('writes matchLabels as equalities', () => {
    expect(selectorQuery({ matchLabels: { app: 'web', tier: 'front' } })).toBe('app=web,tier=front');
  });

  it('writes every matchExpressions operator as the API server parses it', () => {
    expect(
      selectorQuery({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'track', operator: 'In', values: ['stable', 'canary'] },
          { key: 'env', operator: 'NotIn', values: ['dev'] },
          { key: 'team', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=web,track in (stable,canary),env notin (dev),team,!legacy');
  });

  it('is undefined when there is nothing to filter on', () => {
    expect(selectorQuery(undefined)).toBeUndefined();
    expect(selectorQuery({})).toBeUndefined();
  });
});
