import type { V1Job, V1Pod } from '../kube/types.js';
import { toYaml } from '../kube/yaml.js';
import { formatName, formatObjects, type OutputFormat } from './output.js';
import { writeData, writeLine, type IOStreams } from './terminal.js';

// What a copy prints: the pod (or, for a dry run, the Job) on stdout, the next steps on stderr.

export function printPod(streams: IOStreams, pod: V1Pod, { output, container }: { output: OutputFormat; container?: string }): void {
  const name = pod.metadata!.name!;
  if (output === 'json' || output === 'yaml') {
    writeData(streams.out, formatObjects([withoutManagedFields({ apiVersion: 'v1', kind: 'Pod', ...pod })], output, toYaml));
  } else if (output === 'name') {
    writeLine(streams.out, formatName('pod', name));
  } else {
    writeLine(streams.out, name);
    // One suggestion a line: together they wrapped on a 140-column terminal.
    for (const line of nextSteps({ name, namespace: pod.metadata!.namespace!, container })) writeLine(streams.err, line);
  }
}

/** ` -n NS` for a suggested command, or nothing in the default namespace. */
export const namespaceFlag = (namespace: string): string => (namespace === 'default' ? '' : ` -n ${namespace}`);

/** The `Next:` hint after a copy: each suggestion on its own short line. */
function nextSteps({ name, namespace, container }: { name: string; namespace: string; container?: string }): string[] {
  const ns = namespaceFlag(namespace);
  const into = container === undefined ? '' : ` -c ${container}`;
  const targetPath = container === undefined ? `pod/${name}` : `pod/${name}/container/${container}`;
  return [`Next: kubectl exec -it ${name}${into}${ns} -- sh`, `  or: mirrord exec --target ${targetPath}${ns} -- <your app>`];
}

export function printJob(out: NodeJS.WriteStream, job: V1Job, output: OutputFormat, dryRun: 'client' | 'server'): void {
  const full = withoutManagedFields({ ...job, apiVersion: 'batch/v1', kind: 'Job' });
  if (output === 'json' || output === 'yaml') writeData(out, formatObjects([full], output, toYaml));
  else if (output === 'name') writeLine(out, formatName('job.batch', job.metadata!.name!));
  else writeLine(out, `${formatName('job.batch', job.metadata!.name!)} created (${dryRun} dry run)`);
}

/** kubectl hides managedFields unless asked (--show-managed-fields); so do we. */
export function withoutManagedFields<T extends { metadata?: { managedFields?: unknown } }>(object: T): T {
  const { managedFields: _hidden, ...metadata } = object.metadata ?? {};
  return { ...object, metadata };
}

/** `1 pod`, `2 pods`. */
export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
