import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlugin } from './background.js';
import { apply, deployment, oneErrorLine } from './copy-helpers.js';
import { assertNoStrayWarnings, freshNamespace, getJson, mustKubectl, pluginDir, pollUntil, type Result } from './harness.js';
import { runInPty } from './pty.js';
import { clientCertificate, clusterAccess } from './users.js';

// Kubeconfigs and credentials as kubectl reads them (issue 21, items 15-18): tokenFile, exec
// credential plugins, paths relative to the kubeconfig file, and the in-cluster config. Each
// identity is the one the real API server says it saw (the user recorded on a copy, or named in
// a refusal).

let ns: string;
let removeNs: () => Promise<void>;
let server: string;
let ca: string;
let adminToken: string;
let devToken: string;

beforeAll(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('creds'));
  ({ server, ca, adminToken, devToken } = clusterAccess());
  await apply(ns, deployment('web', 1, { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'registry.example/web:1' }] }));
});
afterAll(async () => removeNs?.());

const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `ct-${prefix}-`));

/**
 * A kubeconfig file in `dir` (JSON is YAML) with one context in the test namespace. `cluster`
 * defaults to the local cluster, its CA by absolute path.
 */
function writeKubeconfig(dir: string, user: object, cluster: object = { server, 'certificate-authority': ca }): string {
  const file = join(dir, 'config');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'local', cluster }],
      users: [{ name: 'someone', user }],
      contexts: [{ name: 'ctx', context: { cluster: 'local', user: 'someone', namespace: ns } }],
      'current-context': 'ctx',
    }),
  );
  return file;
}

/** `kubectl copy-target ...` run from `cwd`, with KUBECONFIG and the rest of `env`. */
function pluginFrom(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    execFile('kubectl', ['copy-target', ...args], { cwd, env: { ...process.env, PATH: `${pluginDir()}:${process.env.PATH}`, ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      assertNoStrayWarnings(stderr);
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The user the API server saw make a copy: recorded on its Job. */
async function copiedAs(r: Result): Promise<string> {
  expect(r.code, r.stderr).toBe(0);
  const pod = await getJson(['get', 'pod', r.stdout.trim(), '-n', ns]);
  const job = await getJson(['get', 'job', pod.metadata.labels['batch.kubernetes.io/job-name'], '-n', ns]);
  return job.metadata.annotations['copy-target.dev/user'];
}

/** A ServiceAccount of the test namespace allowed everything in it, and a fresh token of it. */
async function serviceAccountToken(name: string): Promise<string> {
  await mustKubectl(['create', 'serviceaccount', name, '-n', ns]);
  await mustKubectl(['create', 'rolebinding', `${name}-admin`, '--clusterrole=cluster-admin', `--serviceaccount=${ns}:${name}`, '-n', ns]);
  return (await mustKubectl(['create', 'token', name, '-n', ns, '--duration=1h'])).trim();
}

describe('tokenFile (item 15) and paths relative to the kubeconfig file (item 17)', () => {
  it('a tokenFile beside the kubeconfig, padded with blank space, run from another directory: the server sees its user; -v=9 never shows it', async () => {
    const dir = tempDir('tokenfile');
    writeFileSync(join(dir, 'dev.token'), `\n  ${devToken}  \n`);
    copyFileSync(ca, join(dir, 'ca.crt'));
    const config = writeKubeconfig(dir, { tokenFile: 'dev.token' }, { server, 'certificate-authority': 'ca.crt' });
    const elsewhere = tempDir('cwd');
    const status = await pluginFrom(elsewhere, ['status', '-v=9'], { KUBECONFIG: config });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toBe('No active copy targets\n');
    expect(status.stderr).not.toContain(devToken);
    // dev may look but not copy: the refusal names who the server saw.
    const copy = await pluginFrom(elsewhere, ['deploy/web'], { KUBECONFIG: config });
    expect(copy.code).toBe(1);
    expect(oneErrorLine(copy.stderr)).toMatch(/User "dev" cannot create resource "jobs"/);
  });

  it('certificate-authority, client-certificate and client-key named relative to the kubeconfig file, run from another directory', async () => {
    const dir = tempDir('relative-certs');
    const { cert, key } = clientCertificate('relative-cert-user', ['system:masters']);
    copyFileSync(ca, join(dir, 'ca.crt'));
    mkdirSync(join(dir, 'keys'));
    copyFileSync(cert, join(dir, 'keys', 'client.crt'));
    copyFileSync(key, join(dir, 'keys', 'client.key'));
    const config = writeKubeconfig(dir, { 'client-certificate': 'keys/client.crt', 'client-key': 'keys/client.key' }, { server, 'certificate-authority': 'ca.crt' });
    expect(await copiedAs(await pluginFrom(tempDir('cwd'), ['deploy/web', '--new'], { KUBECONFIG: config }))).toBe('relative-cert-user');
  });

  it('a token file rotated during a session is read again: the session ends and restores after the old token was revoked', async () => {
    const [first, second] = [await serviceAccountToken('rotate-one'), await serviceAccountToken('rotate-two')];
    const dir = tempDir('rotation');
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, first);
    const config = writeKubeconfig(dir, { tokenFile });
    const session = startPlugin(['deploy/web', '--scale-down', '--duration', '12s', '--new'], { KUBECONFIG: config });
    await pollUntil(async () => session.stderr(), (s) => /is Running/.test(s), { timeoutMs: 60_000, intervalMs: 200, message: (s) => `the copy never ran: ${s}` });
    // As the kubelet rotates a projected token: the new file is renamed into place.
    writeFileSync(`${tokenFile}.new`, second);
    renameSync(`${tokenFile}.new`, tokenFile);
    // The first token now fails authentication (401): only a re-read file lets the session end cleanly.
    await mustKubectl(['delete', 'serviceaccount', 'rotate-one', '-n', ns]);
    const r = await session.done;
    expect(r.code, r.stderr).toBe(0);
    expect((await getJson(['get', 'deployment', 'web', '-n', ns])).spec.replicas).toBe(1);
  });
});

/** What the exec plugin of a test wrote: how often it ran and the KUBERNETES_EXEC_INFO of each run. */
interface PluginRecord {
  runs: () => number;
  execInfo: () => any[];
  script: string;
}

/**
 * A real credential plugin (a shell script): its Nth run prints `tokens[N-1]` (the last one
 * repeats), after `delaySeconds`; it appends a line per run and its KUBERNETES_EXEC_INFO to files
 * beside it. With `prompt`, it first asks for a code on stderr and reads it from stdin; a wrong
 * code fails it.
 */
function execPlugin(tokens: string[], opts: { delaySeconds?: number; prompt?: { code: string } } = {}): PluginRecord {
  const dir = tempDir('exec-plugin');
  const script = join(dir, 'credential-plugin');
  const credential = (token: string) => JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } });
  const cases = tokens.map((t, i) => `  ${i === tokens.length - 1 ? '*' : i + 1}) echo '${credential(t)}' ;;`).join('\n');
  writeFileSync(
    script,
    `#!/bin/sh
echo run >> '${dir}/runs'
printf '%s\\n' "$KUBERNETES_EXEC_INFO" >> '${dir}/exec-info'
n=$(wc -l < '${dir}/runs')
${opts.delaySeconds ? `sleep ${opts.delaySeconds}` : ''}
${opts.prompt ? `printf 'To sign in, enter the code shown at https://login.example/device: ' >&2
read -r code
[ "$code" = '${opts.prompt.code}' ] || { echo 'wrong code' >&2; exit 3; }` : ''}
case $n in
${cases}
esac
`,
  );
  chmodSync(script, 0o755);
  const lines = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean) : []);
  return { script, runs: () => lines('runs').length, execInfo: () => lines('exec-info').map((l) => JSON.parse(l)) };
}

/** What `status` prints when it could list (earlier tests of this file leave copies behind). */
const LISTED = /^(No active copy targets|Active Copy Targets:)/m;

const execUser = (command: string, extra: object = {}) => ({
  exec: { apiVersion: 'client.authentication.k8s.io/v1', command, interactiveMode: 'IfAvailable', ...extra },
});

describe('exec credential plugins (item 16)', () => {
  it('runs once for a copy whose first requests start together; KUBERNETES_EXEC_INFO carries the cluster (provideClusterInfo) and its exec extension', async () => {
    const plugin = execPlugin([adminToken], { delaySeconds: 0.5 });
    const dir = tempDir('exec');
    const cluster = {
      server,
      'certificate-authority': ca,
      extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'copy-target-test' } }],
    };
    const config = writeKubeconfig(dir, execUser(plugin.script, { provideClusterInfo: true, env: [{ name: 'PLUGIN_SETTING', value: 'x' }] }), cluster);
    const r = await pluginFrom(dir, ['deploy/web', '--new', '-v=9'], { KUBECONFIG: config });
    expect(await copiedAs(r)).toBe('admin');
    expect(r.stderr).not.toContain(adminToken);
    expect(plugin.runs()).toBe(1);
    expect(plugin.execInfo()).toEqual([
      {
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        spec: {
          // stdin is not a terminal here, so IfAvailable is not interactive
          interactive: false,
          cluster: { server, 'certificate-authority-data': readFileSync(ca).toString('base64'), config: { audience: 'copy-target-test' } },
        },
      },
    ]);
  });

  it('a 401 runs the plugin again and the request is sent again with the new token', async () => {
    const plugin = execPlugin(['expired-token-0123456789', adminToken]);
    const config = writeKubeconfig(tempDir('exec-401'), execUser(plugin.script));
    const r = await pluginFrom(tmpdir(), ['status'], { KUBECONFIG: config });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(LISTED);
    expect(plugin.runs()).toBe(2);
    expect(plugin.execInfo()[0].spec).toEqual({ interactive: false }); // no provideClusterInfo: no cluster
  });

  it('a command that is not installed: one error line with its installHint', async () => {
    const hint = 'Install it with:\n  brew install copy-target-test-login';
    const config = writeKubeconfig(tempDir('exec-missing'), execUser('copy-target-test-login', { installHint: hint }));
    const r = await pluginFrom(tmpdir(), ['status'], { KUBECONFIG: config });
    expect(r.code).toBe(1);
    expect(oneErrorLine(r.stderr)).toBe(
      'error: the credential plugin "copy-target-test-login" of user "someone" is not installed (not found on PATH): Install it with: brew install copy-target-test-login',
    );
  });

  it('interactiveMode Always without a terminal: one error line, the plugin not run', async () => {
    const plugin = execPlugin([adminToken]);
    const config = writeKubeconfig(tempDir('exec-always'), execUser(plugin.script, { interactiveMode: 'Always' }));
    const r = await pluginFrom(tmpdir(), ['status'], { KUBECONFIG: config });
    expect(r.code).toBe(1);
    expect(oneErrorLine(r.stderr)).toBe(
      `error: the credential plugin "${plugin.script}" of user "someone" needs a terminal (interactiveMode: Always), and standard input is not one; run the command in a terminal`,
    );
    expect(plugin.runs()).toBe(0);
  });

  it('on a terminal, an interactive plugin (a device-code login) shows its prompt and reads the answer from the keyboard', async () => {
    const plugin = execPlugin([adminToken], { prompt: { code: '4242' } });
    const config = writeKubeconfig(tempDir('exec-tty'), execUser(plugin.script));
    const run = runInPty(['status'], { env: { KUBECONFIG: config, NO_COLOR: '1' } });
    await pollUntil(async () => run.output(), (o) => o.includes('enter the code shown at https://login.example/device: '), {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: (o) => `no prompt from the plugin: ${JSON.stringify(o)}`,
    });
    run.type('4242\r');
    const { code, output } = await run.done;
    expect(code, output).toBe(0);
    expect(output).toMatch(LISTED);
    expect(plugin.runs()).toBe(1);
    expect(plugin.execInfo()[0].spec).toEqual({ interactive: true });
  });
});

describe('in-cluster config (item 18)', () => {
  it('no kubeconfig, KUBERNETES_SERVICE_HOST/PORT and the service-account files: the pod\'s service account, in the namespace of its file', async () => {
    const token = await serviceAccountToken('in-pod');
    const files = tempDir('serviceaccount');
    writeFileSync(join(files, 'token'), token);
    copyFileSync(ca, join(files, 'ca.crt'));
    writeFileSync(join(files, 'namespace'), ns);
    const { hostname, port } = new URL(server);
    // The real path, as in a pod: a private mount namespace (nothing leaks to this machine) with a
    // fresh tmpfs where /var/run points and the files copied under it.
    const inPod = [
      'set -e',
      'run=$(readlink -f /var/run)',
      'mount -t tmpfs tmpfs "$run"',
      'mkdir -p "$run/secrets/kubernetes.io/serviceaccount"',
      `cp "${files}"/* "$run/secrets/kubernetes.io/serviceaccount/"`,
      'exec kubectl copy-target deploy/web --new',
    ].join('\n');
    const unshare = process.getuid?.() === 0 ? ['--mount'] : ['--user', '--map-root-user', '--mount'];
    const home = tempDir('home'); // no ~/.kube/config
    const r = await new Promise<Result>((resolve) => {
      execFile('unshare', [...unshare, 'sh', '-c', inPod], {
        cwd: home,
        env: { ...process.env, PATH: `${pluginDir()}:${process.env.PATH}`, HOME: home, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: hostname, KUBERNETES_SERVICE_PORT: port },
        timeout: 90_000,
      }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    });
    expect(await copiedAs(r)).toBe(`system:serviceaccount:${ns}:in-pod`);
  });
});
