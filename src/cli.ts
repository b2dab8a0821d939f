#!/usr/bin/env node
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CliError, ExitCode, UsageError } from './errors.js';
import type { GlobalFlags } from './commands/global-flags.js';

// Commands are imported lazily so `--help` and usage errors never load the Kubernetes client.
const commandModules = {
  version: () => import('./commands/version.js'),
};

function withGlobalFlags(y: Argv): Argv<GlobalFlags> {
  return y
    .option('kubeconfig', { type: 'string', describe: 'Path to the kubeconfig file to use' })
    .option('context', { type: 'string', describe: 'The name of the kubeconfig context to use' })
    .option('namespace', { alias: 'n', type: 'string', describe: 'The namespace scope for this request' })
    .option('v', { alias: 'verbose', type: 'count', describe: 'Verbosity: -v shows stack traces and API detail' });
}

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.some((a) => /^-v+$/.test(a) || a === '--verbose' || a.startsWith('--v='));
  try {
    await withGlobalFlags(yargs(argv))
      .scriptName('kubectl copy-target')
      .usage('$0 KIND/NAME[/container/CONTAINER] [flags]\n\nCopy a workload\'s pod into a probe-free pod owned by a Job.')
      .command(
        'version',
        'Print the plugin version and the server version of the current context',
        (y) => y,
        async (args) => (await commandModules.version()).run(args as GlobalFlags),
      )
      .demandCommand(1, 'name a target (KIND/NAME) or a command; see --help')
      .strict()
      .help()
      .alias('h', 'help')
      .version(false)
      .wrap(process.stdout.isTTY ? Math.min(120, process.stdout.columns ?? 80) : null)
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
    return ExitCode.ok;
  } catch (err) {
    return report(err, verbose);
  }
}

function report(err: unknown, verbose: boolean): number {
  if (err instanceof CliError) {
    process.stderr.write(`error: ${err.message}\n`);
    if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message.split('\n')[0]}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return ExitCode.failure;
}

main(hideBin(process.argv)).then((code) => {
  process.exitCode = code;
});
