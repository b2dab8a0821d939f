import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { commandEnvironment, commandLine, defaultContainer, exitCodeOf, fillPlaceholders, hasPlaceholder, shellQuote, type CopyFacts } from '../../src/plan/local-command.js';

const facts: CopyFacts = { pod: 'copy-web-ab12c-xy34z', namespace: 'shop', container: 'app', context: 'prod', job: 'copy-web-ab12c' };

describe('fillPlaceholders', () => {
  it('fills every placeholder inside any word, as often as it appears', () => {
    expect(fillPlaceholders(['mirrord', 'exec', '--target', 'pod/{pod}/container/{container}', '-n', '{namespace}', '--', 'node', 'app.js'], facts)).toEqual([
      'mirrord', 'exec', '--target', 'pod/copy-web-ab12c-xy34z/container/app', '-n', 'shop', '--', 'node', 'app.js',
    ]);
    expect(fillPlaceholders(['{job}:{job}', '--context={context}'], facts)).toEqual(['copy-web-ab12c:copy-web-ab12c', '--context=prod']);
  });

  it('leaves other braces alone (a jq filter, {}, an unknown name, a wrong case)', () => {
    expect(fillPlaceholders(['jq', '{a: .pod}', '{}', '{Pod}', '{pods}', '{ pod }'], facts)).toEqual(['jq', '{a: .pod}', '{}', '{Pod}', '{pods}', '{ pod }']);
  });

  it('fills in one pass: a value that contains a placeholder is not filled again', () => {
    expect(fillPlaceholders(['{context}'], { ...facts, context: 'ctx-{pod}' })).toEqual(['ctx-{pod}']);
  });

  it('takes a value with $ patterns literally (String.replace would expand $& in a replacement string)', () => {
    expect(fillPlaceholders(['{context}'], { ...facts, context: "a$&b$'c" })).toEqual(["a$&b$'c"]);
  });

  it('says whether a word holds a placeholder', () => {
    expect(hasPlaceholder('{pod}')).toBe(true);
    expect(hasPlaceholder('x{namespace}y')).toBe(true);
    expect(hasPlaceholder('kubectl')).toBe(false);
    expect(hasPlaceholder('{}')).toBe(false);
  });
});

describe('commandEnvironment', () => {
  it('adds COPY_TARGET_* to the base environment without changing it', () => {
    const base = { PATH: '/bin', KUBECONFIG: '/home/me/.kube/a:/home/me/.kube/b' };
    const env = commandEnvironment(base, facts);
    expect(env).toEqual({
      PATH: '/bin',
      KUBECONFIG: '/home/me/.kube/a:/home/me/.kube/b',
      COPY_TARGET_POD: 'copy-web-ab12c-xy34z',
      COPY_TARGET_NAMESPACE: 'shop',
      COPY_TARGET_CONTAINER: 'app',
      COPY_TARGET_CONTEXT: 'prod',
      COPY_TARGET_JOB: 'copy-web-ab12c',
    });
    expect(base).toEqual({ PATH: '/bin', KUBECONFIG: '/home/me/.kube/a:/home/me/.kube/b' });
  });

  it('sets KUBECONFIG to the --kubeconfig file the plugin used, and overrides stale COPY_TARGET_* from an outer run', () => {
    const env = commandEnvironment({ KUBECONFIG: '/other', COPY_TARGET_POD: 'outer' }, facts, '/abs/kubeconfig');
    expect(env.KUBECONFIG).toBe('/abs/kubeconfig');
    expect(env.COPY_TARGET_POD).toBe('copy-web-ab12c-xy34z');
  });
});

describe('shellQuote and commandLine', () => {
  it('leaves safe words bare and single-quotes the rest, so the line can be pasted into a shell', () => {
    expect(shellQuote('pod/copy-web-1')).toBe('pod/copy-web-1');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('echo $HOME')).toBe("'echo $HOME'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(commandLine(['sh', '-c', 'echo {pod}; exit 7'])).toBe("sh -c 'echo {pod}; exit 7'");
  });
});

describe('exitCodeOf', () => {
  it("is the process's own code, or 128 + N for a signal, as a shell reports it", () => {
    expect(exitCodeOf(0, null, constants.signals)).toBe(0);
    expect(exitCodeOf(7, null, constants.signals)).toBe(7);
    expect(exitCodeOf(null, 'SIGINT', constants.signals)).toBe(130);
    expect(exitCodeOf(null, 'SIGTERM', constants.signals)).toBe(143);
    expect(exitCodeOf(null, 'SIGKILL', constants.signals)).toBe(137);
    expect(exitCodeOf(null, null, constants.signals)).toBe(128);
  });
});

describe('defaultContainer', () => {
  const pod = (annotation?: string) => ({
    metadata: annotation === undefined ? {} : { annotations: { 'kubectl.kubernetes.io/default-container': annotation } },
    spec: { containers: [{ name: 'proxy' }, { name: 'app' }] },
  });
  it('is the container asked for, else the default-container annotation, else the first container', () => {
    expect(defaultContainer(pod('app'), 'proxy')).toBe('proxy');
    expect(defaultContainer(pod('app'), undefined)).toBe('app');
    expect(defaultContainer(pod(), undefined)).toBe('proxy');
    // An annotation naming no container of the copy (--exclude-container) is not followed.
    expect(defaultContainer(pod('gone'), undefined)).toBe('proxy');
    expect(defaultContainer({}, undefined)).toBe('');
  });
});
