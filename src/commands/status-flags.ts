import type { Argv } from 'yargs';
import type { FlagsOf, GlobalOptions } from './global-flags.js';

export function declareStatusFlags(y: Argv<GlobalOptions>) {
  return y
    .option('all-namespaces', { alias: 'A', type: 'boolean', default: false, describe: 'List copies in every namespace' })
    .option('output', { alias: 'o', type: 'string', describe: 'wide|json|yaml' });
}

export type StatusFlags = FlagsOf<typeof declareStatusFlags>;
