import { TARGET_KINDS, type TargetKind } from '../target/kinds.js';
import { escapeTerminal } from '../render/terminal.js';
import { SUBCOMMAND_NAMES, VALUE_FLAGS } from '../target/argv.js';
import { resolveKindAlias } from '../target/parse.js';

/**
 * Shell completion for kubectl (>= 1.26), which runs `kubectl_complete-copy_target WORDS...` and
 * reads cobra's `__complete` answer: one candidate a line (optionally `\tdescription`), then
 * `:DIRECTIVE`. This module is pure: it reads the words typed so far and says what to look up.
 */

/** cobra's ShellCompDirective bits. */
export const Directive = { default: 0, noSpace: 2, noFileComp: 4 } as const;

export interface Candidate {
  value: string;
  description?: string;
}

/** What the word under the cursor asks for. */
export type CompletionNeed =
  | { type: 'static'; candidates: Candidate[]; directive: number }
  | { type: 'names'; kind: TargetKind; typedKind: string; partial: string }
  | { type: 'containers'; kind: TargetKind; name: string; prefix: string; partial: string }
  | { type: 'namespaces'; prefix: string; partial: string }
  | { type: 'contexts'; prefix: string; partial: string }
  | { type: 'copies'; partial: string };

export interface CompletionPlan {
  /** Connection flags typed earlier on the line, so lookups go where the command will. */
  flags: { namespace?: string; context?: string; kubeconfig?: string };
  need: CompletionNeed;
}

export const SUBCOMMANDS: Candidate[] = [
  { value: 'status', description: 'List active copies' },
  { value: 'delete', description: 'Delete copies' },
  { value: 'extend', description: 'Push the expiry of copies to now + --ttl' },
  { value: 'gc', description: 'Restore workloads held by crashed sessions, delete expired copies' },
  { value: 'version', description: 'Print the plugin and server versions' },
  { value: 'completion', description: 'Print the kubectl_complete-copy_target helper' },
  { value: 'run', description: 'Copy a target and run a local command against the copy' },
];

/** The short spelling offered for each kind when nothing is typed yet. */
const SHORT_KIND: Record<TargetKind, string> = {
  pod: 'pod',
  deployment: 'deploy',
  statefulset: 'sts',
  replicaset: 'rs',
  rollout: 'ro',
  job: 'job',
  cronjob: 'cj',
  service: 'svc',
};
const KIND_SPELLINGS = [...new Set([...Object.values(SHORT_KIND), ...TARGET_KINDS, 'po'])];

const OUTPUTS: Record<string, string[]> = {
  status: ['wide', 'json', 'yaml'],
  copy: ['json', 'yaml', 'name'],
  extend: ['json', 'yaml', 'name'],
};

const filter = (candidates: Candidate[], partial: string): Candidate[] => candidates.filter((c) => c.value.startsWith(partial));
const staticNeed = (candidates: Candidate[], partial: string, directive: number = Directive.noFileComp): CompletionNeed => ({
  type: 'static',
  candidates: filter(candidates, partial),
  directive,
});

/** `words`: what follows `copy-target` on the line; the last is the word being completed (maybe ""). */
export function planCompletion(words: string[]): CompletionPlan {
  const typed = words.slice(0, -1);
  // Stryker disable next-line StringLiteral: the complete command passes [''] for an empty line, never []
  const current = words.at(-1) ?? '';
  const flags: CompletionPlan['flags'] = {};
  const positionals: string[] = [];
  let afterDashDash = false;
  for (let i = 0; i < typed.length; i++) {
    const word = typed[i]!;
    if (afterDashDash) continue;
    if (word === '--') {
      afterDashDash = true;
      continue;
    }
    // Stryker disable next-line StringLiteral: a word with "=" that is no flag is split into a name that is no flag either
    const [name, inline] = word.startsWith('-') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    if (VALUE_FLAGS.has(name)) {
      const value = inline ?? typed[++i];
      // Stryker disable next-line ConditionalExpression: the flag is the last word typed: an undefined value sets nothing, and the loop ends anyway
      if (value === undefined) break;
      if (name === '-n' || name === '--namespace') flags.namespace = value;
      else if (name === '--context') flags.context = value;
      else if (name === '--kubeconfig') flags.kubeconfig = value;
    } else if (!word.startsWith('-')) {
      positionals.push(word);
    }
  }
  const command = positionals[0] && SUBCOMMAND_NAMES.has(positionals[0]) ? positionals[0] : positionals.length ? 'copy' : undefined;
  // `run TARGET`: the word after `run` is a target, as the first word of a copy is.
  const wantsTarget = command === undefined || (command === 'run' && positionals.length === 1);
  return { flags, need: need(afterDashDash, typed.at(-1), current, command, wantsTarget) };
}

function need(afterDashDash: boolean, previous: string | undefined, current: string, command: string | undefined, wantsTarget: boolean): CompletionNeed {
  if (afterDashDash) return staticNeed([], current, Directive.default); // the user's own command
  const flagValue = valueOfFlag(previous, current);
  if (flagValue) {
    const { flag, prefix, partial } = flagValue;
    if (flag === '-n' || flag === '--namespace') return { type: 'namespaces', prefix, partial };
    if (flag === '--context') return { type: 'contexts', prefix, partial };
    if (flag === '--kubeconfig') return staticNeed([], partial, Directive.default); // a file
    if (flag === '-o' || flag === '--output') {
      return staticNeed((OUTPUTS[command ?? 'copy'] ?? []).map((v) => ({ value: prefix + v })), prefix + partial);
    }
    if (flag === '--shell') return staticNeed(COMPLETION_SHELLS.map((v) => ({ value: prefix + v })), prefix + partial);
    if (flag === '--dry-run') return staticNeed(['none', 'client', 'server'].map((v) => ({ value: prefix + v })), prefix + partial);
    return staticNeed([], partial); // a duration, an image, a container name: nothing to offer
  }
  // Stryker disable next-line ArrayDeclaration: a placeholder candidate does not start with the "-" being typed, so it is filtered out
  if (current.startsWith('-')) return staticNeed([], current);
  if (wantsTarget) {
    if (!current.includes('/')) {
      const kinds = (current ? KIND_SPELLINGS : Object.values(SHORT_KIND)).map((k) => ({ value: `${k}/` }));
      const candidates = command === undefined ? [...SUBCOMMANDS, ...kinds] : kinds;
      const matching = filter(candidates, current);
      // Only kinds left: do not add a space after "deploy/", the name comes next.
      const onlyKinds = matching.length > 0 && matching.every((c) => c.value.endsWith('/'));
      return staticNeed(matching, '', onlyKinds ? Directive.noSpace | Directive.noFileComp : Directive.noFileComp);
    }
    return targetNeed(current);
  }
  if (command === 'delete' || command === 'extend') return { type: 'copies', partial: current };
  return staticNeed([], current); // status, gc, version, completion take no arguments; a copy (and run) one target
}

function valueOfFlag(previous: string | undefined, current: string): { flag: string; prefix: string; partial: string } | undefined {
  // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: without "=", the flag is the word less its last character, and completing its value offers nothing that starts with the word
  if (current.startsWith('-') && current.includes('=')) {
    const at = current.indexOf('=');
    const flag = current.slice(0, at);
    // Stryker disable next-line ConditionalExpression: a flag that takes no value (--scale-down=x) is offered nothing either way
    if (VALUE_FLAGS.has(flag)) return { flag, prefix: current.slice(0, at + 1), partial: current.slice(at + 1) };
  }
  // Stryker disable next-line ConditionalExpression: VALUE_FLAGS.has(undefined) is false
  if (previous !== undefined && VALUE_FLAGS.has(previous)) return { flag: previous, prefix: '', partial: current };
  return undefined;
}

/** `KIND/partial`, `KIND/NAME/`, `KIND/NAME/container/partial`. */
function targetNeed(current: string): CompletionNeed {
  const parts = current.split('/');
  const kind = resolveKindAlias(parts[0]!);
  // Stryker disable next-line ArrayDeclaration: a placeholder candidate does not start with the KIND/ typed, so it is filtered out
  if (!kind) return staticNeed([], current);
  if (parts.length === 2) return { type: 'names', kind, typedKind: parts[0]!, partial: parts[1]! };
  const prefix = `${parts[0]}/${parts[1]}/`;
  if (parts.length === 3) return staticNeed([{ value: `${prefix}container/` }], current, Directive.noSpace | Directive.noFileComp);
  if (parts.length === 4 && parts[2] === 'container') {
    return { type: 'containers', kind, name: parts[1]!, prefix: `${prefix}container/`, partial: parts[3]! };
  }
  // Stryker disable next-line ArrayDeclaration: a placeholder candidate does not start with the KIND/NAME/ typed, so it is filtered out
  return staticNeed([], current);
}

/**
 * cobra's answer format. Values and descriptions are escaped one by one (a copy's pod name comes
 * from an annotation anyone can edit), so neither can break a line or reach the terminal raw.
 */
export function formatCompletion(candidates: Candidate[], directive: number): string {
  const lines = candidates.map((c) => (c.description ? `${escapeTerminal(c.value)}\t${escapeTerminal(c.description)}` : escapeTerminal(c.value)));
  return `${[...lines, `:${directive}`].join('\n')}\n`;
}

/** The shells `completion --shell` writes a helper for. */
export const COMPLETION_SHELLS = ['sh', 'cmd'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** The helper kubectl runs for `kubectl copy-target <TAB>`; krew links only one binary. */
export function completionHelper(shell: CompletionShell): string {
  return shell === 'cmd' ? COMPLETION_CMD : COMPLETION_SCRIPT;
}

const COMPLETION_SCRIPT = `#!/bin/sh
# kubectl (>= 1.26) runs this for "kubectl copy-target <TAB>". Install: put it on PATH, executable,
# named kubectl_complete-copy_target. Generated by "kubectl copy-target completion".
exec kubectl-copy_target __complete "$@"
`;

// kubectl on Windows finds its helper with Go's exec.LookPath, which tries PATHEXT (.exe, .bat,
// .cmd; never .ps1), so a .cmd serves PowerShell too. cmd expands %* before it parses & | < >:
// the words are kept in a variable and read back with delayed expansion (after that parse), so a
// typed & or | is passed on, not run.
const COMPLETION_CMD = [
  '@echo off',
  'rem kubectl 1.26 or later runs this for "kubectl copy-target TAB" in any Windows shell, PowerShell',
  'rem included. Install: put it on PATH named kubectl_complete-copy_target.cmd.',
  'rem Generated by "kubectl copy-target completion --shell cmd".',
  'setlocal DisableDelayedExpansion',
  'set "words=%*"',
  'setlocal EnableDelayedExpansion',
  'kubectl-copy_target.exe __complete !words!',
  '',
].join('\r\n');
