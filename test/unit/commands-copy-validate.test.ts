import { describe, expect, it } from 'vitest';
import { complete, validate } from '../../src/commands/copy.js';
import type { CopyFlags } from '../../src/commands/copy-flags.js';

const flags = (over: Partial<CopyFlags>): CopyFlags =>
  ({
    target: 'deploy/web',
    command: [],
    keepProbes: false,
    keepLabels: true,
    keepSchedulingRules: false,
    excludeContainer: [],
    excludeInitContainer: [],
    setImage: [],
    ttl: '8h',
    podRunningTimeout: '5m',
    dryRun: 'none',
    scaleDown: true,
    detach: false,
    leaseDuration: '30s',
    new: false,
    ...over,
  }) as CopyFlags;

describe('copy validate: waits longer than a Node timer holds (about 24.8 days) are refused', () => {
  it.each([
    ['duration', { duration: '600h' }],
    ['pod-running-timeout', { podRunningTimeout: '600h' }],
    ['lease-duration', { leaseDuration: '600h' }],
  ])('--%s 600h: a usage error naming the flag', (flag, over) => {
    expect(() => validate(complete(flags(over)))).toThrow(new RegExp(`^--${flag} must be at most 596h31m23s \\(about 24.8 days`));
  });

  it('the limit the message names is exact: 596h31m23s is accepted, one second more is refused', () => {
    expect(() => validate(complete(flags({ duration: '596h31m23s' })))).not.toThrow();
    expect(() => validate(complete(flags({ duration: '596h31m24s' })))).toThrow(/^--duration must be at most 596h31m23s/);
  });

  it('576h (24 days) is accepted', () => {
    expect(() => validate(complete(flags({ duration: '576h', podRunningTimeout: '576h', leaseDuration: '576h' })))).not.toThrow();
  });
});

describe('copy complete: --dry-run', () => {
  it('absent is none; alone (yargs gives it as "") is client, as in kubectl; a value is kept', () => {
    expect(complete(flags({ dryRun: undefined })).dryRun).toBe('none');
    expect(complete(flags({ dryRun: '' })).dryRun).toBe('client');
    expect(complete(flags({ dryRun: 'server' })).dryRun).toBe('server');
    expect(() => complete(flags({ dryRun: 'bogus' }))).toThrow(/invalid --dry-run "bogus"/);
  });
});
