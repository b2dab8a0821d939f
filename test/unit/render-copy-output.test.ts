import { describe, expect, it } from 'vitest';
import { plural, printJob, printPod } from '../../src/render/copy-output.js';
import type { IOStreams } from '../../src/render/terminal.js';

/** Two recording streams standing in for stdout and stderr. */
function streams(): { streams: IOStreams; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const recorder = (writes: string[]) => ({ write: (chunk: string) => writes.push(chunk) > 0 }) as unknown as NodeJS.WriteStream;
  return { streams: { out: recorder(out), err: recorder(err) }, out, err };
}

const pod = { metadata: { name: 'copy-web-abcde', namespace: 'shop', managedFields: [{ manager: 'kubelet' }] } };

describe('printPod', () => {
  it('writes the pod name to out and the next steps to err', () => {
    const s = streams();
    printPod(s.streams, pod, { output: undefined, container: 'app' });
    expect(s.out).toEqual(['copy-web-abcde\n']);
    expect(s.err).toEqual([
      'Next: kubectl exec -it copy-web-abcde -c app -n shop -- sh\n',
      '  or: mirrord exec --target pod/copy-web-abcde/container/app -n shop -- <your app>\n',
    ]);
  });

  it('writes only pod/NAME to out with -o name, and no hint', () => {
    const s = streams();
    printPod(s.streams, pod, { output: 'name' });
    expect(s.out).toEqual(['pod/copy-web-abcde\n']);
    expect(s.err).toEqual([]);
  });

  it('writes the pod as JSON to out with -o json, without managedFields', () => {
    const s = streams();
    printPod(s.streams, pod, { output: 'json' });
    expect(JSON.parse(s.out.join(''))).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'copy-web-abcde', namespace: 'shop' } });
    expect(s.err).toEqual([]);
  });
});

describe('printPod: the Next: hint', () => {
  it('in the default namespace the suggestions carry no -n; without a container they target the pod', () => {
    const s = streams();
    printPod(s.streams, { metadata: { name: 'copy-web-abcde', namespace: 'default' } }, { output: undefined });
    expect(s.out).toEqual(['copy-web-abcde\n']);
    expect(s.err).toEqual(['Next: kubectl exec -it copy-web-abcde -- sh\n', '  or: mirrord exec --target pod/copy-web-abcde -- <your app>\n']);
  });

  it('-o yaml: the pod as YAML on out with its kind, without managedFields, and no hint', () => {
    const s = streams();
    printPod(s.streams, pod, { output: 'yaml' });
    expect(s.out.join('')).toBe('apiVersion: v1\nkind: Pod\nmetadata:\n  name: copy-web-abcde\n  namespace: shop\n');
    expect(s.err).toEqual([]);
  });
});

describe('printJob', () => {
  const job = { metadata: { name: 'copy-web-abcde', managedFields: [{ manager: 'kubectl-copy-target' }] }, spec: { parallelism: 1, template: {} } };

  it('-o json and -o yaml: the whole Job with its kind, without managedFields', () => {
    const json = streams();
    printJob(json.streams.out, job, 'json', 'client');
    expect(JSON.parse(json.out.join(''))).toEqual({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'copy-web-abcde' }, spec: { parallelism: 1, template: {} } });
    const yaml = streams();
    printJob(yaml.streams.out, job, 'yaml', 'client');
    expect(yaml.out.join('')).toBe('apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: copy-web-abcde\nspec:\n  parallelism: 1\n  template: {}\n');
  });

  it('-o name: job.batch/NAME alone', () => {
    const s = streams();
    printJob(s.streams.out, job, 'name', 'client');
    expect(s.out).toEqual(['job.batch/copy-web-abcde\n']);
  });

  it('a client dry run says so', () => {
    const s = streams();
    printJob(s.streams.out, job, undefined, 'client');
    expect(s.out).toEqual(['job.batch/copy-web-abcde created (client dry run)\n']);
  });
});

describe('plural', () => {
  it('1 pod, 0 pods, 2 pods', () => {
    expect([plural(1, 'pod'), plural(0, 'pod'), plural(2, 'pod')]).toEqual(['1 pod', '0 pods', '2 pods']);
  });
});

describe('printJob (dry run)', () => {
  it('names the dry run on the stream it is given', () => {
    const s = streams();
    printJob(s.streams.out, { metadata: { name: 'copy-web-abcde' } }, undefined, 'server');
    expect(s.out).toEqual(['job.batch/copy-web-abcde created (server dry run)\n']);
  });
});
