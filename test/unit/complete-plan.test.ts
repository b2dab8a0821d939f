import { describe, expect, it } from 'vitest';
import { completionHelper, Directive, formatCompletion, planCompletion, SUBCOMMANDS } from '../../src/complete/plan.js';
import { SUBCOMMAND_NAMES } from '../../src/target/argv.js';

const values = (words: string[]) => {
  const { need } = planCompletion(words);
  if (need.type !== 'static') throw new Error(`expected static candidates, got ${need.type}`);
  return { values: need.candidates.map((c) => c.value), directive: need.directive };
};

describe('planCompletion', () => {
  it('offers subcommands and the short kinds on an empty line, and a space after them', () => {
    const { values: v, directive } = values(['']);
    expect(v).toEqual(['status', 'delete', 'extend', 'gc', 'version', 'completion', 'run', 'pod/', 'deploy/', 'sts/', 'rs/', 'ro/', 'job/', 'cj/', 'svc/']);
    expect(directive).toBe(Directive.noFileComp);
  });

  it('completes kind spellings by prefix without a trailing space when only kinds match', () => {
    expect(values(['st'])).toEqual({ values: ['status', 'sts/', 'statefulset/'], directive: Directive.noFileComp });
    expect(values(['dep'])).toEqual({ values: ['deploy/', 'deployment/'], directive: Directive.noSpace | Directive.noFileComp });
  });

  it('asks the cluster for names after KIND/, keeping the spelling typed', () => {
    expect(planCompletion(['deploy/we']).need).toEqual({ type: 'names', kind: 'deployment', typedKind: 'deploy', partial: 'we' });
    expect(planCompletion(['-n', 'shop', 'STS/']).need).toEqual({ type: 'names', kind: 'statefulset', typedKind: 'STS', partial: '' });
  });

  it('offers /container/ after KIND/NAME/ and asks for container names after it', () => {
    expect(values(['deploy/web/'])).toEqual({ values: ['deploy/web/container/'], directive: Directive.noSpace | Directive.noFileComp });
    expect(planCompletion(['deploy/web/container/a']).need).toEqual({
      type: 'containers', kind: 'deployment', name: 'web', prefix: 'deploy/web/container/', partial: 'a',
    });
  });

  it('remembers -n, --namespace=, --context and --kubeconfig typed earlier', () => {
    expect(planCompletion(['--context', 'prod', '-n', 'shop', '--kubeconfig=/k', 'deploy/']).flags).toEqual({ context: 'prod', namespace: 'shop', kubeconfig: '/k' });
    expect(planCompletion(['deploy/x', '--namespace=a', '']).flags).toEqual({ namespace: 'a' });
  });

  it('completes flag values: namespaces, contexts, -o per command, --dry-run, in both spellings', () => {
    expect(planCompletion(['-n', 'ku']).need).toEqual({ type: 'namespaces', prefix: '', partial: 'ku' });
    expect(planCompletion(['--namespace=ku']).need).toEqual({ type: 'namespaces', prefix: '--namespace=', partial: 'ku' });
    expect(planCompletion(['--context', '']).need).toEqual({ type: 'contexts', prefix: '', partial: '' });
    expect(values(['status', '-o', '']).values).toEqual(['wide', 'json', 'yaml']);
    expect(values(['deploy/web', '-o', '']).values).toEqual(['json', 'yaml', 'name']);
    expect(values(['deploy/web', '--output=y']).values).toEqual(['--output=yaml']);
    expect(values(['deploy/web', '--dry-run', 's']).values).toEqual(['server']);
    expect(values(['--kubeconfig', '']).directive).toBe(Directive.default); // files
  });

  it('offers copies after delete and extend, nothing after commands without arguments, files after --', () => {
    expect(planCompletion(['delete', 'copy-']).need).toEqual({ type: 'copies', partial: 'copy-' });
    expect(planCompletion(['extend', 'copy-']).need).toEqual({ type: 'copies', partial: 'copy-' });
    expect(planCompletion(['-n', 'shop', 'extend', '--ttl', '2h', '']).need).toEqual({ type: 'copies', partial: '' });
    expect(values(['extend', '--ttl', '']).values).toEqual([]); // a duration: nothing to offer
    expect(values(['extend', '-o', '']).values).toEqual(['json', 'yaml', 'name']);
    expect(values(['status', ''])).toEqual({ values: [], directive: Directive.noFileComp });
    expect(values(['deploy/web', ''])).toEqual({ values: [], directive: Directive.noFileComp });
    expect(values(['deploy/web', '--', 'sh', '-n', ''])).toEqual({ values: [], directive: Directive.default });
  });

  it('completes run\'s target as a copy\'s (kinds, names, containers; no subcommands), then nothing until --, then files', () => {
    expect(values(['run', ''])).toEqual({ values: ['pod/', 'deploy/', 'sts/', 'rs/', 'ro/', 'job/', 'cj/', 'svc/'], directive: Directive.noSpace | Directive.noFileComp });
    expect(values(['ru']).values).toEqual(['run']);
    expect(planCompletion(['run', '-n', 'shop', '--scale-down', 'deploy/wo']).need).toEqual({ type: 'names', kind: 'deployment', typedKind: 'deploy', partial: 'wo' });
    expect(planCompletion(['run', '-n', 'shop', '--scale-down', 'deploy/wo']).flags).toEqual({ namespace: 'shop' });
    expect(planCompletion(['run', 'deploy/web/container/']).need).toMatchObject({ type: 'containers', name: 'web' });
    expect(values(['run', 'deploy/web', ''])).toEqual({ values: [], directive: Directive.noFileComp });
    expect(values(['run', 'deploy/web', '--', 'kubectl', 'exec', ''])).toEqual({ values: [], directive: Directive.default });
  });

  it('does not take a flag value for a positional (deploy/x after --ttl 1h is the target)', () => {
    expect(planCompletion(['--ttl', '1h', 'deploy/']).need).toMatchObject({ type: 'names', kind: 'deployment' });
    expect(values(['--ttl', '']).values).toEqual([]);
  });
});

describe('SUBCOMMANDS', () => {
  it('offers exactly the subcommands the parser knows', () => {
    expect(SUBCOMMANDS.map((s) => s.value).sort()).toEqual([...SUBCOMMAND_NAMES].sort());
  });

  it('describes each, as a shell that shows descriptions lists them', () => {
    const { need } = planCompletion(['']);
    const described = need.type === 'static' ? need.candidates.filter((c) => c.description) : [];
    expect(formatCompletion(described, Directive.noFileComp)).toBe(
      [
        'status\tList active copies',
        'delete\tDelete copies',
        'extend\tPush the expiry of copies to now + --ttl',
        'gc\tRestore workloads held by crashed sessions, delete expired copies',
        'version\tPrint the plugin and server versions',
        'completion\tPrint the kubectl_complete-copy_target helper',
        'run\tCopy a target and run a local command against the copy',
        ':4',
        '',
      ].join('\n'),
    );
  });

  it("offers kubectl's po for pods as it is typed", () => {
    expect(values(['p']).values).toEqual(['pod/', 'po/']);
  });
});

describe('formatCompletion', () => {
  it('writes cobra\'s __complete format: value, tab, description; then :directive', () => {
    expect(formatCompletion([{ value: 'a', description: 'first' }, { value: 'b' }], 6)).toBe('a\tfirst\nb\n:6\n');
    expect(formatCompletion([], 4)).toBe(':4\n');
  });
});

describe('formatCompletion with hostile values', () => {
  it('escapes control characters in values and descriptions, keeping one line per candidate', () => {
    expect(formatCompletion([{ value: 'copy-\x1b[2Jx\ny', description: 'copy of deploy/\x07w' }], 4)).toBe('copy-\\x1b[2Jx\\ny\tcopy of deploy/\\x07w\n:4\n');
  });
});

describe('completionHelper', () => {
  it('prints the POSIX helper for sh, which execs the plugin with the words', () => {
    const sh = completionHelper('sh');
    expect(sh.startsWith('#!/bin/sh\n')).toBe(true);
    expect(sh).toContain('exec kubectl-copy_target __complete "$@"\n');
    expect(sh).not.toContain('\r');
  });

  it('prints a .cmd helper for Windows: CRLF lines, the words passed through delayed expansion so & | < > stay data', () => {
    const cmd = completionHelper('cmd');
    const lines = cmd.split('\r\n');
    expect(lines.at(-1)).toBe(''); // ends with CRLF, and every line is CRLF
    expect(cmd.replace(/\r\n/g, '')).not.toContain('\n');
    expect(lines[0]).toBe('@echo off');
    // %* is expanded before cmd parses & | < >; stored in a variable and read back with !...!
    // (expanded after that parse), the typed words reach the plugin as they were.
    expect(lines).toEqual(
      expect.arrayContaining(['setlocal DisableDelayedExpansion', 'set "words=%*"', 'setlocal EnableDelayedExpansion', 'kubectl-copy_target.exe __complete !words!']),
    );
    expect(lines.indexOf('set "words=%*"')).toBeLessThan(lines.indexOf('setlocal EnableDelayedExpansion'));
    expect(cmd).toContain('kubectl_complete-copy_target.cmd');
    // Comments without characters that cmd might treat as redirection or expansion in a rem.
    for (const rem of lines.filter((l) => l.startsWith('rem '))) expect(rem).not.toMatch(/[<>|&%!^]/);
  });

  it('completes --shell with the shells it knows', () => {
    expect(values(['completion', '--shell', ''])).toEqual({ values: ['sh', 'cmd'], directive: Directive.noFileComp });
    expect(values(['completion', '--shell=c'])).toEqual({ values: ['--shell=cmd'], directive: Directive.noFileComp });
  });
});

describe('planCompletion: short flags with =, as the command reads them (-n=shop)', () => {
  it('remembers -n=shop typed earlier, so names are looked up in shop', () => {
    expect(planCompletion(['-n=shop', 'deploy/']).flags).toEqual({ namespace: 'shop' });
  });

  it('completes the value after -n= and -o=', () => {
    expect(planCompletion(['-n=ku']).need).toEqual({ type: 'namespaces', prefix: '-n=', partial: 'ku' });
    expect(values(['deploy/web', '-o=y']).values).toEqual(['-o=yaml']);
  });
});

describe('planCompletion: what it does not take for a lookup', () => {
  it('does not read flags in the user\'s command after --', () => {
    expect(planCompletion(['deploy/web', '--', 'kubectl', '-n', 'other', '--context', 'x', '']).flags).toEqual({});
  });

  it('remembers only -n, --context and --kubeconfig, not the values of other flags', () => {
    expect(planCompletion(['--ttl', '1h', '--as', 'bob', 'deploy/']).flags).toEqual({});
  });

  it('offers no copies while a flag is being typed after delete', () => {
    expect(values(['delete', '--al'])).toEqual({ values: [], directive: Directive.noFileComp });
  });

  it('offers nothing for an unknown kind, or after KIND/NAME/ other than container/NAME', () => {
    expect(values(['widget/x'])).toEqual({ values: [], directive: Directive.noFileComp });
    expect(values(['deploy/web/cont/a'])).toEqual({ values: [], directive: Directive.noFileComp });
    expect(values(['deploy/web/container/app/x'])).toEqual({ values: [], directive: Directive.noFileComp });
  });

  it('adds a space after a word that matches nothing (no kind left to continue)', () => {
    expect(values(['zz'])).toEqual({ values: [], directive: Directive.noFileComp });
  });
});

describe('planCompletion: flag values per command', () => {
  it('offers a copy\'s -o formats before any target, and none for a command without -o', () => {
    expect(values(['-o', '']).values).toEqual(['json', 'yaml', 'name']);
    expect(values(['gc', '-o', '']).values).toEqual([]);
  });

  it('offers every --dry-run mode', () => {
    expect(values(['deploy/web', '--dry-run', '']).values).toEqual(['none', 'client', 'server']);
  });
});
