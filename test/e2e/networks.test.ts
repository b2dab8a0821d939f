import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNamespace, getJson, kubeconfig, kubectl, mustKubectl, plugin } from './harness.js';
import { clientCertificate, clusterAccess } from './users.js';

// Networks between the plugin and the API server, as kubectl handles them: proxies (kubeconfig
// proxy-url over http://, https:// and socks5://; HTTPS_PROXY, never for loopback), http://
// servers (kubectl proxy), and client-go's retry of a 429 with Retry-After. The proxies are small
// servers started by the test.

let ns: string;
let removeNs: () => Promise<void>;
let server: string;
let ca: string;
let adminToken: string;
const dir = mkdtempSync(join(tmpdir(), 'copy-target-net-'));
const closers: Array<() => void> = [];

beforeAll(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('net'));
  ({ server, ca, adminToken } = clusterAccess());
  // one per copy made (a second copy of the same workload would reuse the first)
  for (const name of ['web', 'api', 'via-https', 'via-https-kubeconfig-ca', 'via-socks']) {
    await mustKubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'registry.example/web:1' }] } },
      },
    }));
  }
});
afterAll(async () => {
  for (const close of closers) close();
  await removeNs?.();
});

/** Listens on a free loopback port; closing it at the end also ends the tunnels it still holds. */
const listen = async (s: net.Server): Promise<number> => {
  const sockets = new Set<net.Socket>();
  s.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    for (const socket of sockets) socket.destroy();
    s.close();
  });
  return (s.address() as AddressInfo).port;
};

/**
 * Joins `client` to a new connection to host:port, which gets `first` (what the client sent past
 * its request) first; `ready` answers the client once that connection is up, `failed` if it is not.
 */
function tunnel(client: net.Socket, host: string, port: number, first: Buffer, ready: () => void, failed: () => void): void {
  client.pause(); // until piped: nothing it sends may be lost
  const upstream = net.connect(port, host, () => {
    ready();
    upstream.write(first);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', failed);
  client.on('error', () => upstream.destroy());
}

/**
 * An HTTP CONNECT proxy on loopback, served over TLS when `tls` is given (an https:// proxy);
 * `tunnels` lists every host:port it was asked to reach, `authorizations` the Proxy-Authorization of each.
 */
async function connectProxy(tls?: https.ServerOptions): Promise<{ url: string; tunnels: string[]; authorizations: Array<string | undefined>; clientSubjects: string[] }> {
  const tunnels: string[] = [];
  const authorizations: Array<string | undefined> = [];
  const clientSubjects: string[] = [];
  const refuse = (_req: http.IncomingMessage, res: http.ServerResponse): void => void res.writeHead(405).end();
  const proxy = tls ? https.createServer(tls, refuse) : http.createServer(refuse);
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url!);
    authorizations.push(req.headers['proxy-authorization']);
    // The client certificate offered to the proxy (requestCert), if any.
    const peer = 'getPeerCertificate' in req.socket ? (req.socket as import('node:tls').TLSSocket).getPeerCertificate() : undefined;
    if (peer?.subject) clientSubjects.push(`CN=${peer.subject.CN}`);
    const [host, port] = [req.url!.slice(0, req.url!.lastIndexOf(':')), Number(req.url!.slice(req.url!.lastIndexOf(':') + 1))];
    const established = (): void => void client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    tunnel(client, host.replace(/^\[|\]$/g, ''), port, head, established, () => client.destroy());
  });
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${await listen(proxy)}`, tunnels, authorizations, clientSubjects };
}

/**
 * A SOCKS5 proxy on loopback (RFC 1928: no authentication, CONNECT only); `destinations` lists
 * every host:port it was asked to reach, an IPv6 address in brackets as a URL writes it.
 */
async function socks5Proxy(): Promise<{ url: string; destinations: string[] }> {
  const destinations: string[] = [];
  const reply = (code: number): Buffer => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]); // bound address: unused by clients
  const proxy = net.createServer((client) => {
    let input = Buffer.alloc(0);
    let greeted = false;
    const onData = (chunk: Buffer): void => {
      input = Buffer.concat([input, chunk]);
      if (!greeted) {
        // VER NMETHODS METHODS...: choose 0, no authentication
        if (input.length < 2 || input.length < 2 + input[1]!) return;
        if (input[0] !== 5 || !input.subarray(2, 2 + input[1]!).includes(0)) return void client.end(Buffer.from([5, 0xff]));
        input = input.subarray(2 + input[1]!);
        greeted = true;
        client.write(Buffer.from([5, 0]));
      }
      // VER CMD RSV ATYP DST.ADDR DST.PORT, ATYP 1: IPv4, 3: a name (its length first), 4: IPv6
      if (input.length < 5) return;
      const addressType = input[3];
      const addressLength = addressType === 1 ? 4 : addressType === 4 ? 16 : 1 + input[4]!;
      if (input.length < 4 + addressLength + 2) return;
      client.off('data', onData);
      if (input[1] !== 1 || ![1, 3, 4].includes(addressType!)) return void client.end(reply(7)); // command or address type not supported
      const address = input.subarray(4, 4 + addressLength);
      const host = addressType === 1 ? [...address].join('.') : addressType === 4 ? address.toString('hex').replace(/(.{4})(?!$)/g, '$1:') : address.subarray(1).toString();
      const port = input.readUInt16BE(4 + addressLength);
      destinations.push(addressType === 4 ? `[${host}]:${port}` : `${host}:${port}`);
      tunnel(client, host, port, input.subarray(4 + addressLength + 2), () => client.write(reply(0)), () => client.end(reply(5))); // 5: connection refused
    };
    client.on('data', onData);
    client.on('error', () => client.destroy());
  });
  return { url: `socks5://127.0.0.1:${await listen(proxy)}`, destinations };
}

/** A throwaway CA (its certificate in `caFile`) and the key and certificate it signed for 127.0.0.1. */
function proxyCertificate(): { caFile: string; key: Buffer; cert: Buffer } {
  const out = mkdtempSync(join(dir, 'proxy-tls-'));
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: out, stdio: ['ignore', 'ignore', 'pipe'] });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=copy-target test proxy CA');
  openssl('req', '-new', ...newKey, '-keyout', 'proxy.key', '-out', 'proxy.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(out, 'proxy.ext'), 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
  openssl('x509', '-req', '-in', 'proxy.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'proxy.ext', '-out', 'proxy.crt');
  return { caFile: join(out, 'ca.crt'), key: readFileSync(join(out, 'proxy.key')), cert: readFileSync(join(out, 'proxy.crt')) };
}

/**
 * A kubeconfig for the admin on the local cluster, with `proxy-url` when given; `insecure` skips TLS
 * verification instead of naming a CA, `user` replaces the admin's token with other credentials.
 */
function adminKubeconfig(
  name: string,
  proxyUrl?: string,
  certificateAuthority = ca,
  { insecure = false, user, via = server }: { insecure?: boolean; user?: string[]; via?: string } = {},
): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: local',
      '  cluster:',
      `    server: ${via}`,
      insecure ? '    insecure-skip-tls-verify: true' : `    certificate-authority: ${certificateAuthority}`,
      ...(proxyUrl ? [`    proxy-url: ${proxyUrl}`] : []),
      'users:',
      '- name: admin',
      '  user:',
      ...(user ?? [`    token: ${adminToken}`]),
      'contexts:',
      '- name: local',
      '  context: {cluster: local, user: admin, namespace: ' + ns + '}',
      'current-context: local',
      '',
    ].join('\n'),
  );
  return file;
}

/** The copy's Job, read back: the copy really was made. */
async function copyJobOf(stdout: string): Promise<any> {
  const pod = await getJson(['get', 'pod', stdout.trim(), '-n', ns]);
  return getJson(['get', 'job', pod.metadata.labels['batch.kubernetes.io/job-name'], '-n', ns]);
}

const serverHostPort = (): string => new URL(server).host;

/** A TCP relay to the API server on another loopback port (its certificate names 127.0.0.1); `connections` counts what reached it. */
async function countingRelay(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const target = new URL(server);
  const relay = net.createServer((client) => {
    connections++;
    tunnel(client, target.hostname, Number(target.port), Buffer.alloc(0), () => undefined, () => client.destroy());
  });
  return { url: `https://127.0.0.1:${await listen(relay)}`, connections: () => connections };
}

describe('connections opened while the plugin loads', () => {
  it('a command opens its connection before its flags are parsed (a usage error has one too), and status then uses that one alone', async () => {
    const relay = await countingRelay();
    const file = adminKubeconfig('relayed', undefined, ca, { via: relay.url });
    const usage = await plugin(['status', '--kubeconfig', file, '--no-such-flag']);
    expect(usage.code).toBe(2);
    await expect.poll(relay.connections).toBe(1);
    const status = await plugin(['status', '--kubeconfig', file]);
    expect(status.code, status.stderr).toBe(0);
    // One more: the one opened ahead carried the request (else two: the unused one and a new one).
    expect(relay.connections()).toBe(2);
  });

  it('through a proxy-url, nothing goes straight to the server: the proxy carries every connection', async () => {
    const relay = await countingRelay();
    const proxy = await connectProxy();
    const file = adminKubeconfig('relayed-via-proxy', proxy.url, ca, { via: relay.url });
    const status = await plugin(['status', '--kubeconfig', file]);
    expect(status.code, status.stderr).toBe(0);
    expect(proxy.tunnels).toEqual([new URL(relay.url).host]);
    expect(relay.connections()).toBe(1);
  });
});

describe('proxies', () => {
  it('proxy-url in the kubeconfig is used, for a loopback server too: the copy goes through the proxy', async () => {
    const proxy = await connectProxy();
    const file = adminKubeconfig('with-proxy-url', proxy.url);
    const r = await plugin(['deploy/web', '-n', ns, '--kubeconfig', file]);
    expect(r.code, r.stderr).toBe(0);
    expect((await copyJobOf(r.stdout)).metadata.namespace).toBe(ns);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(new Set(proxy.tunnels)).toEqual(new Set([serverHostPort()]));
  });

  it('proxy-url with credentials: sent as Proxy-Authorization (percent-decoded), never printed', async () => {
    const proxy = await connectProxy();
    const withCredentials = proxy.url.replace('http://', 'http://copy%40user:s3cr%3Aet@');
    const file = adminKubeconfig('with-proxy-url-credentials', withCredentials);
    const r = await plugin(['status', '-n', ns, '--kubeconfig', file, '-v=9']);
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(new Set(proxy.authorizations)).toEqual(new Set([`Basic ${Buffer.from('copy@user:s3cr:et').toString('base64')}`]));
    for (const secret of ['s3cr', Buffer.from('copy@user:s3cr:et').toString('base64')]) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('proxy-url https://: a CONNECT proxy over TLS, its CA trusted through NODE_EXTRA_CA_CERTS, as users make Node trust one', async () => {
    const { caFile, key, cert } = proxyCertificate();
    const proxy = await connectProxy({ key, cert });
    const file = adminKubeconfig('with-https-proxy-url', proxy.url);
    // Not trusted yet: one line naming the proxy (not the API server) and what to do.
    const refused = await plugin(['deploy/via-https', '-n', ns, '--kubeconfig', file], { env: { NODE_EXTRA_CA_CERTS: '' } });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim()).toBe(
      `error: cannot trust the proxy ${proxy.url}: its certificate is not signed by a certificate authority you trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE); give Node its certificate authority with NODE_EXTRA_CA_CERTS=<CA file>`,
    );
    expect(proxy.tunnels).toEqual([]);

    const r = await plugin(['deploy/via-https', '-n', ns, '--kubeconfig', file], { env: { NODE_EXTRA_CA_CERTS: caFile } });
    expect(r.code, r.stderr).toBe(0);
    expect((await copyJobOf(r.stdout)).metadata.namespace).toBe(ns);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(new Set(proxy.tunnels)).toEqual(new Set([serverHostPort()]));
  });

  it('proxy-url https://: a proxy signed by a CA in the kubeconfig\'s certificate-authority is trusted, as kubectl trusts it (not SSL_CERT_FILE)', async () => {
    const { caFile, key, cert } = proxyCertificate();
    const proxy = await connectProxy({ key, cert });
    // client-go checks the proxy with the cluster's TLS settings: its certificate-authority, not the system's
    const file = adminKubeconfig('with-https-proxy-url-system-ca', proxy.url);
    const k = await kubectl(['get', 'ns', ns, '--kubeconfig', file], { env: { SSL_CERT_FILE: caFile } });
    expect(k.stderr).toContain('proxyconnect tcp: tls: failed to verify certificate: x509: certificate signed by unknown authority');
    const bundle = join(dir, 'cluster-and-proxy-ca.crt');
    writeFileSync(bundle, Buffer.concat([readFileSync(ca), readFileSync(caFile)]));
    const bundled = adminKubeconfig('with-https-proxy-url-bundle', proxy.url, bundle);
    expect(await mustKubectlEnv(['get', 'ns', ns, '--kubeconfig', bundled], {})).toContain(ns);
    expect(new Set(proxy.tunnels)).toEqual(new Set([serverHostPort()]));

    const tunnelsBefore = proxy.tunnels.length;
    const r = await plugin(['deploy/via-https-kubeconfig-ca', '-n', ns, '--kubeconfig', bundled], { env: { NODE_EXTRA_CA_CERTS: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect((await copyJobOf(r.stdout)).metadata.namespace).toBe(ns);
    expect(proxy.tunnels.length).toBeGreaterThan(tunnelsBefore);
    expect(new Set(proxy.tunnels)).toEqual(new Set([serverHostPort()]));
  });

  it('proxy-url socks5://: the copy goes through a SOCKS5 proxy', async () => {
    const proxy = await socks5Proxy();
    const file = adminKubeconfig('with-socks5-proxy-url', proxy.url);
    const r = await plugin(['deploy/via-socks', '-n', ns, '--kubeconfig', file]);
    expect(r.code, r.stderr).toBe(0);
    expect((await copyJobOf(r.stdout)).metadata.namespace).toBe(ns);
    expect(proxy.destinations.length).toBeGreaterThan(0);
    expect(new Set(proxy.destinations)).toEqual(new Set([serverHostPort()]));
    // kubectl goes the same way
    const before = proxy.destinations.length;
    expect(await mustKubectlEnv(['get', 'ns', ns, '--kubeconfig', file], {})).toContain(ns);
    expect(new Set(proxy.destinations.slice(before))).toEqual(new Set([serverHostPort()]));
  });

  it('proxy-url https:// with insecure-skip-tls-verify: the proxy\'s certificate is not checked either, as kubectl does', async () => {
    const { key, cert } = proxyCertificate();
    const proxy = await connectProxy({ key, cert });
    const file = adminKubeconfig('with-https-proxy-url-insecure', proxy.url, ca, { insecure: true });
    // kubectl applies the cluster's TLS settings to the proxy: no CA for it anywhere, and it goes through.
    expect(await mustKubectlEnv(['get', 'ns', ns, '--kubeconfig', file], { SSL_CERT_FILE: '' })).toContain(ns);
    const r = await plugin(['status', '-n', ns, '--kubeconfig', file], { env: { NODE_EXTRA_CA_CERTS: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/cannot trust/);
    expect(new Set(proxy.tunnels)).toEqual(new Set([serverHostPort()]));
  });

  it('proxy-url https://: the kubeconfig\'s client certificate is offered to the proxy too, as kubectl offers it', async () => {
    const { caFile, key, cert } = proxyCertificate();
    const proxy = await connectProxy({ key, cert, requestCert: true, rejectUnauthorized: false });
    const client = clientCertificate('proxy-client-check', ['system:masters']);
    const user = [`    client-certificate: ${client.cert}`, `    client-key: ${client.key}`];
    // The proxy's CA beside the cluster's, where kubectl looks for it (see the test above).
    const bundle = join(dir, 'cluster-and-proxy-ca-for-client-cert.crt');
    writeFileSync(bundle, Buffer.concat([readFileSync(ca), readFileSync(caFile)]));
    const file = adminKubeconfig('with-https-proxy-url-client-cert', proxy.url, bundle, { user });
    expect(await mustKubectlEnv(['get', 'ns', ns, '--kubeconfig', file], {})).toContain(ns);
    expect(proxy.clientSubjects).toContain('CN=proxy-client-check'); // what kubectl does
    proxy.clientSubjects.length = 0;
    const r = await plugin(['status', '-n', ns, '--kubeconfig', file], { env: { NODE_EXTRA_CA_CERTS: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.clientSubjects.length).toBeGreaterThan(0);
    expect(new Set(proxy.clientSubjects)).toEqual(new Set(['CN=proxy-client-check']));
  });

  it.each(['http', 'socks5'])('a %s:// proxy that is down: one line naming the proxy, not the API server, and what to check', async (scheme) => {
    const closed = net.createServer();
    const port = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as AddressInfo).port)));
    await new Promise((resolve) => closed.close(resolve)); // nobody listens there now
    const proxyUrl = `${scheme}://127.0.0.1:${port}`;
    const file = adminKubeconfig(`with-${scheme}-proxy-down`, proxyUrl);
    const r = await plugin(['status', '-n', ns, '--kubeconfig', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `error: cannot reach the proxy ${proxyUrl} (connection refused) on the way to the Kubernetes API server at ${server}; check that the proxy is up, and proxy-url in your kubeconfig (or HTTPS_PROXY/NO_PROXY)`,
    );
  });

  it('HTTPS_PROXY is not used for a loopback server (Go\'s rule), as kubectl does not', async () => {
    const proxy = await connectProxy();
    const file = adminKubeconfig('plain');
    const env = { HTTPS_PROXY: proxy.url, https_proxy: proxy.url, NO_PROXY: '', no_proxy: '' };
    const r = await plugin(['status', '-n', ns, '--kubeconfig', file], { env });
    expect(r.code, r.stderr).toBe(0);
    const k = await mustKubectlEnv(['get', 'ns', ns, '--kubeconfig', file], env);
    expect(k).toContain(ns);
    expect(proxy.tunnels).toEqual([]);
  });
});

async function mustKubectlEnv(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await kubectl(args, { env });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Starts `kubectl proxy` on a free loopback port; resolves with its http:// address. */
function kubectlProxy(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('kubectl', ['proxy', '--address=127.0.0.1', '--port=0'], { env: { ...process.env, KUBECONFIG: kubeconfig() } });
    closers.push(() => child.kill());
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Starting to serve on (127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(`http://${match[1]}`);
    });
    child.on('exit', (code) => reject(new Error(`kubectl proxy exited (${code}): ${out}`)));
  });
}

describe('http:// servers', () => {
  it('works through a real `kubectl proxy` (--server http://127.0.0.1:PORT), a copy included', async () => {
    const address = await kubectlProxy();
    const r = await plugin(['deploy/api', '-n', ns, '--kubeconfig', '/dev/null', '--server', address, '-v=6']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`POST ${address}/apis/batch/v1/namespaces/${ns}/jobs`);
    expect((await copyJobOf(r.stdout)).metadata.namespace).toBe(ns);
  });
});

describe('retries', () => {
  it('a 429 with Retry-After is retried after the time it names (-v=6 shows both answers)', async () => {
    let refused = 0;
    const seen: string[] = [];
    const front = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (refused === 0) {
        refused++;
        req.resume();
        res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429, message: 'too many requests, please try again later' }));
        return;
      }
      const target = new URL(req.url!, server);
      const upstream = https.request(target, { method: req.method, headers: { ...req.headers, host: target.host }, ca: readFileSync(ca) }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    const address = `http://127.0.0.1:${await listen(front)}`;
    const started = Date.now();
    const r = await plugin(['status', '-n', ns, '--kubeconfig', '/dev/null', '--server', address, '--token', adminToken, '-v=6', '--insecure-skip-tls-verify']); // (the flag: so that only the retry differs from older versions, which refused http:// without it)
    expect(r.code, r.stderr).toBe(0);
    const first = seen[0]!.split(' ')[1]!;
    expect(seen[1]).toBe(seen[0]); // the same request again
    expect(r.stderr).toMatch(new RegExp(`GET ${address.replace(/[.]/g, '\\.')}${first.replace(/[?.]/g, '\\$&')} 429 Too Many Requests in \\d+ milliseconds`));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });
});
