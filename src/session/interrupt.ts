import { CliError, ExitCode } from '../errors.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `work`, rejecting with an "interrupted" CliError when Ctrl-C, SIGTERM or SIGHUP arrives.
 * `work` gets an AbortSignal that fires then, so it can close its watches and timers at once.
 */
export async function untilInterrupted<T>(work: (abort: AbortSignal) => Promise<T>, what: string): Promise<T> {
  const controller = new AbortController();
  let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    onSignal = (signal) => {
      controller.abort();
      reject(new CliError(`interrupted by ${signal} while ${what}`, ExitCode.interrupted));
    };
  });
  for (const s of SIGNALS) process.once(s, onSignal!);
  try {
    return await Promise.race([work(controller.signal), interrupted]);
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal!);
  }
}

/** Resolves with the signal's name when one arrives; the returned function stops listening. */
export function nextSignal(): { signal: Promise<NodeJS.Signals>; stop: () => void } {
  let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  for (const s of SIGNALS) process.once(s, onSignal!);
  return { signal, stop: () => SIGNALS.forEach((s) => process.off(s, onSignal!)) };
}

/**
 * Runs cleanup that must finish (restoring a workload) with signals swallowed, so an impatient
 * second Ctrl-C cannot leave the workload scaled down.
 */
export async function shielded<T>(stderr: NodeJS.WritableStream, cleanup: () => Promise<T>): Promise<T> {
  const onSignal = () => stderr.write('still cleaning up (deleting the copy, restoring the original); please wait\n');
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    return await cleanup();
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
  }
}
