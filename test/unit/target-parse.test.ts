import { describe, it, expect } from 'vitest';
import { CliError, ExitCode, UsageError } from '../../src/errors.js';
import { TARGET_KINDS, type TargetKind } from '../../src/target/kinds.js';
import { kindName } from '../../src/kube/types.js';
import { parseTarget, resolveKindAlias } from '../../src/target/parse.js';

const GRAMMAR =
  'expected KIND/NAME[/container/CONTAINER] with KIND one of pod, deployment, statefulset, replicaset, rollout, job, cronjob, service';

const ALIASES: Record<TargetKind, string[]> = {
  pod: ['pod', 'pods', 'po'],
  deployment: ['deployment', 'deployments', 'deploy', 'deployment.apps', 'deployments.apps'],
  statefulset: ['statefulset', 'statefulsets', 'sts', 'statefulset.apps', 'statefulsets.apps'],
  replicaset: ['replicaset', 'replicasets', 'rs', 'replicaset.apps', 'replicasets.apps'],
  rollout: ['rollout', 'rollouts', 'ro', 'rollout.argoproj.io', 'rollouts.argoproj.io'],
  job: ['job', 'jobs', 'job.batch', 'jobs.batch'],
  cronjob: ['cronjob', 'cronjobs', 'cj', 'cronjob.batch', 'cronjobs.batch'],
  service: ['service', 'services', 'svc'],
};

const ALIAS_CASES = Object.entries(ALIASES).flatMap(([kind, spellings]) =>
  spellings.map((spelling) => [spelling, kind] as const),
);

function usageMessage(text: string): string {
  try {
    parseTarget(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toBeInstanceOf(CliError);
    expect((error as UsageError).exitCode).toBe(ExitCode.usage);
    return (error as UsageError).message;
  }
  throw new Error(`parseTarget(${JSON.stringify(text)}) did not throw`);
}

describe('parseTarget', () => {
  it('covers every target kind in the alias table', () => {
    expect(Object.keys(ALIASES).sort()).toEqual([...TARGET_KINDS].sort());
  });

  it.each(ALIAS_CASES)('reads kind %s as %s', (spelling, kind) => {
    expect(parseTarget(`${spelling}/web`)).toEqual({ kind, name: 'web' });
  });

  it.each(ALIAS_CASES)('reads kind %s case-insensitively', (spelling, kind) => {
    expect(parseTarget(`${spelling.toUpperCase()}/web`)).toEqual({ kind, name: 'web' });
    expect(resolveKindAlias(spelling[0]!.toUpperCase() + spelling.slice(1))).toBe(kind);
  });

  it('keeps the name exactly as written', () => {
    expect(parseTarget('Deploy/py-serv-deployment.v2')).toEqual({ kind: 'deployment', name: 'py-serv-deployment.v2' });
  });

  it('omits container when none is named', () => {
    expect(parseTarget('pod/web')).not.toHaveProperty('container');
  });

  it('reads an explicit container', () => {
    expect(parseTarget('sts/db/container/postgres')).toEqual({ kind: 'statefulset', name: 'db', container: 'postgres' });
  });

  it.each([
    ['', 'empty target ""'],
    ['web', 'target "web" has no kind'],
    ['/web', 'empty kind in target "/web"'],
    ['/', 'empty kind in target "/"'],
    ['foo/bar', 'unknown kind "foo" in target "foo/bar"'],
    ['constructor/x', 'unknown kind "constructor" in target "constructor/x"'],
    ['deployment/', 'empty name in target "deployment/"'],
    ['deployment//container/app', 'empty name in target "deployment//container/app"'],
    ['deployment/web/', 'expected "container" after the name in target "deployment/web/", got ""'],
    ['deployment/web/app', 'expected "container" after the name in target "deployment/web/app", got "app"'],
    ['deployment/web/containers/app', 'expected "container" after the name in target "deployment/web/containers/app", got "containers"'],
    ['deployment/web/container', 'empty container in target "deployment/web/container"'],
    ['deployment/web/container/', 'empty container in target "deployment/web/container/"'],
    ['deployment/web/container/app/extra', 'unexpected extra segment "extra" in target "deployment/web/container/app/extra"'],
    ['deployment/web/container/app/', 'unexpected extra segment "" in target "deployment/web/container/app/"'],
    ['deployment/web/container/app/a/b', 'unexpected extra segment "a/b" in target "deployment/web/container/app/a/b"'],
  ])('rejects %j', (text, problem) => {
    expect(usageMessage(text)).toBe(`${problem}; ${GRAMMAR}`);
  });

  it('reports errors on one line', () => {
    expect(usageMessage('foo/bar')).not.toContain('\n');
    expect(usageMessage('foo/bar')).toBe(
      'unknown kind "foo" in target "foo/bar"; expected KIND/NAME[/container/CONTAINER] with KIND one of pod, deployment, statefulset, replicaset, rollout, job, cronjob, service',
    );
  });
});

describe('resolveKindAlias', () => {
  it('returns undefined for an unknown spelling', () => {
    expect(resolveKindAlias('daemonset')).toBeUndefined();
    expect(resolveKindAlias('toString')).toBeUndefined();
    expect(resolveKindAlias('')).toBeUndefined();
  });
});

describe('kindName', () => {
  it('joins the full kind and the name', () => {
    expect(kindName({ kind: 'deployment', name: 'web' })).toBe('deployment/web');
    expect(kindName({ kind: 'cronjob', name: 'nightly' })).toBe('cronjob/nightly');
  });

  it('names every kind in a form parseTarget reads back, so a message can be pasted as a target', () => {
    for (const kind of TARGET_KINDS) {
      expect(parseTarget(kindName({ kind, name: 'x' }))).toEqual({ kind, name: 'x' });
    }
  });
});

describe('DaemonSet targets', () => {
  it.each(['ds/agent', 'daemonset/agent', 'DaemonSets.apps/agent'])('%s is named as unsupported, with the reason and what to do', (text) => {
    expect(() => parseTarget(text)).toThrow(/^DaemonSets are not supported .*one pod on every node.*copy one of its pods instead \(pod\/NAME\)$/);
  });
});
