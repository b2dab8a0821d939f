import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { afterEach, describe, expect, it } from 'vitest';
import { isUnreachable } from '../../src/kube/api-errors.js';
import { proxyFor } from '../../src/kube/proxy.js';
import { ApiError, RestClient } from '../../src/kube/rest.js';

// The transport's retries and http:// servers, against a local HTTP server that answers as
// scripted (429s, 5xx, dropped connections): what a real API server will not do on cue.

type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | 'drop';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server answering each request with the next scripted answer (then 200 `{}`); records "METHOD path". */
async function scripted(answers: Answer[]) {
  const seen: string[] = [];
  server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      const answer = answers.shift() ?? { status: 200, body: { ok: true } };
      if (answer === 'drop') return req.socket.destroy(); // the connection reset, no answer
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body ?? { kind: 'Status', code: answer.status, message: `answered ${answer.status}` }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

function client(serverUrl: string, skipTLSVerify = true): RestClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: serverUrl, skipTLSVerify }],
    users: [{ name: 'u', token: 'a-token-of-some-length' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new RestClient(kc, 5_000);
}

const tooMany = (seconds: string): Answer => ({ status: 429, headers: { 'Retry-After': seconds } });

describe('RestClient: retries like client-go', () => {
  it('retries a 429 with Retry-After after the time it names, for a write too', async () => {
    const s = await scripted([tooMany('1'), tooMany('1')]);
    const started = Date.now();
    const rest = client(s.url);
    await expect(rest.request('POST', '/api/v1/namespaces/ns/events', { metadata: { generateName: 'x-' } })).resolves.toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(s.seen).toHaveLength(3);
    rest.close();
  });

  it('retries a 503 with Retry-After; not a 500 or a 429 without it', async () => {
    const s = await scripted([{ status: 503, headers: { 'Retry-After': '0' } }, { status: 500 }, { status: 429 }]);
    const rest = client(s.url);
    await expect(rest.request('GET', '/a')).rejects.toMatchObject({ code: 500 });
    await expect(rest.request('GET', '/b')).rejects.toMatchObject({ code: 429 });
    expect(s.seen).toEqual(['GET /a', 'GET /a', 'GET /b']);
    rest.close();
  });

  it('gives up after 10 retries of Retry-After', async () => {
    const s = await scripted(Array.from({ length: 12 }, () => tooMany('0')));
    const rest = client(s.url);
    await expect(rest.request('GET', '/a')).rejects.toBeInstanceOf(ApiError);
    expect(s.seen).toHaveLength(11);
    rest.close();
  });

  it('retries a read whose connection was reset', async () => {
    const s = await scripted(['drop', 'drop']);
    const rest = client(s.url);
    await expect(rest.request('GET', '/api/v1/namespaces/ns/pods')).resolves.toEqual({ ok: true });
    expect(s.seen).toHaveLength(3);
    rest.close();
  });

  it('retries writes that cannot apply twice (JSON patch with a test op, merge patch with a resourceVersion, create of a fixed name); not others', async () => {
    const ok: Answer = { status: 200, body: { ok: true } };
    const s = await scripted(['drop', ok, 'drop', ok, 'drop', ok, 'drop', 'drop']);
    const rest = client(s.url);
    await rest.request('PATCH', '/p1', [{ op: 'test', path: '/a', value: 1 }, { op: 'replace', path: '/a', value: 2 }], 'application/json-patch+json');
    await rest.request('PATCH', '/p2', { metadata: { resourceVersion: '7' }, spec: { replicas: 2 } }, 'application/merge-patch+json');
    await rest.request('POST', '/jobs', { metadata: { name: 'copy-web-abcde' } });
    const unsafe = await rest.request('PATCH', '/p3', { metadata: { annotations: { a: 'b' } } }, 'application/merge-patch+json').catch((e: unknown) => e);
    expect(isUnreachable(unsafe)).toBe(true);
    const generated = await rest.request('POST', '/events', { metadata: { generateName: 'x-' } }).catch((e: unknown) => e);
    expect(isUnreachable(generated)).toBe(true);
    expect(s.seen).toEqual(['PATCH /p1', 'PATCH /p1', 'PATCH /p2', 'PATCH /p2', 'POST /jobs', 'POST /jobs', 'PATCH /p3', 'POST /events']);
    rest.close();
  });

  it('retries the reviews that only ask (SelfSubjectReview, SelfSubjectAccessReview) after a reset: the soak saw one reset fail a whole copy', async () => {
    const s = await scripted(['drop', { status: 201, body: { status: { userInfo: { username: 'u' } } } }, 'drop', { status: 201, body: { status: { allowed: true } } }]);
    const rest = client(s.url);
    await expect(rest.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' })).resolves.toEqual({ status: { userInfo: { username: 'u' } } });
    await expect(rest.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} })).resolves.toEqual({ status: { allowed: true } });
    expect(s.seen).toEqual(['POST /apis/authentication.k8s.io/v1/selfsubjectreviews', 'POST /apis/authentication.k8s.io/v1/selfsubjectreviews', 'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews', 'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews']);
    rest.close();
  });

  it('a create retried after its answer was lost that meets AlreadyExists reports the lost answer, not a conflict', async () => {
    const s = await scripted(['drop', { status: 409, body: { kind: 'Status', code: 409, reason: 'AlreadyExists', message: 'jobs.batch "copy-web-abcde" already exists' } }]);
    const rest = client(s.url);
    const err = await rest.request('POST', '/jobs', { metadata: { name: 'copy-web-abcde' } }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApiError);
    expect(isUnreachable(err)).toBe(true);
    rest.close();
  });

  it('an aborted request stops at once, and is not retried', async () => {
    server = http.createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const rest = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const abort = new AbortController();
    setTimeout(() => abort.abort(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })), 100);
    const started = Date.now();
    await expect(rest.request('PATCH', '/p', [{ op: 'test', path: '/a', value: 1 }], 'application/json-patch+json', { signal: abort.signal })).rejects.toThrow('request timed out');
    expect(Date.now() - started).toBeLessThan(1000);
    rest.close();
    server.closeAllConnections();
  });

  it('the network errors a VPN or a resume produce count as "cannot reach"', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'ENETDOWN', 'EPIPE', 'EADDRNOTAVAIL', 'ECONNABORTED', 'EAI_AGAIN']) {
      expect(isUnreachable(Object.assign(new Error(code), { code })), code).toBe(true);
    }
  });
});

describe('RestClient: http:// servers (kubectl proxy)', () => {
  it('talks to an http:// server without --insecure-skip-tls-verify, as kubectl does', async () => {
    const s = await scripted([]);
    const rest = client(s.url, false);
    await expect(rest.request('GET', '/version')).resolves.toEqual({ ok: true });
    rest.close();
  });
});

describe('proxyFor: which proxy, as client-go chooses it', () => {
  const https = (host: string) => new URL(`https://${host}`);
  const env = { HTTPS_PROXY: 'proxy.corp:3128', HTTP_PROXY: 'http://plain.corp:80', NO_PROXY: '.internal,10.0.0.0/8,exact.example:6443' };

  it('proxy-url in the kubeconfig applies always, loopback too', () => {
    expect(proxyFor(https('127.0.0.1:6443'), 'socks5://127.0.0.1:1080', env)?.href).toBe('socks5://127.0.0.1:1080');
    expect(proxyFor(https('api.example:443'), 'http://p:8080', {})?.href).toBe('http://p:8080/');
  });

  it('HTTPS_PROXY for https servers, HTTP_PROXY for http ones; a bare host:port is http://', () => {
    expect(proxyFor(https('api.example:6443'), undefined, env)?.href).toBe('http://proxy.corp:3128/');
    expect(proxyFor(new URL('http://api.example:8001'), undefined, env)?.href).toBe('http://plain.corp/');
    expect(proxyFor(https('api.example:6443'), undefined, { https_proxy: 'http://lower:1' })?.href).toBe('http://lower:1/');
  });

  it('never loopback or localhost from the environment', () => {
    for (const host of ['127.0.0.1:6443', '127.3.4.5', 'localhost:6443', '[::1]:6443']) expect(proxyFor(https(host), undefined, env), host).toBeUndefined();
  });

  it('NO_PROXY: domains and subdomains, CIDRs, ports, "*"', () => {
    expect(proxyFor(https('api.internal'), undefined, env)).toBeUndefined();
    expect(proxyFor(https('internal'), undefined, env)).toBeDefined(); // ".internal": subdomains only
    expect(proxyFor(https('10.1.2.3:6443'), undefined, env)).toBeUndefined();
    expect(proxyFor(https('11.1.2.3:6443'), undefined, env)).toBeDefined();
    expect(proxyFor(https('exact.example:6443'), undefined, env)).toBeUndefined();
    expect(proxyFor(https('a.exact.example:6443'), undefined, env)).toBeUndefined();
    expect(proxyFor(https('exact.example:443'), undefined, env)).toBeDefined();
    expect(proxyFor(https('anything'), undefined, { ...env, NO_PROXY: '*' })).toBeUndefined();
  });
});

describe('RestClient: watches and proxies at the HTTP level', () => {
  it('a watch refused with 429 and Retry-After opens again, then delivers its events', async () => {
    let refused = false;
    server = http.createServer((_req, res) => {
      if (!refused) {
        refused = true;
        res.writeHead(429, { 'Retry-After': '0', 'Content-Type': 'application/json' });
        return res.end('{"kind":"Status","code":429}');
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'p' } } })}\n`);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const rest = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const events: string[] = [];
    const done = await new Promise<unknown>((resolve) => rest.watch('/api/v1/pods?watch=true', (type, object) => events.push(`${type} ${object.metadata.name}`), resolve));
    expect(done).toBeUndefined(); // ended by the server, not refused
    expect(events).toEqual(['ADDED p']);
    rest.close();
  });

  it('proxy-url socks5://: requests go through the SOCKS server', async () => {
    const s = await scripted([]);
    const reached: string[] = [];
    const socks = net.createServer((client) => {
      // SOCKS5, no authentication, CONNECT to an IPv4 address or a domain name
      client.once('data', () => {
        client.write(Buffer.from([5, 0]));
        client.once('data', (request: Buffer) => {
          const type = request[3];
          const host = type === 1 ? [...request.subarray(4, 8)].join('.') : request.subarray(5, 5 + request[4]!).toString();
          const port = request.readUInt16BE(request.length - 2);
          reached.push(`${host}:${port}`);
          const upstream = net.connect(port, host, () => {
            client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
            upstream.pipe(client);
            client.pipe(upstream);
          });
          upstream.on('error', () => client.destroy());
        });
      });
    });
    await new Promise<void>((resolve) => socks.listen(0, '127.0.0.1', resolve));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: s.url, skipTLSVerify: false, proxyUrl: `socks5://127.0.0.1:${(socks.address() as AddressInfo).port}` }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const rest = new RestClient(kc, 5_000);
    await expect(rest.request('GET', '/version')).resolves.toEqual({ ok: true });
    expect(reached).toEqual([new URL(s.url).host]);
    rest.close();
    socks.close();
  });
});
