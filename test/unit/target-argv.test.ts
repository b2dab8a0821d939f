import { describe, expect, it } from 'vitest';
import { attachDashedValues, explainUnknownArguments, joinKindAndName, takeVerbosity } from '../../src/target/argv.js';

describe('verbose or not (takeVerbosity level above 0)', () => {
  const wantsVerbose = (argv: string[]) => takeVerbosity(argv).level > 0;
  it('reads -v, -vv, --v=N and --verbose before --, never the user\'s command after it', () => {
    expect(wantsVerbose(['deploy/x', '-v'])).toBe(true);
    expect(wantsVerbose(['-vv', 'status'])).toBe(true);
    expect(wantsVerbose(['--v=6', 'status'])).toBe(true);
    expect(wantsVerbose(['deploy/x', '--', 'grep', '-v', 'x'])).toBe(false);
    expect(wantsVerbose(['deploy/x', '--', 'sh', '--verbose'])).toBe(false);
  });
});

describe('attachDashedValues', () => {
  it('gives a flag the next word as its value when that word starts with a single dash, as kubectl does', () => {
    expect(attachDashedValues(['deploy/x', '--ttl', '-5m'])).toEqual(['deploy/x', '--ttl=-5m']);
    expect(attachDashedValues(['-n', '-x', 'status'])).toEqual(['--namespace=-x', 'status']);
    expect(attachDashedValues(['deploy/x', '-c', '-app'])).toEqual(['deploy/x', '--container=-app']);
  });

  it('leaves other flags, --dry-run without a value, and everything after -- alone', () => {
    expect(attachDashedValues(['deploy/x', '--ttl', '5m', '--new'])).toEqual(['deploy/x', '--ttl', '5m', '--new']);
    expect(attachDashedValues(['deploy/x', '-o', '--new'])).toEqual(['deploy/x', '-o', '--new']);
    expect(attachDashedValues(['deploy/x', '--dry-run', '-o', 'yaml'])).toEqual(['deploy/x', '--dry-run', '-o', 'yaml']);
    expect(attachDashedValues(['deploy/x', '--', 'cmd', '--ttl', '-5m'])).toEqual(['deploy/x', '--', 'cmd', '--ttl', '-5m']);
  });
});

describe('joinKindAndName', () => {
  it('takes kubectl\'s space-separated KIND NAME as KIND/NAME', () => {
    expect(joinKindAndName(['deploy', 'web'])).toEqual(['deploy/web']);
    expect(joinKindAndName(['-n', 'shop', 'statefulset', 'db', '--scale-down'])).toEqual(['-n', 'shop', 'statefulset/db', '--scale-down']);
    expect(joinKindAndName(['deploy', 'web', '--', 'sleep', '1'])).toEqual(['deploy/web', '--', 'sleep', '1']);
  });

  it('joins the target after run, and only there (a deployment may be named run)', () => {
    expect(joinKindAndName(['run', 'deploy', 'web', '--', 'sh'])).toEqual(['run', 'deploy/web', '--', 'sh']);
    expect(joinKindAndName(['run', '-n', 'shop', 'deploy', 'run', '--', 'sh'])).toEqual(['run', '-n', 'shop', 'deploy/run', '--', 'sh']);
    expect(joinKindAndName(['deploy', 'run'])).toEqual(['deploy/run']);
    expect(joinKindAndName(['run', 'deploy/web', '--', 'deploy', 'x'])).toEqual(['run', 'deploy/web', '--', 'deploy', 'x']);
  });

  it('leaves KIND/NAME, subcommands, unknown kinds and a lone word alone', () => {
    expect(joinKindAndName(['deploy/web', 'sleep'])).toEqual(['deploy/web', 'sleep']);
    expect(joinKindAndName(['delete', 'copy-x'])).toEqual(['delete', 'copy-x']);
    expect(joinKindAndName(['widget', 'x'])).toEqual(['widget', 'x']);
    expect(joinKindAndName(['deploy'])).toEqual(['deploy']);
    expect(joinKindAndName(['--context', 'deploy', 'status'])).toEqual(['--context', 'deploy', 'status']);
  });
});

describe('explainUnknownArguments: yargs refusals said as kubectl says them', () => {
  it('names an unknown flag once, as typed (not its camelCase twin), with or without a value', () => {
    expect(explainUnknownArguments('Unknown argument: bogus', ['deploy/web', '--bogus'])).toBe('unknown flag: --bogus; see --help');
    expect(explainUnknownArguments('Unknown arguments: bogus-flag, bogusFlag', ['deploy/web', '--bogus-flag=3'])).toBe('unknown flag: --bogus-flag; see --help');
    expect(explainUnknownArguments('Unknown arguments: such-flag, suchFlag', ['deploy/web', '--no-such-flag'])).toBe('unknown flag: --no-such-flag; see --help');
    expect(explainUnknownArguments('Unknown argument: x', ['deploy/web', '-x'])).toBe('unknown flag: -x; see --help');
  });

  it('calls a stray word an unexpected argument, and leaves what comes after -- alone', () => {
    expect(explainUnknownArguments('Unknown argument: extra', ['status', 'extra'])).toBe('unexpected argument: extra; see --help');
    expect(explainUnknownArguments('Unknown argument: bogus', ['deploy/web', '--', 'app', '--bogus'])).toBe('Unknown argument: bogus');
  });

  it('passes any other message through', () => {
    expect(explainUnknownArguments('Not enough arguments', [])).toBe('Not enough arguments');
  });
});

describe('takeVerbosity: kubectl -v levels, taken out before parsing', () => {
  it('reads every spelling kubectl accepts, and counts bare -v', () => {
    expect(takeVerbosity(['status', '-v=6'])).toEqual({ level: 6, argv: ['status'] });
    expect(takeVerbosity(['status', '--v=8'])).toEqual({ level: 8, argv: ['status'] });
    expect(takeVerbosity(['-v', '6', 'deploy/web'])).toEqual({ level: 6, argv: ['deploy/web'] });
    expect(takeVerbosity(['--v', '7', 'deploy/web'])).toEqual({ level: 7, argv: ['deploy/web'] });
    expect(takeVerbosity(['deploy/web', '-v'])).toEqual({ level: 1, argv: ['deploy/web'] });
    expect(takeVerbosity(['deploy/web', '-vv'])).toEqual({ level: 2, argv: ['deploy/web'] });
    expect(takeVerbosity(['deploy/web', '--verbose'])).toEqual({ level: 1, argv: ['deploy/web'] });
  });

  it('leaves -v after -- to the user command', () => {
    expect(takeVerbosity(['deploy/web', '-c', 'app', '--', 'grep', '-v', '6'])).toEqual({ level: 0, argv: ['deploy/web', '-c', 'app', '--', 'grep', '-v', '6'] });
  });
});

describe('takeVerbosity: only kubectl\'s spellings, whole words, before --', () => {
  it('reads a level of two digits', () => {
    expect(takeVerbosity(['--v=10', 'status']).level).toBe(10);
    expect(takeVerbosity(['-v', '10', 'status'])).toEqual({ level: 10, argv: ['status'] });
  });

  it('counts a bare --v as one', () => {
    expect(takeVerbosity(['deploy/web', '--v'])).toEqual({ level: 1, argv: ['deploy/web'] });
  });

  it('leaves words that only look like a level alone', () => {
    for (const word of ['x-v=3', '-v=3x', 'deploy/web-v', '-version']) {
      expect(takeVerbosity(['status', word]), word).toEqual({ level: 0, argv: ['status', word] });
    }
    expect(takeVerbosity(['-v', 'x3'])).toEqual({ level: 1, argv: ['x3'] });
    expect(takeVerbosity(['-v', '3x'])).toEqual({ level: 1, argv: ['3x'] });
  });

  it('does not take the number after another flag as a level', () => {
    expect(takeVerbosity(['gc', '--request-timeout', '30'])).toEqual({ level: 0, argv: ['gc', '--request-timeout', '30'] });
  });
});

describe('attachDashedValues: every flag that takes a value, as kubectl gives it the next word', () => {
  it.each([
    ['-n', '--namespace'], ['--namespace', '--namespace'], ['--context', '--context'], ['--kubeconfig', '--kubeconfig'],
    ['-o', '--output'], ['--output', '--output'], ['-c', '--container'], ['--container', '--container'], ['--ttl', '--ttl'],
    ['--pod-running-timeout', '--pod-running-timeout'], ['--duration', '--duration'], ['--lease-duration', '--lease-duration'],
    ['--set-image', '--set-image'], ['--exclude-container', '--exclude-container'], ['--exclude-init-container', '--exclude-init-container'],
    ['--shell', '--shell'], ['--cluster', '--cluster'], ['--user', '--user'], ['-s', '--server'], ['--server', '--server'],
    ['--token', '--token'], ['--as', '--as'], ['--as-group', '--as-group'], ['--as-uid', '--as-uid'],
    ['--certificate-authority', '--certificate-authority'], ['--client-certificate', '--client-certificate'], ['--client-key', '--client-key'],
    ['--tls-server-name', '--tls-server-name'], ['--request-timeout', '--request-timeout'],
  ])('%s -x is %s=-x', (flag, long) => {
    expect(attachDashedValues(['deploy/web', flag, '-x'])).toEqual(['deploy/web', `${long}=-x`]);
  });

  it('leaves a flag that takes no value, and a value flag at the end, alone', () => {
    expect(attachDashedValues(['deploy/web', '--scale-down', '-v'])).toEqual(['deploy/web', '--scale-down', '-v']);
    expect(attachDashedValues(['deploy/web', '--ttl'])).toEqual(['deploy/web', '--ttl']);
  });
});

describe('joinKindAndName: skipping flags and their values', () => {
  it('skips a flag that takes no value without skipping the kind after it', () => {
    expect(joinKindAndName(['--scale-down', 'deploy', 'web'])).toEqual(['--scale-down', 'deploy/web']);
    expect(joinKindAndName(['--dry-run', 'deploy', 'web'])).toEqual(['--dry-run', 'deploy/web']);
  });

  it('takes run as the subcommand only once', () => {
    expect(joinKindAndName(['run', 'run', 'deploy', 'web'])).toEqual(['run', 'run', 'deploy', 'web']);
  });
});

describe('explainUnknownArguments: more than one thing wrong', () => {
  it('names every stray word, and flags and words together', () => {
    expect(explainUnknownArguments('Unknown arguments: one, two', ['status', 'one', 'two'])).toBe('unexpected arguments: one two; see --help');
    expect(explainUnknownArguments('Unknown arguments: bogus, extra', ['status', '--bogus', 'extra'])).toBe('unknown flag: --bogus; unexpected argument: extra; see --help');
  });

  it('rewrites only a message that is a refusal of unknown arguments, whole', () => {
    expect(explainUnknownArguments('Not Unknown argument: x', ['status', 'x'])).toBe('Not Unknown argument: x');
    expect(explainUnknownArguments('Unknown argument: x\nat line 2', ['status', 'x'])).toBe('Unknown argument: x\nat line 2');
  });
});
