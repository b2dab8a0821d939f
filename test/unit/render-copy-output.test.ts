import { describe, expect, it } from 'vitest';
import { printJob, printPod } from '../../src/render/copy-output.js';
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

describe('printJob', () => {
  it('names the dry run on the stream it is given', () => {
    const s = streams();
    printJob(s.streams.out, { metadata: { name: 'copy-web-abcde' } }, undefined, 'server');
    expect(s.out).toEqual(['job.batch/copy-web-abcde created (server dry run)\n']);
  });
});
