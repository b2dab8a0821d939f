import { writeLine } from './render/terminal.js';

/**
 * Test-only fault injection, to prove a crash at any step is recoverable (see README, "Crashes").
 * COPY_TARGET_FAULT=<step> makes the CLI die at that step at once, without any cleanup, as
 * kill -9 would. COPY_TARGET_FAULT=pause:<step> instead stalls there for 4 s without reacting to
 * signals, as a slow API request would, so a test can land a Ctrl-C inside that step. Unset (as
 * for every user), each point is one string comparison.
 */
export const FAULT_STEPS = [
  /** --scale-down: the hold is written and the original's pods are gone; the copy Job is next. */
  'after-hold',
  /** The copy Job was created; its pod is not Running yet. */
  'after-job-created',
  /** The copy pod exists and is being waited for. */
  'while-waiting',
  /** --scale-down --detach: the hold was handed to the copy's lifetime. */
  'after-detach',
  /** The end of a session: the copy is deleted, the original not yet restored. */
  'during-restore',
  /** `delete`: the copy is deleted, the original not yet restored. */
  'during-delete',
  /** `gc`: a hold or copy was judged stale, nothing written yet. */
  'gc-after-judging',
  /** `gc`: a stale session's copy was deleted (if it had one) and its pod is gone; its hold is not restored yet. */
  'during-gc',
] as const;

export type FaultStep = (typeof FAULT_STEPS)[number];

const PAUSE_MS = 4000;

/** Where a pause is announced: the stream a test reads (cli.ts passes stderr). */
let announcements: Pick<NodeJS.WriteStream, 'write'> | undefined;

export function announceFaultsOn(stream: Pick<NodeJS.WriteStream, 'write'>): void {
  announcements = stream;
}

export async function faultPoint(step: FaultStep): Promise<void> {
  const fault = process.env.COPY_TARGET_FAULT;
  if (fault === undefined) return;
  if (fault === step) process.kill(process.pid, 'SIGKILL');
  if (fault === `pause:${step}`) {
    if (announcements) writeLine(announcements, `fault: pausing ${PAUSE_MS / 1000}s at ${step}`); // what the test waits for
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
}
