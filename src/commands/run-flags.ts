import type { Argv } from 'yargs';
import { declareCopyShapeFlags } from './copy-flags.js';
import { lastWins, repeated, type FlagsOf, type GlobalOptions } from './global-flags.js';

export function declareRunFlags(y: Argv<GlobalOptions>) {
  return declareCopyShapeFlags(
    y
      .positional('target', { type: 'string', demandOption: true, describe: 'pod|deployment|statefulset|replicaset|rollout|job|cronjob|service / NAME' })
      // Words here are a command typed without its --: validate says where it goes.
      .positional('command', { type: 'string', array: true, default: [], coerce: repeated, describe: 'The LOCAL command and its arguments, after -- (see below)' })
      .option('container', {
        alias: 'c',
        type: 'string',
        coerce: lastWins,
        describe: "Container that {container} and COPY_TARGET_CONTAINER name (default: the pod's default container); nothing in the copy is changed",
      }),
  )
    .option('dry-run', { type: 'string', coerce: lastWins, describe: 'client or server (alone: client): create nothing, print the command it would run' })
    .option('keep', {
      type: 'boolean',
      default: false,
      describe: 'Keep the copy when the command ends: it lives until --ttl or delete (with --scale-down the hold stays, detached)',
    })
    .example('$0 run deploy/worker --scale-down -- mirrord exec --target pod/{pod} -n {namespace} -- node app.js', 'run your app against the copy while the original is held at zero')
    .example('$0 run deploy/web -- kubectl exec -it {pod} -n {namespace} -- sh', 'a shell in the copy; the copy is deleted when the shell ends')
    .example('$0 run deploy/web -- kubectl port-forward -n {namespace} pod/{pod} 8080', 'forward a port to the copy until Ctrl-C')
    .epilogue(
      [
        "The words after -- are a LOCAL command, run on this machine once the copy is Running (in plain copy-target they replace the container's command). It gets the terminal: Ctrl-C goes to it, and SIGTERM or SIGHUP sent to the plugin are passed on to it.",
        "In its words {pod}, {namespace}, {container}, {context} and {job} are replaced by the copy's, and its environment has COPY_TARGET_POD, COPY_TARGET_NAMESPACE, COPY_TARGET_CONTAINER, COPY_TARGET_CONTEXT and COPY_TARGET_JOB (and KUBECONFIG, when --kubeconfig is given).",
        'When it ends, the copy is deleted and, with --scale-down, the original restored (unless --keep), and the plugin exits with its exit code (128+N for signal N). If the copy pod dies or the hold is lost meanwhile, the command gets SIGTERM (SIGKILL 10s later) and the plugin exits 4. A command that is not found exits 127, one that cannot be executed 126.',
      ].join('\n\n'),
    );
}

export type RunFlags = FlagsOf<typeof declareRunFlags>;
