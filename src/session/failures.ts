import { CliError, ExitCode, messageOf } from '../errors.js';
import { writeLine, type IOStreams } from '../render/terminal.js';

/**
 * kubectl delete's way with several names, shared by `delete` and `extend`: go on past a copy that
 * fails, keep its one line, and fail at the end. An interruption is not a failure: it ends the run.
 */
export class Failures {
  constructor(private readonly lines: string[] = []) {}

  add(line: string): void {
    this.lines.push(line);
  }

  /** Runs the work for one copy; a failure is kept as its line. */
  async attempt(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (err instanceof CliError && err.exitCode === ExitCode.interrupted) throw err;
      this.lines.push(messageOf(err));
    }
  }

  get count(): number {
    return this.lines.length;
  }

  /** One error line for each failure; the last one is the command's error (exit 1). */
  report(streams: IOStreams): void {
    const last = this.lines.pop();
    for (const line of this.lines) writeLine(streams.err, `error: ${line}`);
    if (last !== undefined) throw new CliError(last);
  }
}
