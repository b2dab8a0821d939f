#!/usr/bin/env node
import './ahead.js'; // first: opens connections while the rest loads
import { CliError, ExitCode, messageOf, UsageError } from './errors.js';
import { announceFaultsOn } from './fault.js';
import { installSignalHandlers } from './session/interrupt.js';
import { bodyLimitFor, setRequestLogger } from './kube/request-log.js';
import { setInteractiveCredentialHook } from './kube/exec-credential.js';
import { attachDashedValues, explainUnknownArguments, joinKindAndName, takeVerbosity } from './target/argv.js';
import { escapeTerminal, holdTransientLine, writeData, writeLine, writeLines, type IOStreams } from './render/terminal.js';
import { declareGlobalFlags } from './commands/global-flags.js';
import { copyFlagsFrom, declareCopyFlags } from './commands/copy-flags.js';
import { declareDeleteFlags } from './commands/delete-flags.js';
import { declareExtendFlags } from './commands/extend-flags.js';
import { declareCompletionFlags } from './commands/completion-flags.js';
import { declareGcFlags } from './commands/gc-flags.js';
import { declareStatusFlags } from './commands/status-flags.js';
import { declareRunFlags } from './commands/run-flags.js';

// Commands are imported lazily so `--help` and usage errors never load the Kubernetes client.
const commandModules = {
  version: () => import('./commands/version.js'),
  copy: () => import('./commands/copy.js'),
  status: () => import('./commands/status.js'),
  delete: () => import('./commands/delete.js'),
  extend: () => import('./commands/extend.js'),
  gc: () => import('./commands/gc.js'),
  complete: () => import('./commands/complete.js'),
  run: () => import('./commands/run.js'),
};

export async function main(argv: string[], streams: IOStreams): Promise<number> {
  // Shell completion passes the words typed so far, flags included: they are data, not our flags.
  if (argv[0] === '__complete') {
    await (await commandModules.complete()).run(argv.slice(1), streams);
    return ExitCode.ok;
  }
  installSignalHandlers(streams);
  announceFaultsOn(streams.err);
  const { level, argv: rest } = takeVerbosity(argv);
  const verbose = level > 0;
  // An interactive credential plugin prompts on the terminal: no spinner over its prompt.
  setInteractiveCredentialHook(holdTransientLine);
  if (level >= 6) setRequestLogger((line) => writeLine(streams.err, escapeTerminal(line)), bodyLimitFor(level));
  // `run` ends with its local command's exit code; every other command with 0 or an error's.
  let exitCode: number = ExitCode.ok;
  try {
    // Loaded after the first turn of the event loop, so the connections opened ahead are on their way meanwhile.
    const { default: yargs } = await import('yargs');
    await new Promise((resolve) => setImmediate(resolve)); // and their TLS handshakes begin while the command loads
    await declareGlobalFlags(yargs(joinKindAndName(attachDashedValues(rest))))
      .scriptName('kubectl copy-target')
      .usage('$0 KIND/NAME[/container/CONTAINER] [flags]\n\nCopy a workload\'s pod into a probe-free pod owned by a Job.')
      .command(
        'version',
        'Print the plugin version and the server version of the current context',
        (y) => y,
        async (args) => (await commandModules.version()).run(args, streams),
      )
      .command(
        'status',
        'List active copies in the namespace (-A: all namespaces)',
        declareStatusFlags,
        async (args) => (await commandModules.status()).run(args, streams),
      )
      .command(
        'delete [names..]',
        'Delete copies: by copy pod, copy job or KIND/NAME of the original; --all for every copy in the namespace',
        declareDeleteFlags,
        async (args) => (await commandModules.delete()).run(args, streams),
      )
      .command(
        'extend [names..]',
        'Push the expiry of live copies (and of a detached hold) to now + --ttl: by copy pod, copy job or KIND/NAME of the original; --all for every copy',
        declareExtendFlags,
        async (args) => (await commandModules.extend()).run(args, streams),
      )
      .command(
        'completion',
        'Print the kubectl_complete-copy_target helper that gives kubectl (>= 1.26) shell completion for this plugin',
        declareCompletionFlags,
        async (args) => {
          writeData(streams.out, (await import('./complete/plan.js')).completionHelper(args.shell));
        },
      )
      .command(
        'gc',
        'Restore workloads held by crashed sessions and delete expired copies',
        declareGcFlags,
        async (args) => (await commandModules.gc()).run(args, streams),
      )
      .command(
        'run <target> [command..]',
        'Copy TARGET, run a local command against the copy (words after --, {pod} {namespace} {container} {context} {job} filled in), end when it ends',
        declareRunFlags,
        async (args) => {
          exitCode = await (await commandModules.run()).run(args, streams);
        },
      )
      .command(
        '$0 <target> [command..]',
        'Copy TARGET (KIND/NAME[/container/CONTAINER]) into a probe-free pod owned by a Job',
        declareCopyFlags,
        async (args) => (await commandModules.copy()).run(copyFlagsFrom(args), streams),
      )
      .demandCommand(1, 'name a target (KIND/NAME) or a command; see --help')
      .parserConfiguration({ 'populate--': true })
      .strict()
      .help()
      .alias('h', 'help')
      .version(false)
      .wrap(streams.out.isTTY ? Math.min(120, streams.out.columns ?? 80) : null)
      .fail((msg, err) => {
        throw err ?? new UsageError(explainUnknownArguments(msg, argv));
      })
      .parseAsync();
    return exitCode;
  } catch (err) {
    return report(streams.err, err, verbose);
  }
}

function report(stderr: NodeJS.WriteStream, err: unknown, verbose: boolean): number {
  if (err instanceof CliError) {
    writeLine(stderr, `error: ${err.message}`);
    if (verbose && err.stack) writeLines(stderr, `${err.stack}\n`);
    return err.exitCode;
  }
  const message = messageOf(err);
  writeLine(stderr, `error: ${message.split('\n')[0]}`);
  if (verbose && err instanceof Error && err.stack) writeLines(stderr, `${err.stack}\n`);
  return ExitCode.failure;
}

main(process.argv.slice(2), { out: process.stdout, err: process.stderr }).then((code) => {
  process.exitCode = code;
  // Safety net: the command is done; a connection left open by mistake must not keep a kubectl
  // plugin hanging. Unref'd, so it never delays a clean exit.
  setTimeout(() => process.exit(code), 2000).unref();
});
