import { resolveKindAlias } from './parse.js';

/**
 * The command line as kubectl users type it, brought into the shape the parser expects. Pure:
 * argv in, argv out. Only the part before `--` is ours; the rest is the user's command.
 */

/** Flags that take a value (so the next word is that value, never a positional). */
export const VALUE_FLAGS = new Set([
  '-n', '--namespace', '--context', '--kubeconfig', '-o', '--output', '-c', '--container', '--ttl',
  '--pod-running-timeout', '--dry-run', '--duration', '--lease-duration', '--set-image',
  '--exclude-container', '--exclude-init-container', '--shell',
  // kubectl's connection flags
  '--cluster', '--user', '-s', '--server', '--token', '--as', '--as-group', '--as-uid', '--certificate-authority',
  '--client-certificate', '--client-key', '--tls-server-name', '--request-timeout',
]);

const LONG_NAME: Record<string, string> = { '-n': '--namespace', '-o': '--output', '-c': '--container', '-s': '--server' };
/** `--dry-run` alone is allowed, as in kubectl, so it never takes the next word on its own. */
const OPTIONAL_VALUE = new Set(['--dry-run']);

export const SUBCOMMAND_NAMES = new Set(['version', 'status', 'delete', 'extend', 'gc', 'completion', 'run']);

const split = (argv: string[]): [string[], string[]] => {
  const at = argv.indexOf('--');
  return at === -1 ? [argv, []] : [argv.slice(0, at), argv.slice(at)];
};

/** A word that is a verbosity level: a whole number. */
// Stryker disable next-line StringLiteral: any non-number in place of a missing word is refused the same way
const isLevel = (word: string | undefined): boolean => /^\d+$/.test(word ?? '');

/**
 * kubectl's verbosity, taken out of the command line: -v=N, --v=N, -v N, --v N set N; a bare -v
 * (or -vv, --verbose) counts. Only before `--`: after it, `grep -v` is the user's.
 */
export function takeVerbosity(argv: string[]): { level: number; argv: string[] } {
  const [ours, theirs] = split(argv);
  const rest: string[] = [];
  let level = 0;
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i]!;
    const valued = /^--?v=(\d+)$/.exec(a);
    if (valued) level = Number(valued[1]);
    else if ((a === '-v' || a === '--v') && isLevel(ours[i + 1])) level = Number(ours[++i]);
    else if (/^-v+$/.test(a)) level += a.length - 1;
    else if (a === '--verbose' || a === '--v') level += 1;
    else rest.push(a);
  }
  return { level, argv: [...rest, ...theirs] };
}

/**
 * kubectl gives a flag the next word as its value even when it starts with "-" (`--ttl -5m`), so
 * the value reaches the flag's own validation. yargs would read "-5m" as flags -5 and -m; we write
 * it as `--ttl=-5m`. A next word starting with "--" is another flag and stays one.
 */
export function attachDashedValues(argv: string[]): string[] {
  const [ours, theirs] = split(argv);
  const out: string[] = [];
  for (let i = 0; i < ours.length; i++) {
    const word = ours[i]!;
    const next = ours[i + 1];
    // Stryker disable next-line ConditionalExpression: RegExp.test(undefined) tests "undefined", which does not start with a dash
    if (VALUE_FLAGS.has(word) && !OPTIONAL_VALUE.has(word) && next !== undefined && /^-[^-]/.test(next)) {
      out.push(`${LONG_NAME[word] ?? word}=${next}`);
      i++;
    } else {
      out.push(word);
    }
  }
  return [...out, ...theirs];
}

/** kubectl's space-separated form, `deploy web`, as `deploy/web` (only for a copy's target, `run`'s included). */
export function joinKindAndName(argv: string[]): string[] {
  const [ours, theirs] = split(argv);
  const positions: number[] = [];
  let skipRun = true;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: stopping at two positionals only saves work; only the first two are used
  for (let i = 0; i < ours.length && positions.length < 2; i++) {
    const word = ours[i]!;
    if (word.startsWith('-')) {
      if (VALUE_FLAGS.has(word) && !OPTIONAL_VALUE.has(word)) i++; // its value
      continue;
    }
    // `run KIND NAME`: the target follows the subcommand.
    // Stryker disable next-line ConditionalExpression: skipRun is true only while no positional has been seen, which positions.length === 0 also says
    if (skipRun && word === 'run' && positions.length === 0) {
      skipRun = false;
      continue;
    }
    // Stryker disable next-line BooleanLiteral: once a positional is seen, positions.length === 0 is false, which stops skipping on its own
    skipRun = false;
    positions.push(i);
  }
  const [first, second] = positions;
  // Stryker disable next-line ConditionalExpression: with no first positional there is no second either
  if (first === undefined || second === undefined) return argv;
  const kind = ours[first]!;
  // Stryker disable next-line ConditionalExpression,LogicalOperator: no subcommand name is a kind alias and no alias has a "/": resolveKindAlias alone refuses them too
  if (SUBCOMMAND_NAMES.has(kind) || kind.includes('/') || resolveKindAlias(kind) === undefined) return argv;
  const joined = [...ours];
  joined[first] = `${kind}/${ours[second]}`;
  joined.splice(second, 1);
  return [...joined, ...theirs];
}

/**
 * yargs' "Unknown argument(s): bogus-flag, bogusFlag" said as kubectl says it: "unknown flag:
 * --bogus-flag" for a flag (its camelCase twin dropped), "unexpected argument" for a word.
 */
export function explainUnknownArguments(message: string, argv: string[]): string {
  const match = /^Unknown arguments?: (.+)$/.exec(message);
  if (!match) return message;
  const ours = split(argv)[0];
  const flags: string[] = [];
  const words: string[] = [];
  for (const name of match[1]!.split(', ')) {
    const flag = ours.find((a) => [`--${name}`, `--no-${name}`, `-${name}`].includes(a.split('=')[0]!));
    if (flag !== undefined) flags.push(flag.split('=')[0]!);
    else if (ours.includes(name)) words.push(name);
    // else: yargs' camelCase spelling of a flag already named
  }
  const parts = [...new Set(flags)].map((f) => `unknown flag: ${f}`);
  if (words.length > 0) parts.push(`unexpected argument${words.length > 1 ? 's' : ''}: ${words.join(' ')}`);
  return parts.length > 0 ? `${parts.join('; ')}; see --help` : message;
}

/** The flags that decide where the plugin connects and with which TLS settings (kubectl's names). */
const CONNECTION_FLAGS: Record<string, string> = {
  '--kubeconfig': 'kubeconfig',
  '--context': 'context',
  '--cluster': 'cluster',
  '--user': 'user',
  '--server': 'server',
  '-s': 'server',
  '--certificate-authority': 'certificateAuthority',
  '--client-certificate': 'clientCertificate',
  '--client-key': 'clientKey',
  '--tls-server-name': 'tlsServerName',
};

/**
 * What a first look at the command line tells before the parser loads: the command word (undefined
 * for a copy), whether help was asked for, and the connection flags (the last of each wins, as
 * the parser decides). A guess that turns out wrong costs a connection nobody uses, never a
 * different one: the real connection is still made from the parsed flags.
 */
export function peekCommandLine(argv: string[]): { command: string | undefined; help: boolean; connection: Record<string, string | boolean> } {
  const ours = split(argv)[0];
  const connection: Record<string, string | boolean> = {};
  let first: string | undefined;
  let help = false;
  for (let i = 0; i < ours.length; i++) {
    const word = ours[i]!;
    // The parser reads -s=URL as --server=URL too.
    // Stryker disable next-line StringLiteral,UnaryOperator: a word split without a leading dash has no flag for a first part, and the positional check reads the whole word
    const at = word.startsWith('-') ? word.indexOf('=') : -1;
    // Stryker disable next-line EqualityOperator: at is never 0 (the word starts with a dash)
    const [flag, inline] = at > 0 ? [word.slice(0, at), word.slice(at + 1)] : [word, undefined];
    if (flag === '--help' || flag === '-h') help = true;
    else if (flag === '--insecure-skip-tls-verify') connection.insecureSkipTlsVerify = inline === undefined || inline === 'true';
    else if (VALUE_FLAGS.has(flag) && !OPTIONAL_VALUE.has(flag)) {
      const value = inline ?? ours[++i];
      const name = CONNECTION_FLAGS[flag];
      if (name !== undefined && value !== undefined) connection[name] = value;
    } else if (!word.startsWith('-')) first ??= word;
  }
  // Stryker disable next-line ConditionalExpression: without a positional neither test below can hold; the check is for the types
  const command = first !== undefined && (SUBCOMMAND_NAMES.has(first) || first === '__complete') ? first : undefined;
  return { command, help, connection };
}
