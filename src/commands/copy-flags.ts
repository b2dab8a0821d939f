import type { Argv } from 'yargs';
import { lastWins, repeated, type FlagsOf, type GlobalOptions } from './global-flags.js';

export function declareCopyFlags(y: Argv<GlobalOptions>) {
  return declareCopyShapeFlags(
    y
      .positional('target', { type: 'string', demandOption: true, describe: 'pod|deployment|statefulset|replicaset|rollout|job|cronjob|service / NAME' })
      .positional('command', { type: 'string', array: true, default: [], coerce: repeated, describe: 'The command to run instead, after --' })
      .option('container', { alias: 'c', type: 'string', coerce: lastWins, describe: 'Container whose command is replaced by the one after --' }),
  )
    .option('output', { alias: 'o', type: 'string', coerce: lastWins, describe: 'json|yaml|name: print the copy pod (the Job with --dry-run)' })
    .option('detach', { type: 'boolean', default: false, describe: 'With --scale-down: return once Running; the copy and the hold live until --ttl or delete' })
    .option('duration', { type: 'string', coerce: lastWins, describe: 'With --scale-down: end the session (and restore) after this long' })
    .example('$0 deployment/web', 'copy a pod of deployment web')
    .example('$0 deploy/web -c app -- sleep infinity', 'copy it with the app container sleeping instead of crashing')
    .example('$0 deploy/worker --scale-down', 'copy it and hold the original at zero replicas until Ctrl-C');
}

/** The flags that say what the copy is and how it lives: the copy's own and `run`'s. */
export function declareCopyShapeFlags<T>(y: Argv<T>) {
  return y
    .option('keep-probes', { type: 'boolean', default: false, describe: 'Keep liveness, readiness and startup probes' })
    .option('keep-labels', {
      type: 'boolean',
      default: true,
      describe: "Keep the original's labels on the copy (Services route traffic to it); --keep-labels=false gives it only the plugin's own",
    })
    .option('keep-scheduling-rules', {
      type: 'boolean',
      default: false,
      describe: "Keep pod anti-affinity and topology spread rules that select the original's own pods",
    })
    .option('exclude-container', { type: 'string', default: [], coerce: repeated, describe: 'Leave this container out of the copy (repeatable)' })
    .option('exclude-init-container', { type: 'string', default: [], coerce: repeated, describe: 'Leave this init container out (repeatable)' })
    .option('set-image', { type: 'string', default: [], coerce: repeated, describe: 'NAME=IMAGE (or *=IMAGE) image overrides, as kubectl debug' })
    .option('ttl', { type: 'string', coerce: lastWins, default: '8h', describe: 'Delete the copy after this long at the latest' })
    .option('pod-running-timeout', { type: 'string', coerce: lastWins, default: '5m', describe: 'How long to wait for the copy pod to be Running' })
    // No default: yargs gives a bare --dry-run the default too, and then created a real copy.
    .option('dry-run', { type: 'string', coerce: lastWins, describe: 'client or server (alone: client): print the Job, create nothing' })
    .option('scale-down', { type: 'boolean', default: false, describe: 'Scale the original to zero (suspend a Job/CronJob) while the copy lives' })
    .option('lease-duration', { type: 'string', coerce: lastWins, default: '30s', describe: 'How long a hold outlives a session that stopped renewing it (crash)' })
    .option('new', { type: 'boolean', default: false, describe: 'Always make a fresh copy instead of reusing your live one' });
}

export type CopyFlags = FlagsOf<typeof declareCopyFlags>;

/** The words after the target and those after `--` (yargs keeps them apart) are one command. */
export function copyFlagsFrom(args: CopyFlags): CopyFlags {
  return { ...args, command: [...args.command, ...repeated(args['--'])] };
}
