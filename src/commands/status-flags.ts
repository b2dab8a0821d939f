import type { Argv } from 'yargs';
import { lastWins, type FlagsOf, type GlobalOptions } from './global-flags.js';

export function declareStatusFlags(y: Argv<GlobalOptions>) {
  return y
    .option('all-namespaces', { alias: 'A', type: 'boolean', default: false, describe: 'List copies in every namespace' })
    .option('output', { alias: 'o', type: 'string', coerce: lastWins, describe: 'wide|json|yaml' });
}

export type StatusFlags = FlagsOf<typeof declareStatusFlags>;
