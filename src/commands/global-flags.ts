import type { ConnectionFlags } from '../kube/config.js';

/** Flags every command accepts, as kubectl spells them. */
export interface GlobalFlags extends ConnectionFlags {
  v?: number;
}
