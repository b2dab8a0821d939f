import type { Argv } from 'yargs';
import { repeated, type FlagsOf, type GlobalOptions } from './global-flags.js';

export function declareDeleteFlags(y: Argv<GlobalOptions>) {
  return y
    .positional('names', { type: 'string', array: true, default: [], coerce: repeated, describe: 'Copy pods, copy jobs or KIND/NAME of originals' })
    .option('all', { type: 'boolean', default: false, describe: 'Delete every copy in the namespace' });
}

export type DeleteFlags = FlagsOf<typeof declareDeleteFlags>;
