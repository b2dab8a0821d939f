import { describe, expect, it } from 'vitest';
import { complete, validate } from '../../src/commands/run.js';
import type { RunFlags } from '../../src/commands/run-flags.js';

const flags = (over: Partial<RunFlags>): RunFlags =>
  ({
    target: 'deploy/web',
    command: [],
    '--': ['sh', '-c', 'echo {pod}'],
    keepProbes: false,
    keepLabels: true,
    keepSchedulingRules: false,
    excludeContainer: [],
    excludeInitContainer: [],
    setImage: [],
    ttl: '8h',
    podRunningTimeout: '5m',
    dryRun: 'none',
    scaleDown: false,
    leaseDuration: '30s',
    new: false,
    keep: false,
    ...over,
  }) as RunFlags;

describe('run complete and validate', () => {
  it('takes the words after -- as the local command, never as a container command, and never detaches the copy', () => {
    const req = complete(flags({ container: 'app', scaleDown: true }));
    expect(req.command).toEqual(['sh', '-c', 'echo {pod}']);
    expect(req.copy.options.command).toBeUndefined();
    expect(req.copy.options.container).toBe('app');
    expect(req.copy.detach).toBe(false);
    expect(req.copy.durationMs).toBeUndefined();
    // -c without a container command is fine here: it names the container for {container}.
    expect(() => validate(req)).not.toThrow();
  });

  it('refuses a missing command, and words typed without their -- (saying where they go)', () => {
    expect(() => validate(complete(flags({ '--': [] } as Partial<RunFlags>)))).toThrow(/^name the local command to run after --/);
    expect(() => validate(complete(flags({ command: ['sh', 'x'], '--': [] } as Partial<RunFlags>)))).toThrow('the local command goes after --: kubectl copy-target run deploy/web -- sh x');
  });

  it('checks the copy flags as copy does', () => {
    expect(() => validate(complete(flags({ ttl: '0s' })))).toThrow(/--ttl must be positive/);
    expect(() => validate(complete(flags({ leaseDuration: '1s', scaleDown: true })))).toThrow(/--lease-duration must be at least 3s/);
  });

  it('gives the command KUBECONFIG only when --kubeconfig names one, as an absolute path', () => {
    expect(complete(flags({})).kubeconfig).toBeUndefined();
    expect(complete(flags({ kubeconfig: 'rel/config' })).kubeconfig).toBe(`${process.cwd()}/rel/config`);
  });
});
