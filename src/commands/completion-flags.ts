import type { Argv } from 'yargs';
import { COMPLETION_SHELLS } from '../complete/plan.js';
import type { FlagsOf, GlobalOptions } from './global-flags.js';

export function declareCompletionFlags(y: Argv<GlobalOptions>) {
  return y.option('shell', {
    choices: COMPLETION_SHELLS,
    // kubectl on Windows runs a .cmd helper whatever the shell (PowerShell included).
    default: process.platform === 'win32' ? ('cmd' as const) : ('sh' as const),
    describe: 'sh: the POSIX helper (Linux, macOS); cmd: kubectl_complete-copy_target.cmd for Windows (cmd and PowerShell)',
  });
}

export type CompletionFlags = FlagsOf<typeof declareCompletionFlags>;
