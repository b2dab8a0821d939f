/**
 * `run`'s local command, pure: what the command is told about the copy (placeholders in its
 * words, variables in its environment), how it is shown, and the exit code it ends with.
 */

/** What the local command learns about the copy it runs against. */
export interface CopyFacts {
  pod: string;
  namespace: string;
  /** The container -c or the target named, else the pod's default container. */
  container: string;
  /** The kubeconfig context the plugin used; "" when none (flags only, in a pod). */
  context: string;
  job: string;
}

/** The placeholders, and the variable each one's value is also given in. */
export const PLACEHOLDERS: ReadonlyArray<readonly [keyof CopyFacts, string]> = [
  ['pod', 'COPY_TARGET_POD'],
  ['namespace', 'COPY_TARGET_NAMESPACE'],
  ['container', 'COPY_TARGET_CONTAINER'],
  ['context', 'COPY_TARGET_CONTEXT'],
  ['job', 'COPY_TARGET_JOB'],
];

const PLACEHOLDER = /\{(pod|namespace|container|context|job)\}/g;

/**
 * Each word with `{pod}`, `{namespace}`, `{container}`, `{context}` and `{job}` replaced, in one
 * pass: a value that itself contains `{pod}` (a namespace cannot, a context name can) stays as it
 * is. Anything else in braces (`{}`, `{x}`, a jq filter) is left alone.
 */
export function fillPlaceholders(words: readonly string[], facts: CopyFacts): string[] {
  return words.map((word) => word.replace(PLACEHOLDER, (_, name: keyof CopyFacts) => facts[name]));
}

/** Whether a word names a placeholder (so it cannot be looked up on PATH before the copy exists). */
export const hasPlaceholder = (word: string): boolean => new RegExp(PLACEHOLDER.source).test(word);

/**
 * The command's environment: the plugin's own, plus COPY_TARGET_* for the copy, and KUBECONFIG
 * set to the file `--kubeconfig` named (absolute), so a kubectl run by the command talks to the
 * cluster the plugin did. Without --kubeconfig, KUBECONFIG is left as the plugin found it.
 */
export function commandEnvironment(base: NodeJS.ProcessEnv, facts: CopyFacts, kubeconfig?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const [name, variable] of PLACEHOLDERS) env[variable] = facts[name];
  if (kubeconfig !== undefined) env.KUBECONFIG = kubeconfig;
  return env;
}

/** A word as a POSIX shell would need it typed: bare when safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command line as one could type it again (for --dry-run and the line before it starts). */
export const commandLine = (words: readonly string[]): string => words.map(shellQuote).join(' ');

/**
 * The exit code a shell reports for a process: its own code, or 128 + N when signal N ended it
 * (130 for SIGINT, 143 for SIGTERM). `signalNumbers` is os.constants.signals.
 */
export function exitCodeOf(code: number | null, signal: string | null, signalNumbers: Record<string, number>): number {
  if (code !== null) return code;
  const n = signal === null ? undefined : signalNumbers[signal];
  return n === undefined ? 128 : 128 + n;
}

/** The container `{container}` names: the one asked for, else kubectl's default (its annotation), else the first. */
export function defaultContainer(
  pod: { metadata?: { annotations?: Record<string, string> }; spec?: { containers?: Array<{ name: string }> } },
  asked: string | undefined,
): string {
  if (asked !== undefined) return asked;
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated !== undefined && names.includes(annotated)) return annotated;
  return names[0] ?? '';
}
