import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import { commandLine, exitCodeOf } from '../plan/local-command.js';
import type { LendingProgress } from '../render/progress.js';
import { routeSignalsTo, throwIfInterrupted } from './interrupt.js';

/** How long a command told to stop (SIGTERM) gets before it is killed (SIGKILL). */
export const STOP_GRACE_MS = 10_000;

/** How the local command ended. */
export interface CommandOutcome {
  /** As a shell reports it: its exit code, or 128 + N for signal N. */
  code: number;
  /** The signal that ended it, if one did. */
  signal?: NodeJS.Signals;
  /** Why it was told to stop before it ended on its own (the copy died, the hold was lost). */
  stopped?: string;
}

/**
 * Why `command` (the first word) cannot be started, as a shell would say it, or undefined when it
 * can: a path is checked as it is, a bare name is looked up on PATH. Checked before anything is
 * written to the cluster, so a typo never scales a workload down.
 */
export function whyNotRunnable(command: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): CliError | undefined {
  // Windows finds commands through PATHEXT and its own rules; spawn's own error says it there.
  if (platform === 'win32') return undefined;
  const notFound = new CliError(`cannot run ${command}: command not found${command.includes('/') ? '' : ' on PATH'}`, ExitCode.commandNotFound);
  const notExecutable = (path: string) => new CliError(`cannot run ${command}: ${path} is not an executable file`, ExitCode.commandNotExecutable);
  const candidates = command.includes('/') ? [command] : (env.PATH ?? '').split(delimiter).map((dir) => join(dir || '.', command));
  let found: string | undefined;
  for (const path of candidates) {
    const kind = fileKind(path);
    if (kind === 'executable') return undefined;
    if (kind === 'other') found ??= path;
  }
  return found === undefined ? notFound : notExecutable(found);
}

function fileKind(path: string): 'executable' | 'other' | 'none' {
  try {
    if (!statSync(path).isFile()) return 'other';
  } catch {
    return 'none';
  }
  try {
    accessSync(path, fsConstants.X_OK);
    return 'executable';
  } catch {
    return 'other';
  }
}

/**
 * Runs the local command in the foreground: it gets the terminal (stdin, stdout, stderr) and stays
 * in the plugin's process group, so a Ctrl-C from the terminal reaches it directly; the plugin
 * ignores its own Ctrl-C meanwhile and waits for it. SIGTERM and SIGHUP sent to the plugin are
 * passed on. `watch` is started once it runs and calls back when the copy is gone (or the hold
 * lost): the command is then told to stop (SIGTERM). A command told to stop that is still running
 * STOP_GRACE_MS later is killed (SIGKILL), so nothing holds the session open forever.
 */
export async function runInForeground(
  words: string[],
  env: NodeJS.ProcessEnv,
  progress: LendingProgress,
  watch: (stop: (reason: string) => void) => () => void,
): Promise<CommandOutcome> {
  throwIfInterrupted(`starting ${words[0]}`);
  const name = words[0]!;
  const giveBack = progress.lendTerminal();
  let stopped: string | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let stopWatch: (() => void) | undefined;
  let exited = false;
  const child = spawn(name, words.slice(1), { stdio: 'inherit', env });
  const stop = (signal: NodeJS.Signals): void => {
    if (exited) return;
    child.kill(signal);
    if (killTimer !== undefined) return;
    killTimer = setTimeout(() => {
      if (exited) return;
      progress.warn(`${name} is still running ${STOP_GRACE_MS / 1000}s after ${signal}; killing it (SIGKILL)`);
      child.kill('SIGKILL');
    }, STOP_GRACE_MS);
  };
  // A Ctrl-C from the terminal went to the whole process group: the command has it already.
  const unroute = routeSignalsTo((signal) => {
    if (signal === 'SIGINT') return;
    progress.warn(`received ${signal}; passing it on to ${name} (SIGKILL in ${STOP_GRACE_MS / 1000}s if it is still running)`);
    stop(signal);
  });
  try {
    return await new Promise<CommandOutcome>((resolve, reject) => {
      child.on('error', (err: NodeJS.ErrnoException) => {
        // Only a command that never started: a kill() that fails after it has exited is not news.
        if (child.pid !== undefined) return;
        exited = true;
        reject(startFailure(name, env, err));
      });
      child.once('spawn', () => {
        stopWatch = watch((reason) => {
          if (stopped !== undefined || exited) return;
          stopped = reason;
          progress.warn(`${reason}; stopping ${name} (SIGTERM, then SIGKILL if it is still running ${STOP_GRACE_MS / 1000}s later)`);
          stop('SIGTERM');
        });
      });
      child.once('exit', (code, signal) => {
        exited = true;
        const outcome: CommandOutcome = { code: exitCodeOf(code, signal, osConstants.signals) };
        if (signal) outcome.signal = signal;
        if (stopped !== undefined) outcome.stopped = stopped;
        resolve(outcome);
      });
    });
  } finally {
    clearTimeout(killTimer);
    stopWatch?.();
    unroute();
    giveBack();
  }
}

/** Why spawn could not start the command (it passed whyNotRunnable, so it changed since, or its interpreter is missing). */
function startFailure(name: string, env: NodeJS.ProcessEnv, err: NodeJS.ErrnoException): CliError {
  if (err.code === 'ENOENT') {
    // The file is there, yet exec said ENOENT: its #! interpreter is missing (a shell says 126).
    return whyNotRunnable(name, env) ?? new CliError(`cannot run ${name}: its #! interpreter was not found`, ExitCode.commandNotExecutable);
  }
  return new CliError(`cannot run ${name}: ${err.message}`, ExitCode.commandNotExecutable);
}

/** What the line after the command says: `sh exited with code 7`, `sh was ended by SIGINT (exit code 130)`. */
export function describeExit(words: string[], { code, signal }: CommandOutcome): string {
  return signal ? `${words[0]} was ended by ${signal} (exit code ${code})` : `${words[0]} exited with code ${code}`;
}

/** The line before it starts. */
export const describeStart = (words: string[]): string => `running ${commandLine(words)}`;
