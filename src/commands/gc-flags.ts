import type { Argv } from 'yargs';
import type { FlagsOf, GlobalOptions } from './global-flags.js';

export function declareGcFlags(y: Argv<GlobalOptions>) {
  return y.option('all-namespaces', { alias: 'A', type: 'boolean', default: false, describe: 'Collect in every namespace' });
}

export type GcFlags = FlagsOf<typeof declareGcFlags>;
