import { describe, expect, it } from 'vitest';
import { complete, validate } from '../../src/commands/extend.js';
import type { ExtendFlags } from '../../src/commands/extend-flags.js';
import { UsageError } from '../../src/errors.js';

const flags = (names: string[], { all = false, ttl, output }: { all?: boolean; ttl?: string; output?: string } = {}) =>
  ({ names, all, ttl, output }) as unknown as ExtendFlags;

describe('extend: complete and validate', () => {
  it('wants names or --all, exactly one of them, as delete does', () => {
    expect(() => validate(complete(flags([], { ttl: '1h' })))).toThrow(/name what to extend .*or pass --all/);
    expect(() => validate(complete(flags(['copy-web-x1'], { all: true, ttl: '1h' })))).toThrow(UsageError);
    expect(() => validate(complete(flags([], { all: true, ttl: '1h' })))).not.toThrow();
    expect(() => validate(complete(flags(['copy-web-x1', 'deploy/api'], { ttl: '1h' })))).not.toThrow();
  });

  it('needs a positive --ttl, parsed as the copy command parses it', () => {
    expect(() => validate(complete(flags(['copy-web-x1'])))).toThrow(/extend needs --ttl DURATION/);
    expect(() => validate(complete(flags(['copy-web-x1'], { ttl: '0' })))).toThrow(/--ttl must be positive/);
    expect(() => validate(complete(flags(['copy-web-x1'], { ttl: '-5m' })))).toThrow(/--ttl must be positive/);
    expect(() => complete(flags(['copy-web-x1'], { ttl: 'soon' }))).toThrow(/invalid duration "soon" for --ttl/);
    expect(complete(flags(['copy-web-x1'], { ttl: '1h30m' })).ttlSeconds).toBe(5400);
  });

  it('takes -o json, yaml or name', () => {
    expect(complete(flags(['x'], { ttl: '1h', output: 'yaml' })).output).toBe('yaml');
    expect(() => complete(flags(['x'], { ttl: '1h', output: 'wide' }))).toThrow(/allowed values for -o: json, yaml, name/);
  });

  it('parses KIND/NAME before any API call', () => {
    expect(() => complete(flags(['nosuchkind/web'], { ttl: '1h' }))).toThrow(UsageError);
  });
});
