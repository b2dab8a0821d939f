#!/usr/bin/env node
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CliError, ExitCode, messageOf, UsageError } from './errors.js';
import { installSignalHandlers } from './session/interrupt.js';
import { bodyLimitFor, setRequestLogger } from './kube/request-log.js';
import { attachDashedValues, explainUnknownArguments, joinKindAndName, takeVerbosity } from './target/argv.js';
import { escapeTerminal, writeData, writeLine, writeLines } from './render/terminal.js';
import type { GlobalFlags } from './commands/global-flags.js';

// Commands are imported lazily so `--help` and usage errors never load the Kubernetes client.
const commandModules = {
  version: () => import('./commands/version.js'),
  copy: () => import('./commands/copy.js'),
  status: () => import('./commands/status.js'),
  delete: () => import('./commands/delete.js'),
  gc: () => import('./commands/gc.js'),
  complete: () => import('./commands/complete.js'),
};

function withGlobalFlags(y: Argv): Argv<GlobalFlags> {
  return y
    .option('kubeconfig', { type: 'string', describe: 'Path to the kubeconfig file to use' })
    .option('context', { type: 'string', describe: 'The name of the kubeconfig context to use' })
    .option('namespace', { alias: 'n', type: 'string', describe: 'The namespace scope for this request' })
    .option('cluster', { type: 'string', describe: 'The name of the kubeconfig cluster to use' })
    .option('user', { type: 'string', describe: 'The name of the kubeconfig user to use' })
    .option('server', { alias: 's', type: 'string', describe: 'The address and port of the Kubernetes API server' })
    .option('token', { type: 'string', describe: 'Bearer token for authentication to the API server' })
    .option('as', { type: 'string', describe: 'Username to impersonate for the operation' })
    .option('as-group', { type: 'string', describe: 'Group to impersonate for the operation (repeatable)' })
    .option('as-uid', { type: 'string', describe: 'UID to impersonate for the operation' })
    .option('certificate-authority', { type: 'string', describe: 'Path to a cert file for the certificate authority' })
    .option('client-certificate', { type: 'string', describe: 'Path to a client certificate file for TLS' })
    .option('client-key', { type: 'string', describe: 'Path to a client key file for TLS' })
    .option('insecure-skip-tls-verify', { type: 'boolean', describe: "If true, the server's certificate will not be checked for validity" })
    .option('tls-server-name', { type: 'string', describe: 'Server name to use for server certificate validation' })
    .option('request-timeout', { type: 'string', describe: 'How long to wait for a single server request (0: no timeout; 1s, 2m)' })
    // Taken out of argv before parsing (takeVerbosity); declared here for --help only.
    .option('v', { type: 'number', describe: 'Log level: -v adds the stack trace to errors, -v=6 logs each API request, -v=8 adds its bodies (secrets redacted)' });
}

export async function main(argv: string[]): Promise<number> {
  // Shell completion passes the words typed so far, flags included: they are data, not our flags.
  if (argv[0] === '__complete') {
    await (await commandModules.complete()).run(argv.slice(1));
    return ExitCode.ok;
  }
  installSignalHandlers();
  const { level, argv: rest } = takeVerbosity(argv);
  const verbose = level > 0;
  if (level >= 6) setRequestLogger((line) => writeLine(process.stderr, escapeTerminal(line)), bodyLimitFor(level));
  try {
    await withGlobalFlags(yargs(joinKindAndName(attachDashedValues(rest))))
      .scriptName('kubectl copy-target')
      .usage('$0 KIND/NAME[/container/CONTAINER] [flags]\n\nCopy a workload\'s pod into a probe-free pod owned by a Job.')
      .command(
        'version',
        'Print the plugin version and the server version of the current context',
        (y) => y,
        async (args) => (await commandModules.version()).run(args as GlobalFlags),
      )
      .command(
        'status',
        'List active copies in the namespace (-A: all namespaces)',
        (y) =>
          y
            .option('all-namespaces', { alias: 'A', type: 'boolean', default: false, describe: 'List copies in every namespace' })
            .option('output', { alias: 'o', type: 'string', describe: 'wide|json|yaml' }),
        async (args) => (await commandModules.status()).run(args as any),
      )
      .command(
        'delete [names..]',
        'Delete copies: by copy pod, copy job or KIND/NAME of the original; --all for every copy in the namespace',
        (y) => y.option('all', { type: 'boolean', default: false, describe: 'Delete every copy in the namespace' }),
        async (args) => (await commandModules.delete()).run({ ...(args as any), names: repeated(args.names) }),
      )
      .command(
        'completion',
        'Print the kubectl_complete-copy_target helper that gives kubectl (>= 1.26) shell completion for this plugin',
        (y) => y,
        async () => {
          writeData(process.stdout, (await import('./complete/plan.js')).COMPLETION_SCRIPT);
        },
      )
      .command(
        'gc',
        'Restore workloads held by crashed sessions and delete expired copies',
        (y) => y.option('all-namespaces', { alias: 'A', type: 'boolean', default: false, describe: 'Collect in every namespace' }),
        async (args) => (await commandModules.gc()).run(args as any),
      )
      .command(
        '$0 <target> [command..]',
        'Copy TARGET (KIND/NAME[/container/CONTAINER]) into a probe-free pod owned by a Job',
        (y) =>
          y
            .positional('target', { type: 'string', describe: 'pod|deployment|statefulset|replicaset|rollout|job|cronjob|service / NAME' })
            .option('container', { alias: 'c', type: 'string', describe: 'Container whose command is replaced by the one after --' })
            .option('keep-probes', { type: 'boolean', default: false, describe: 'Keep liveness, readiness and startup probes' })
            .option('keep-labels', {
              type: 'boolean',
              default: true,
              describe: "Keep the original's labels on the copy (Services route traffic to it); --keep-labels=false gives it only the plugin's own",
            })
            .option('keep-scheduling-rules', {
              type: 'boolean',
              default: false,
              describe: "Keep pod anti-affinity and topology spread rules that select the original's own pods",
            })
            .option('exclude-container', { type: 'string', describe: 'Leave this container out of the copy (repeatable)' })
            .option('exclude-init-container', { type: 'string', describe: 'Leave this init container out (repeatable)' })
            .option('set-image', { type: 'string', describe: 'NAME=IMAGE (or *=IMAGE) image overrides, as kubectl debug' })
            .option('ttl', { type: 'string', default: '8h', describe: 'Delete the copy after this long at the latest' })
            .option('pod-running-timeout', { type: 'string', default: '5m', describe: 'How long to wait for the copy pod to be Running' })
            .option('dry-run', { type: 'string', default: 'none', describe: 'client or server: print the Job, create nothing' })
            .option('output', { alias: 'o', type: 'string', describe: 'json|yaml|name: print the copy pod (the Job with --dry-run)' })
            .option('scale-down', { type: 'boolean', default: false, describe: 'Scale the original to zero (suspend a Job/CronJob) while the copy lives' })
            .option('detach', { type: 'boolean', default: false, describe: 'With --scale-down: return once Running; the copy and the hold live until --ttl or delete' })
            .option('duration', { type: 'string', describe: 'With --scale-down: end the session (and restore) after this long' })
            .option('lease-duration', { type: 'string', default: '30s', describe: 'How long a hold outlives a session that stopped renewing it (crash)' })
            .option('new', { type: 'boolean', default: false, describe: 'Always make a fresh copy instead of reusing your live one' })
            .example('$0 deployment/web', 'copy a pod of deployment web')
            .example('$0 deploy/web -c app -- sleep infinity', 'copy it with the app container sleeping instead of crashing')
            .example('$0 deploy/worker --scale-down', 'copy it and hold the original at zero replicas until Ctrl-C'),
        async (args) =>
          (await commandModules.copy()).run({
            ...(args as any),
            // Repeatable flags arrive as a string once and an array when repeated.
            excludeContainer: repeated(args.excludeContainer),
            excludeInitContainer: repeated(args.excludeInitContainer),
            setImage: repeated(args.setImage),
            command: [...repeated(args.command), ...repeated(args['--'])],
          }),
      )
      .demandCommand(1, 'name a target (KIND/NAME) or a command; see --help')
      .parserConfiguration({ 'populate--': true })
      .strict()
      .help()
      .alias('h', 'help')
      .version(false)
      .wrap(process.stdout.isTTY ? Math.min(120, process.stdout.columns ?? 80) : null)
      .fail((msg, err) => {
        throw err ?? new UsageError(explainUnknownArguments(msg, argv));
      })
      .parseAsync();
    return ExitCode.ok;
  } catch (err) {
    return report(err, verbose);
  }
}

function repeated(value: unknown): string[] {
  return value === undefined ? [] : ([] as unknown[]).concat(value).map(String);
}

function report(err: unknown, verbose: boolean): number {
  if (err instanceof CliError) {
    writeLine(process.stderr, `error: ${err.message}`);
    if (verbose && err.stack) writeLines(process.stderr, `${err.stack}\n`);
    return err.exitCode;
  }
  const message = messageOf(err);
  writeLine(process.stderr, `error: ${message.split('\n')[0]}`);
  if (verbose && err instanceof Error && err.stack) writeLines(process.stderr, `${err.stack}\n`);
  return ExitCode.failure;
}

main(hideBin(process.argv)).then((code) => {
  process.exitCode = code;
  // Safety net: the command is done; a connection left open by mistake must not keep a kubectl
  // plugin hanging. Unref'd, so it never delays a clean exit.
  setTimeout(() => process.exit(code), 2000).unref();
});
