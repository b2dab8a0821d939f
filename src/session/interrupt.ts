import { CliError, ExitCode } from '../errors.js';
import { writeLine, type IOStreams } from '../render/terminal.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const controller = new AbortController();
let received: NodeJS.Signals | undefined;
let signalsSeen = 0;
let guardedDepth = 0;
/** While a local command has the terminal (`run`), signals are its business: see routeSignalsTo. */
let routed: ((signal: NodeJS.Signals) => void) | undefined;

/** Aborted by the first Ctrl-C, SIGTERM or SIGHUP. */
export const interruption: AbortSignal = controller.signal;

/**
 * Installed once at start-up and never removed, so no moment is left where Node's default would
 * kill the process mid-write. Outside guarded work the first signal exits 130 at once. Inside it,
 * the first signal aborts `interruption` (the work winds down and restores), a second says to
 * wait, a third gives up. Output errors (a closed terminal after SIGHUP) must not kill the
 * restore either.
 */
export function installSignalHandlers(streams: IOStreams): void {
  streams.out.on('error', () => undefined);
  streams.err.on('error', () => undefined);
  for (const s of SIGNALS) {
    process.on(s, (signal: NodeJS.Signals) => {
      if (routed) return routed(signal);
      signalsSeen++;
      if (!received) {
        received = signal;
        controller.abort();
      }
      if (guardedDepth === 0) process.exit(ExitCode.interrupted);
      if (signalsSeen === 2) {
        writeLine(streams.err, 'still cleaning up (deleting the copy, restoring the original); interrupt again to give up');
      } else if (signalsSeen >= 3) {
        writeLine(streams.err, 'gave up cleaning up; run "kubectl copy-target gc" to restore what was left');
        process.exit(ExitCode.interrupted);
      }
    });
  }
}

/** Runs work that must not be killed by a signal: it watches `interruption` and cleans up itself. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  guardedDepth++;
  try {
    return await work();
  } finally {
    guardedDepth--;
  }
}

function interruptedError(what: string): CliError {
  return new CliError(`interrupted by ${received ?? 'a signal'} while ${what}`, ExitCode.interrupted);
}

/** Throws the interruption (if one came) before a step that must not start after it. */
export function throwIfInterrupted(what: string): void {
  if (interruption.aborted) throw interruptedError(what);
}

/**
 * Runs `work`, rejecting as soon as an interruption arrives (at once if one already has). `work`
 * gets the signal so it can close its watches and timers.
 */
export async function untilInterrupted<T>(work: (abort: AbortSignal) => Promise<T>, what: string): Promise<T> {
  throwIfInterrupted(what);
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    onAbort = () => reject(interruptedError(what));
    interruption.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work(interruption), interrupted]);
  } finally {
    interruption.removeEventListener('abort', onAbort!);
  }
}

/** Resolves with what ended a foreground session, when an interruption arrives. */
export function whenInterrupted(): Promise<string> {
  return new Promise((resolve) => {
    if (interruption.aborted) resolve(`received ${received}`);
    else interruption.addEventListener('abort', () => resolve(`received ${received}`), { once: true });
  });
}

/**
 * While a local command runs in the foreground (`run`), every signal goes to `onSignal` instead:
 * it neither interrupts the session nor exits, the command decides what a Ctrl-C means. Returns
 * the function that gives signals back to the session (from then on they interrupt it as usual).
 */
export function routeSignalsTo(onSignal: (signal: NodeJS.Signals) => void): () => void {
  routed = onSignal;
  return () => {
    if (routed === onSignal) routed = undefined;
  };
}
