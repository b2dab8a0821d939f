import { describe, expect, it } from 'vitest';
import yargs, { type Argv } from 'yargs';
import { declareCopyFlags } from '../../src/commands/copy-flags.js';
import { declareDeleteFlags } from '../../src/commands/delete-flags.js';
import { declareGcFlags } from '../../src/commands/gc-flags.js';
import { declareGlobalFlags, type GlobalOptions } from '../../src/commands/global-flags.js';
import { declareStatusFlags } from '../../src/commands/status-flags.js';

/** The flags kubectl lets you repeat to give several values (kubectl debug's --set-image, --as-group). */
const REPEATABLE = new Set(['as-group', 'set-image', 'exclude-container', 'exclude-init-container']);

const commands: Array<[string, (y: Argv<GlobalOptions>) => Argv<any>, string[]]> = [
  ['copy', declareCopyFlags, ['deploy/web']],
  ['status', declareStatusFlags, []],
  ['delete', declareDeleteFlags, ['copy-web-x1']],
  ['gc', declareGcFlags, []],
];

function parser(declare: (y: Argv<GlobalOptions>) => Argv<any>, argv: string[]) {
  return declare(declareGlobalFlags(yargs(argv)) as unknown as Argv<GlobalOptions>).parserConfiguration({ 'populate--': true }).exitProcess(false);
}

/** Every string flag a command declares (its own and the global ones), by its long name. */
function stringFlags(declare: (y: Argv<GlobalOptions>) => Argv<any>): string[] {
  const options = (parser(declare, []) as any).getOptions();
  return (options.string as string[]).filter((key) => key.length > 1 && key !== 'target' && key !== 'command' && key !== 'names');
}

describe.each(commands)('%s: a flag given twice', (_name, declare, positionals) => {
  const flags = stringFlags(declare);

  it('declares string flags (the test sees them)', () => {
    expect(flags).toEqual(expect.arrayContaining(['namespace', 'context', 'kubeconfig', 'as-group']));
  });

  it.each(flags)('--%s: the last value wins, unless kubectl repeats it (then every value, in order)', (flag) => {
    const parsed = parser(declare, [...positionals, `--${flag}`, 'first', `--${flag}`, 'second']).parseSync() as Record<string, unknown>;
    expect(parsed[flag]).toEqual(REPEATABLE.has(flag) ? ['first', 'second'] : 'second');
  });
});

it('short flags too: -n a -n b is namespace b, -o json -o yaml is yaml', () => {
  const parsed = parser(declareCopyFlags, ['deploy/web', '-n', 'a', '-n', 'b', '-o', 'json', '-o', 'yaml', '-c', 'x', '-c', 'y']).parseSync() as Record<string, unknown>;
  expect([parsed.namespace, parsed.output, parsed.container]).toEqual(['b', 'yaml', 'y']);
});
