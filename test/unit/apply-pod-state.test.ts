import { describe, it, expect } from 'vitest';
import type { V1Pod } from '../../src/kube/types.js';
import { firstSentence, podState } from '../../src/apply/pod-state.js';

const scheduled = { type: 'PodScheduled', status: 'True' };

function pod(status: V1Pod['status'], name: string | null = 'copy-web-abcde-x1y2z'): V1Pod {
  return { metadata: name === null ? {} : { name }, status };
}

describe('podState', () => {
  it('is running when the phase is Running', () => {
    expect(
      podState(pod({ phase: 'Running', conditions: [scheduled], containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: { running: {} } }] })),
    ).toEqual({ state: 'running' });
  });

  it('is terminating once it has a deletionTimestamp, though the phase still says Running', () => {
    const dying: V1Pod = { ...pod({ phase: 'Running', conditions: [scheduled] }), metadata: { name: 'copy-web-abcde-x1y2z', deletionTimestamp: new Date() } };
    expect(podState(dying)).toEqual({ state: 'terminating' });
  });

  it('is pending, waiting to be scheduled, with no scheduling condition yet', () => {
    expect(podState(pod({ phase: 'Pending' }))).toEqual({ state: 'pending', detail: 'waiting to be scheduled' });
    expect(podState(pod(undefined))).toEqual({ state: 'pending', detail: 'waiting to be scheduled' });
    expect(podState(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulerError' }] }))).toEqual({
      state: 'pending',
      detail: 'waiting to be scheduled',
    });
  });

  it('is pending, starting containers, once scheduled', () => {
    expect(
      podState(
        pod({
          phase: 'Pending',
          conditions: [scheduled],
          containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
        }),
      ),
    ).toEqual({ state: 'pending', detail: 'starting containers' });
  });

  it.each(['ErrImagePull', 'ImagePullBackOff', 'CreateContainerConfigError'])('fails on %s in containerStatuses', (reason) => {
    const result = podState(
      pod({
        phase: 'Pending',
        conditions: [scheduled],
        containerStatuses: [
          { name: 'sidecar', image: 'envoy', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
          { name: 'app', image: 'nginx:nope', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message: 'something is wrong' } } },
        ],
      }),
    );
    expect(result).toEqual({ state: 'failed', reason: `container app of pod copy-web-abcde-x1y2z cannot start: ${reason}: something is wrong` });
  });

  it.each(['ErrImagePull', 'ImagePullBackOff', 'CreateContainerConfigError'])('fails on %s in initContainerStatuses', (reason) => {
    const result = podState(
      pod({
        phase: 'Pending',
        conditions: [scheduled],
        initContainerStatuses: [
          { name: 'init-db', image: 'migrate', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message: 'secret "db" not found' } } },
        ],
        containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      }),
    );
    expect(result).toEqual({ state: 'failed', reason: `container init-db of pod copy-web-abcde-x1y2z cannot start: ${reason}: secret "db" not found` });
  });

  it('omits a missing waiting message and names an unnamed pod <pod>', () => {
    const result = podState(
      pod(
        { phase: 'Pending', containerStatuses: [{ name: 'app', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull' } } }] },
        null,
      ),
    );
    expect(result).toEqual({ state: 'failed', reason: 'container app of pod <pod> cannot start: ErrImagePull' });
  });

  it('keeps waiting when the scheduler reports Unschedulable (an autoscaler may bring a node), with the reason', () => {
    const result = podState(
      pod({
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }],
      }),
    );
    expect(result).toEqual({
      state: 'pending',
      detail: 'cannot be scheduled yet (Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.)',
      unschedulable: 'Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.',
    });
  });

  it('fails on phase Failed, with reason and message', () => {
    expect(podState(pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }))).toEqual({
      state: 'failed',
      reason: 'pod copy-web-abcde-x1y2z failed: Evicted: The node was low on resource: memory.',
    });
    expect(podState(pod({ phase: 'Failed' }))).toEqual({ state: 'failed', reason: 'pod copy-web-abcde-x1y2z failed' });
  });

  it('fails on phase Succeeded: the copy exited', () => {
    expect(podState(pod({ phase: 'Succeeded', conditions: [scheduled] }))).toEqual({ state: 'failed', reason: 'pod copy-web-abcde-x1y2z exited' });
  });

  it('keeps a CrashLoopBackOff pod in phase Running as running', () => {
    expect(
      podState(
        pod({
          phase: 'Running',
          conditions: [scheduled],
          containerStatuses: [
            { name: 'app', image: 'nginx', imageID: '', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } } },
          ],
        }),
      ),
    ).toEqual({ state: 'running' });
  });
});

describe('firstSentence: the scheduler reason as one clean sentence', () => {
  it('drops the preemption report and trailing fragments', () => {
    expect(firstSentence('0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found')).toBe(
      '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.',
    );
    expect(
      firstSentence("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."),
    ).toBe("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.");
    expect(firstSentence('0/3 nodes are available: 3 Insufficient cpu.')).toBe('0/3 nodes are available: 3 Insufficient cpu.');
    expect(firstSentence(undefined)).toBeUndefined();
    expect(firstSentence('')).toBeUndefined();
  });
});
