import type { Argv } from 'yargs';
import { lastWins, repeated, type FlagsOf, type GlobalOptions } from './global-flags.js';

export function declareExtendFlags(y: Argv<GlobalOptions>) {
  return y
    .positional('names', { type: 'string', array: true, default: [], coerce: repeated, describe: 'Copy pods, copy jobs or KIND/NAME of originals' })
    .option('all', { type: 'boolean', default: false, describe: 'Extend every copy in the namespace' })
    .option('ttl', { type: 'string', coerce: lastWins, describe: 'The copy expires this long from now (on the API server\'s clock), e.g. 2h' })
    .option('output', { alias: 'o', type: 'string', coerce: lastWins, describe: 'json|yaml|name: print the extended copy jobs' })
    .example('$0 extend copy-worker-x7k2p --ttl 2h', 'the copy (and a detached hold) now ends 2 hours from now')
    .example('$0 extend deploy/worker --ttl 30m', 'every copy of deployment/worker');
}

export type ExtendFlags = FlagsOf<typeof declareExtendFlags>;
