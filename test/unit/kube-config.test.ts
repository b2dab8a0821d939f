import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConnection, MAX_TIMER_MS, timerLimitError, type ConnectionFlags } from '../../src/kube/config.js';
import { UsageError } from '../../src/errors.js';

// Kubeconfig files in a temporary directory; the home directory and KUBECONFIG point where each
// test says, and no in-cluster service account is in sight (as on a developer's machine). The home
// directory is mocked: os.homedir() does not follow a HOME changed in a worker thread.
const home = vi.hoisted(() => ({ dir: '' }));
vi.mock('node:os', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:os')>()), homedir: () => home.dir }));
// A pod's service account (kubectl's in-cluster config) is read from a fixed path under /var/run;
// the tests say whether one is there.
const pod = vi.hoisted(() => ({ serviceAccount: undefined as undefined | { server: string; caFile: string; tokenFile: string; namespace: string } }));
vi.mock('../../src/kube/in-cluster.js', () => ({ inClusterConfig: () => pod.serviceAccount }));
const dir = mkdtempSync(join(tmpdir(), 'copy-target-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

interface Doc {
  current?: string;
  clusters?: Array<{ name: string; cluster: Record<string, unknown> }>;
  users?: Array<{ name: string; user: Record<string, unknown> }>;
  contexts?: Array<{ name: string; context: Record<string, unknown> }>;
}
function kubeconfig(doc: Doc, name = `config-${++files}`): string {
  const file = join(dir, name);
  const { current, ...rest } = doc;
  writeFileSync(file, dump({ apiVersion: 'v1', kind: 'Config', ...(current && { 'current-context': current }), clusters: [], users: [], contexts: [], ...rest }));
  return file;
}

/** One context "dev": cluster "dev-cluster" at https://dev.example:6443, user "alice" with a token, namespace "shop". */
const DEV: Doc = {
  current: 'dev',
  clusters: [{ name: 'dev-cluster', cluster: { server: 'https://dev.example:6443', 'certificate-authority-data': 'Q0E=' } }],
  users: [{ name: 'alice', user: { token: 'alice-token' } }],
  contexts: [{ name: 'dev', context: { cluster: 'dev-cluster', user: 'alice', namespace: 'shop' } }],
};

beforeEach(() => {
  vi.unstubAllEnvs();
  vi.stubEnv('KUBERNETES_SERVICE_HOST', '');
  vi.stubEnv('KUBECONFIG', '');
  home.dir = join(dir, 'no-home');
  pod.serviceAccount = undefined;
});

const connect = (flags: ConnectionFlags) => loadConnection(flags);
const cluster = (flags: ConnectionFlags) => connect(flags).kubeConfig.clusters[0]!;
const user = (flags: ConnectionFlags) => connect(flags).kubeConfig.users[0]!;
const credential = (flags: ConnectionFlags) => connect(flags).credentials.get();

describe('loadConnection: which kubeconfig, as kubectl picks it', () => {
  it('uses --kubeconfig: its current context, that context\'s cluster, user and namespace', () => {
    const c = connect({ kubeconfig: kubeconfig(DEV) });
    expect({ server: c.server, namespace: c.namespace, userName: c.userName, contextNames: c.contextNames }).toEqual({
      server: 'https://dev.example:6443',
      namespace: 'shop',
      userName: 'alice',
      contextNames: ['dev'],
    });
    expect(c.kubeConfig.currentContext).toBe('dev');
    expect(c.kubeConfig.contexts).toEqual([{ name: 'dev', cluster: 'dev-cluster', user: 'alice', namespace: 'shop' }]);
    expect(c.impersonate).toBeUndefined();
    expect(c.requestTimeoutMs).toBeUndefined();
  });

  it('takes -n over the context\'s namespace, and "default" when neither says', () => {
    const file = kubeconfig(DEV);
    expect(connect({ kubeconfig: file, namespace: 'other' }).namespace).toBe('other');
    const noNamespace = kubeconfig({ ...DEV, contexts: [{ name: 'dev', context: { cluster: 'dev-cluster', user: 'alice' } }] });
    expect(connect({ kubeconfig: noNamespace }).namespace).toBe('default');
  });

  it('merges every file in KUBECONFIG, the first to name a context, cluster, user or current-context winning; missing files skipped', () => {
    const first = kubeconfig(DEV);
    const second = kubeconfig({
      current: 'prod',
      clusters: [
        { name: 'dev-cluster', cluster: { server: 'https://shadowed.example' } },
        { name: 'prod-cluster', cluster: { server: 'https://prod.example' } },
      ],
      users: [{ name: 'alice', user: { token: 'shadowed' } }, { name: 'bob', user: { token: 'bob-token' } }],
      contexts: [
        { name: 'dev', context: { cluster: 'prod-cluster', user: 'bob' } },
        { name: 'prod', context: { cluster: 'prod-cluster', user: 'bob' } },
      ],
    });
    vi.stubEnv('KUBECONFIG', [join(dir, 'missing'), first, second].join(':'));
    const c = connect({});
    expect({ server: c.server, namespace: c.namespace, contextNames: c.contextNames }).toEqual({ server: 'https://dev.example:6443', namespace: 'shop', contextNames: ['dev', 'prod'] });
    expect(connect({ context: 'prod' }).server).toBe('https://prod.example');
    expect(connect({ context: 'prod' }).userName).toBe('bob');
    return expect(credential({})).resolves.toEqual({ token: 'alice-token' });
  });

  it('takes the current-context of a later file when the first names none', () => {
    const first = kubeconfig({ ...DEV, current: undefined });
    const second = kubeconfig({ current: 'dev' });
    vi.stubEnv('KUBECONFIG', `${first}:${second}`);
    expect(connect({}).server).toBe('https://dev.example:6443');
  });

  it('reads ~/.kube/config when neither --kubeconfig nor KUBECONFIG is set', () => {
    home.dir = join(dir, 'home');
    mkdirSync(join(home.dir, '.kube'), { recursive: true });
    kubeconfig(DEV, 'home/.kube/config');
    expect(connect({}).server).toBe('https://dev.example:6443');
  });

  it('says which kubeconfig is missing', () => {
    expect(() => connect({ kubeconfig: join(dir, 'nope') })).toThrow(`kubeconfig file ${join(dir, 'nope')} does not exist; check --kubeconfig`);
    vi.stubEnv('KUBECONFIG', `${join(dir, 'a')}:${join(dir, 'b')}`);
    expect(() => connect({})).toThrow(`none of the files in KUBECONFIG exist (${join(dir, 'a')}:${join(dir, 'b')})`);
    vi.stubEnv('KUBECONFIG', '');
    expect(() => connect({})).toThrow(`no kubeconfig: ${join(dir, 'no-home', '.kube', 'config')} does not exist and neither KUBECONFIG nor --kubeconfig is set`);
  });

  it('works from --server alone when there is no kubeconfig at all, an empty one, or one of comments only', () => {
    const commentsOnly = join(dir, 'comments-only');
    writeFileSync(commentsOnly, '# nothing here yet\n');
    for (const flags of [{}, { kubeconfig: '/dev/null' }, { kubeconfig: commentsOnly }]) {
      const c = connect({ ...flags, server: 'https://flags.example', token: 't' });
      expect({ server: c.server, namespace: c.namespace, contextNames: c.contextNames, userName: c.userName }).toEqual({
        server: 'https://flags.example',
        namespace: 'default',
        contextNames: [],
        userName: 'flags', // the user a copy records when the server does not say who
      });
      // The cluster TLS is set up from: the server given, verified.
      expect(c.kubeConfig.getCurrentCluster()).toMatchObject({ server: 'https://flags.example', skipTLSVerify: false });
    }
  });

  it('does not go on without a --kubeconfig that is missing, even with --server', () => {
    expect(() => connect({ kubeconfig: join(dir, 'nope'), server: 'https://flags.example' })).toThrow('does not exist; check --kubeconfig');
  });

  it('reads ~/.kube/config when KUBECONFIG is not set at all', () => {
    home.dir = join(dir, 'home2');
    mkdirSync(join(home.dir, '.kube'), { recursive: true });
    kubeconfig(DEV, 'home2/.kube/config');
    vi.stubEnv('KUBECONFIG', undefined);
    expect(connect({}).server).toBe('https://dev.example:6443');
  });

  it('names a kubeconfig it cannot read, with the first line of why', () => {
    const broken = join(dir, 'broken');
    writeFileSync(broken, 'clusters: [\n  nope: {\n');
    let parserSays = '';
    try {
      load('clusters: [\n  nope: {\n');
    } catch (err) {
      parserSays = (err as Error).message.split('\n')[0]!;
    }
    expect(parserSays).not.toBe('');
    expect(() => connect({ kubeconfig: broken })).toThrow(`cannot load kubeconfig ${broken}: ${parserSays}`);
    expect(() => connect({ kubeconfig: broken })).not.toThrow(/\n/);
  });
});

describe('loadConnection: contexts, clusters and users that are not there', () => {
  it('says so for each, in kubectl\'s terms', () => {
    const file = kubeconfig(DEV);
    expect(() => connect({ kubeconfig: kubeconfig({ ...DEV, current: undefined }) })).toThrow('no current context in kubeconfig; pass --context or run "kubectl config use-context"');
    expect(() => connect({ kubeconfig: file, context: 'nope' })).toThrow('context "nope" does not exist in kubeconfig; list them with "kubectl config get-contexts"');
    expect(() => connect({ kubeconfig: file, cluster: 'nope' })).toThrow('cluster "nope" (--cluster) is not in kubeconfig');
    expect(() => connect({ kubeconfig: file, user: 'nope' })).toThrow('user "nope" (--user) is not in kubeconfig');
    const dangling = kubeconfig({ ...DEV, clusters: [] });
    expect(() => connect({ kubeconfig: dangling })).toThrow('context "dev" names cluster "dev-cluster", which is not in kubeconfig');
  });

  it('lets a context name a user the kubeconfig lacks (no credentials), as kubectl does', async () => {
    const c = connect({ kubeconfig: kubeconfig({ ...DEV, users: [] }) });
    expect(c.userName).toBe('alice');
    expect(await c.credentials.get()).toEqual({});
  });

  it('takes --cluster and --user from the kubeconfig over the context\'s', () => {
    const file = kubeconfig({
      ...DEV,
      clusters: [...DEV.clusters!, { name: 'other', cluster: { server: 'https://other.example' } }],
      users: [...DEV.users!, { name: 'bob', user: { token: 'bob-token' } }],
    });
    const c = connect({ kubeconfig: file, cluster: 'other', user: 'bob' });
    expect([c.server, c.userName]).toEqual(['https://other.example', 'bob']);
  });
});

describe('loadConnection: connection flags win over the kubeconfig', () => {
  const file = () =>
    kubeconfig({
      ...DEV,
      clusters: [{ name: 'dev-cluster', cluster: { server: 'https://dev.example:6443', 'certificate-authority-data': 'Q0E=', 'tls-server-name': 'kube.dev' } }],
      users: [{ name: 'alice', user: { token: 'alice-token', 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }],
    });

  it('keeps the kubeconfig\'s cluster and user as they are without flags', () => {
    const f = file();
    expect(cluster({ kubeconfig: f })).toMatchObject({ server: 'https://dev.example:6443', caData: 'Q0E=', tlsServerName: 'kube.dev', skipTLSVerify: false });
    expect(user({ kubeconfig: f })).toMatchObject({ certData: 'Q0VSVA==', keyData: 'S0VZ' });
  });

  it('--server, --certificate-authority, --tls-server-name', () => {
    const c = cluster({ kubeconfig: file(), server: 'https://flag.example', certificateAuthority: '/ca.pem', tlsServerName: 'flag.name' });
    expect(c).toMatchObject({ server: 'https://flag.example', caFile: '/ca.pem', tlsServerName: 'flag.name' });
    expect(c.caData).toBeUndefined();
  });

  it('--insecure-skip-tls-verify drops the CA, as kubectl refuses both', () => {
    const c = cluster({ kubeconfig: file(), certificateAuthority: '/ca.pem', insecureSkipTlsVerify: true });
    expect(c.skipTLSVerify).toBe(true);
    expect([c.caFile, c.caData]).toEqual([undefined, undefined]);
  });

  it('--client-certificate and --client-key replace the kubeconfig\'s', () => {
    const u = user({ kubeconfig: file(), clientCertificate: '/cert.pem', clientKey: '/key.pem' });
    expect(u).toMatchObject({ certFile: '/cert.pem', keyFile: '/key.pem' });
    expect([u.certData, u.keyData]).toEqual([undefined, undefined]);
  });

  it('--token is the credential, over a token file or an exec plugin', async () => {
    const tokenFile = join(dir, 'token-file');
    writeFileSync(tokenFile, 'from-file\n');
    const f = kubeconfig({ ...DEV, users: [{ name: 'alice', user: { tokenFile, exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'false' } } }] });
    expect(await credential({ kubeconfig: f, token: 'from-flag' })).toEqual({ token: 'from-flag' });
    expect(await credential({ kubeconfig: f })).toEqual({ token: 'from-file' });
  });
});

describe('loadConnection: the credential, chosen as client-go chooses it', () => {
  it('a token file (relative to the kubeconfig) over a token, a token over basic auth, basic auth alone', async () => {
    writeFileSync(join(dir, 'relative-token'), 'rotated\n');
    const withUser = (u: Record<string, unknown>) => kubeconfig({ ...DEV, users: [{ name: 'alice', user: u }] });
    expect(await credential({ kubeconfig: withUser({ tokenFile: 'relative-token', token: 'static' }) })).toEqual({ token: 'rotated' });
    expect(await credential({ kubeconfig: withUser({ token: 'static', username: 'a', password: 'p' }) })).toEqual({ token: 'static' });
    expect(await credential({ kubeconfig: withUser({ username: 'a', password: 'p' }) })).toEqual({ username: 'a', password: 'p' });
  });

  it('runs an exec plugin (a relative command from the kubeconfig\'s directory), telling it the cluster with provideClusterInfo', async () => {
    // The plugin answers with the cluster it was told about, as its token.
    const plugin = join(dir, 'plugin');
    writeFileSync(
      plugin,
      `#!${process.execPath}\n` +
        "const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);\n" +
        "console.log(JSON.stringify({ apiVersion: info.apiVersion, kind: 'ExecCredential', status: { token: JSON.stringify(info.spec.cluster) } }));\n",
      { mode: 0o755 },
    );
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, 'PEM');
    const devCluster = {
      server: 'https://dev.example:6443',
      'certificate-authority': 'ca.pem',
      'tls-server-name': 'kube.dev',
      'proxy-url': 'socks5://proxy:1080',
      extensions: [{ name: 'other', extension: { no: 1 } }, { name: 'client.authentication.k8s.io/exec', extension: { audience: 'dev' } }],
    };
    const f0: Doc = {
      ...DEV,
      clusters: [{ name: 'dev-cluster', cluster: devCluster }],
      users: [{ name: 'alice', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './plugin', provideClusterInfo: true, interactiveMode: 'Never' } } }],
    };
    const f = kubeconfig(f0);
    const { token } = await credential({ kubeconfig: f });
      expect(JSON.parse(token!)).toEqual({
        server: 'https://dev.example:6443',
        'tls-server-name': 'kube.dev',
        'certificate-authority-data': Buffer.from('PEM').toString('base64'),
        'proxy-url': 'socks5://proxy:1080',
        config: { audience: 'dev' },
      });
      const insecure = JSON.parse((await credential({ kubeconfig: f, insecureSkipTlsVerify: true })).token!);
      expect(insecure['insecure-skip-tls-verify']).toBe(true);
      expect(insecure['certificate-authority-data']).toBeUndefined();
    // CA data wins over a CA file, as in client-go.
    const withData = kubeconfig({ ...f0, clusters: [{ name: 'dev-cluster', cluster: { ...devCluster, 'certificate-authority-data': Buffer.from('DATA').toString('base64') } }] });
    expect(JSON.parse((await credential({ kubeconfig: withData })).token!)['certificate-authority-data']).toBe(Buffer.from('DATA').toString('base64'));
  });

  it('reads a user entry with nothing but its name as no credentials', async () => {
    const f = kubeconfig({ ...DEV, users: [{ name: 'alice' } as never] });
    expect(await credential({ kubeconfig: f })).toEqual({});
  });

  it('ignores a tokenFile that is empty or not a path', async () => {
    for (const tokenFile of ['', true]) {
      const f = kubeconfig({ ...DEV, users: [{ name: 'alice', user: { tokenFile, token: 'static' } }] });
      expect(await credential({ kubeconfig: f })).toEqual({ token: 'static' });
    }
  });

  it('runs no exec plugin for a user with a client certificate', async () => {
    const f = kubeconfig({ ...DEV, users: [{ name: 'alice', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ', exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'false' } } }] });
    expect(await credential({ kubeconfig: f })).toEqual({});
  });
});

describe('loadConnection: in a pod with a service account and no kubeconfig (kubectl\'s in-cluster config)', () => {
  const serviceAccount = () => {
    const tokenFile = join(dir, 'sa-token');
    writeFileSync(tokenFile, 'sa-token\n');
    return { server: 'https://10.0.0.1:443', caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', tokenFile, namespace: 'apps' };
  };

  it('talks to the API server of the pod\'s cluster as its service account, in its namespace', async () => {
    pod.serviceAccount = serviceAccount();
    const c = connect({});
    expect({ server: c.server, namespace: c.namespace, contextNames: c.contextNames, userName: c.userName }).toEqual({
      server: 'https://10.0.0.1:443',
      namespace: 'apps',
      contextNames: [],
      userName: 'in-cluster',
    });
    expect(c.kubeConfig.getCurrentCluster()).toMatchObject({ caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', skipTLSVerify: false });
    expect(await c.credentials.get()).toEqual({ token: 'sa-token' });
    expect(connect({ namespace: 'other' }).namespace).toBe('other');
  });

  it('is not used when a kubeconfig names a context or a current context, or --server or --context is given', () => {
    pod.serviceAccount = serviceAccount();
    expect(connect({ kubeconfig: kubeconfig(DEV) }).server).toBe('https://dev.example:6443');
    expect(connect({ kubeconfig: kubeconfig({ ...DEV, current: undefined }), context: 'dev' }).server).toBe('https://dev.example:6443');
    expect(() => connect({ kubeconfig: kubeconfig({ current: 'gone' }) })).toThrow('context "gone" does not exist in kubeconfig');
    expect(() => connect({ kubeconfig: kubeconfig({ contexts: DEV.contexts }) })).toThrow('no current context in kubeconfig');
    expect(() => connect({ context: 'dev' })).toThrow('context "dev" does not exist in kubeconfig');
  });

  it('does not send the service account\'s token to a server given with --server', async () => {
    pod.serviceAccount = serviceAccount();
    const c = connect({ server: 'https://elsewhere.example' });
    expect({ server: c.server, namespace: c.namespace }).toEqual({ server: 'https://elsewhere.example', namespace: 'default' });
    expect(await c.credentials.get()).toEqual({});
  });
});

describe('loadConnection: impersonation and --request-timeout', () => {
  it('--as, --as-group (repeatable) and --as-uid', () => {
    const file = kubeconfig(DEV);
    expect(connect({ kubeconfig: file, as: 'bob', asGroup: ['devs', 'ops'], asUid: '42' }).impersonate).toEqual({ user: 'bob', groups: ['devs', 'ops'], uid: '42' });
    expect(connect({ kubeconfig: file, as: 'bob' }).impersonate).toEqual({ user: 'bob', groups: [], uid: undefined });
    expect(() => connect({ kubeconfig: file, asGroup: ['devs'] })).toThrow('--as-group and --as-uid need --as (the user to impersonate), as in kubectl');
    expect(() => connect({ kubeconfig: file, asUid: '42' })).toThrow('--as-group and --as-uid need --as');
  });

  it.each([
    ['5s', 5000],
    ['5', 5000],
    ['1.5', 1500],
    ['250ms', 250],
    ['2m', 120_000],
    ['1h', 3_600_000],
    [' 3s ', 3000],
    ['1.25', 1250],
  ])('reads --request-timeout %j as %i ms', (value, ms) => {
    expect(connect({ kubeconfig: kubeconfig(DEV), requestTimeout: value }).requestTimeoutMs).toBe(ms);
  });

  it.each(['x', '5x', 'x5', '5s5', '-5s', '1.s', '.5s'])('refuses --request-timeout %j', (value) => {
    expect(() => connect({ kubeconfig: kubeconfig(DEV), requestTimeout: value })).toThrow(
      new UsageError(`invalid --request-timeout "${value}"; expected a duration such as 1ms, 5s or 1m (0: no timeout)`),
    );
  });
});

describe('timerLimitError', () => {
  it('refuses only what a Node timer cannot wait (Infinity means no timer at all)', () => {
    expect(timerLimitError('ttl', undefined)).toBeUndefined();
    expect(timerLimitError('ttl', MAX_TIMER_MS)).toBeUndefined();
    expect(timerLimitError('ttl', Infinity)).toBeUndefined();
    expect(timerLimitError('ttl', MAX_TIMER_MS + 1)?.message).toBe(
      '--ttl must be at most 596h31m23s (about 24.8 days, the longest a timer waits): longer waits are not supported',
    );
  });
});
