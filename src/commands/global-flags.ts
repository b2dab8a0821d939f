import type { ArgumentsCamelCase, Argv } from 'yargs';

/** The parsed flags a command's yargs declaration yields (camelCase keys included), typed from it. */
export type FlagsOf<Declare extends (y: Argv<GlobalOptions>) => Argv<any>> = ReturnType<Declare> extends Argv<infer T> ? ArgumentsCamelCase<T> : never;

/** A repeatable flag arrives as one string, or an array when repeated: always an array here. */
export const repeated = (value: unknown): string[] => (value === undefined ? [] : ([] as unknown[]).concat(value).map(String));

/** A flag given twice takes its last value, as kubectl's flags do (`-n a -n b` is namespace b). */
export const lastWins = (value: string | string[]): string => (Array.isArray(value) ? String(value.at(-1)) : value);

/** Flags every command accepts, as kubectl spells them. */
export function declareGlobalFlags(y: Argv) {
  return y
    .option('kubeconfig', { type: 'string', coerce: lastWins, describe: 'Path to the kubeconfig file to use' })
    .option('context', { type: 'string', coerce: lastWins, describe: 'The name of the kubeconfig context to use' })
    .option('namespace', { alias: 'n', type: 'string', coerce: lastWins, describe: 'The namespace scope for this request' })
    .option('cluster', { type: 'string', coerce: lastWins, describe: 'The name of the kubeconfig cluster to use' })
    .option('user', { type: 'string', coerce: lastWins, describe: 'The name of the kubeconfig user to use' })
    .option('server', { alias: 's', type: 'string', coerce: lastWins, describe: 'The address and port of the Kubernetes API server' })
    .option('token', { type: 'string', coerce: lastWins, describe: 'Bearer token for authentication to the API server' })
    .option('as', { type: 'string', coerce: lastWins, describe: 'Username to impersonate for the operation' })
    .option('as-group', { type: 'string', default: [], coerce: repeated, describe: 'Group to impersonate for the operation (repeatable)' })
    .option('as-uid', { type: 'string', coerce: lastWins, describe: 'UID to impersonate for the operation' })
    .option('certificate-authority', { type: 'string', coerce: lastWins, describe: 'Path to a cert file for the certificate authority' })
    .option('client-certificate', { type: 'string', coerce: lastWins, describe: 'Path to a client certificate file for TLS' })
    .option('client-key', { type: 'string', coerce: lastWins, describe: 'Path to a client key file for TLS' })
    .option('insecure-skip-tls-verify', { type: 'boolean', describe: "If true, the server's certificate will not be checked for validity" })
    .option('tls-server-name', { type: 'string', coerce: lastWins, describe: 'Server name to use for server certificate validation' })
    .option('request-timeout', { type: 'string', coerce: lastWins, describe: 'How long to wait for a single server request (0: no timeout; 1s, 2m)' })
    // Taken out of argv before parsing (takeVerbosity); declared here for --help only.
    .option('v', { type: 'number', describe: 'Log level: -v adds the stack trace to errors, -v=6 logs each API request, -v=8 adds its bodies (secrets redacted)' });
}

/** The global options as yargs holds them, before camelCase keys are added. */
export type GlobalOptions = ReturnType<typeof declareGlobalFlags> extends Argv<infer T> ? T : never;
export type GlobalFlags = ArgumentsCamelCase<GlobalOptions>;
