/**
 * Which proxy a request to the API server goes through, and the agent that takes it there, as
 * kubectl (client-go) decides: the kubeconfig cluster's `proxy-url` always wins (loopback too);
 * else HTTPS_PROXY / HTTP_PROXY (upper case first) by the server's scheme, minus NO_PROXY, and
 * never for localhost or a loopback address (Go's net/http/httpproxy rules).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { connectCode, ProxyTrustError, ProxyUnreachableError } from './proxy-errors.js';

export { ProxyTrustError, ProxyUnreachableError };

const PROXY_SCHEMES = new Set(['http:', 'https:', 'socks5:', 'socks5h:']);

/** A proxy URL as Go reads it: a bare "host:port" means http://host:port. */
export function parseProxyUrl(value: string): URL {
  try {
    const url = new URL(value);
    if (PROXY_SCHEMES.has(url.protocol) && url.hostname) return url;
  } catch {
    // not a URL: try it as host:port below
  }
  try {
    return new URL(`http://${value}`);
  } catch {
    throw new Error(`invalid proxy address ${JSON.stringify(value)}`);
  }
}

type Env = Record<string, string | undefined>;

const envAny = (env: Env, ...names: string[]): string | undefined => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');

/** The proxy for `server`: the kubeconfig's `proxy-url`, else the environment's; undefined: go direct. */
export function proxyFor(server: URL, proxyUrl: string | undefined, env: Env = process.env): URL | undefined {
  if (proxyUrl) return parseProxyUrl(proxyUrl);
  const fromEnv = server.protocol === 'https:' ? envAny(env, 'HTTPS_PROXY', 'https_proxy') : envAny(env, 'HTTP_PROXY', 'http_proxy');
  if (!fromEnv || !useEnvProxy(server, envAny(env, 'NO_PROXY', 'no_proxy') ?? '')) return undefined;
  return parseProxyUrl(fromEnv);
}

/** Go's httpproxy useProxy: never loopback; NO_PROXY entries are "*", IPs, CIDRs, domains (with or without a leading dot), each with an optional port. */
function useEnvProxy(server: URL, noProxy: string): boolean {
  const host = server.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = server.port || (server.protocol === 'https:' ? '443' : '80');
  if (host === 'localhost' || isLoopback(host)) return false;
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return false;
    if (entry.includes('/')) {
      if (net.isIP(host) && inCidr(host, entry)) return false;
      continue;
    }
    if (net.isIP(entry.replace(/^\[|\]$/g, ''))) {
      if (host === entry.replace(/^\[|\]$/g, '')) return false;
      continue;
    }
    let [domain, entryPort] = splitHostPort(entry);
    if (domain.startsWith('*.')) domain = domain.slice(1);
    // "example.com" matches it and its subdomains; ".example.com" its subdomains only
    const matchesSelf = !domain.startsWith('.');
    const suffix = matchesSelf ? `.${domain}` : domain;
    if ((host.endsWith(suffix) || (matchesSelf && host === domain)) && (!entryPort || entryPort === port)) return false;
  }
  return true;
}

function splitHostPort(entry: string): [string, string | undefined] {
  const match = /^(.*):(\d+)$/.exec(entry);
  return match ? [match[1]!, match[2]] : [entry, undefined];
}

function isLoopback(host: string): boolean {
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1' || /^::ffff:127\./.test(host);
  return false;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const list = new net.BlockList();
  try {
    list.addSubnet(base!, Number(bits), net.isIPv6(base!) ? 'ipv6' : 'ipv4');
    return list.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4');
  } catch {
    return false; // not a CIDR after all: no match, as Go skips it
  }
}

/** TLS settings for the API server; an https:// proxy gets its cert, key and rejectUnauthorized too (see openTunnel). */
export type ServerTls = Pick<https.AgentOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'>;

/**
 * One keep-alive agent to the API server, through `proxy` when there is one. The socks agent is
 * loaded only for a socks proxy (it brings the socks client and its address parser).
 */
export async function createAgent(server: URL, tls: ServerTls, proxy: URL | undefined): Promise<http.Agent> {
  const secure = server.protocol === 'https:';
  const base = { keepAlive: true, ...(secure ? tls : {}) };
  if (!proxy) return secure ? new https.Agent(base) : new http.Agent(base);
  if (proxy.protocol.startsWith('socks')) return new (await import('./socks-agent.js')).SocksTunnelAgent(proxy, base);
  // CONNECT through an http(s) proxy, for http:// servers too (as client-node does)
  return secure ? new HttpsTunnelAgent(base, proxy) : new HttpTunnelAgent(base, proxy);
}

type Connected = (err: Error | null, stream: Duplex) => void;

/** TLS codes of a certificate no trusted authority signed (the ones worth a second try with another). */
const UNKNOWN_AUTHORITY = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);

/**
 * A tunnel to host:port through an http:// or https:// CONNECT proxy, as client-node's hpagent
 * opens one, except that a proxy named by an IP address is not named in TLS SNI: RFC 6066 forbids
 * it, and Node prints a deprecation warning (DEP0123) on it. An https:// proxy's certificate is
 * checked against Node's CAs (NODE_EXTRA_CA_CERTS adds one), and if none of them signed it, against
 * the API server's certificate-authority: kubectl checks it against that one (client-go's TLS
 * settings serve the proxy too), so a proxy kubectl trusts is trusted. For the same reason the
 * proxy is offered the kubeconfig's client certificate, and insecure-skip-tls-verify skips its check.
 */
function openTunnel(proxy: URL, target: https.RequestOptions, keepAlive: boolean, connected: (socket: net.Socket) => void, failed: (err: Error) => void): void {
  const serverCa = target.ca;
  const secure = proxy.protocol === 'https:';
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
  const proxyName = `${proxy.protocol}//${proxy.host}`;
  const targetHost = String(target.host);
  const hostPort = `${net.isIPv6(targetHost) ? `[${targetHost}]` : targetHost}:${target.port}`;
  const headers: http.OutgoingHttpHeaders = { host: hostPort, connection: keepAlive ? 'keep-alive' : 'close' };
  if (proxy.username || proxy.password) {
    headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  }
  const attempt = (ca: https.RequestOptions['ca']): void => {
    const request = (secure ? https : http).request({
      method: 'CONNECT',
      host: proxyHost,
      port: proxy.port || (secure ? 443 : 80),
      path: hostPort,
      setHost: false,
      headers,
      agent: false,
      timeout: target.timeout ?? 0,
      // the proxy's name, else Node would take the Host header's (the API server's); '' sends none
      ...(secure ? { servername: net.isIP(proxyHost) ? '' : proxyHost, ...(ca ? { ca } : {}), ...clientTls(target) } : {}),
    });
    let reachedProxy = false;
    request.once('socket', (socket) => socket.once(secure ? 'secureConnect' : 'connect', () => (reachedProxy = true)));
    request.once('connect', (response, socket, head) => {
      request.removeAllListeners();
      if (response.statusCode !== 200) {
        socket.destroy();
        failed(new Error(`proxy ${proxyName} refused the tunnel to ${hostPort}: ${response.statusCode} ${response.statusMessage ?? ''}`.trim()));
        return;
      }
      if (head.length) socket.unshift(head);
      connected(socket);
    });
    request.once('timeout', () => request.destroy(new Error(`proxy ${proxyName}: no answer to CONNECT ${hostPort}`)));
    request.once('error', (err: Error & { code?: string }) => {
      request.removeAllListeners();
      const code = err.code ?? '';
      if (secure && UNKNOWN_AUTHORITY.has(code) && !ca && serverCa) return attempt(serverCa);
      if (secure && (UNKNOWN_AUTHORITY.has(code) || /^CERT_|^ERR_TLS_CERT/.test(code))) return failed(new ProxyTrustError(proxyName, code));
      // No socket to the proxy yet: the proxy, not the API server, is what could not be reached.
      const unreachable = connectCode(err);
      failed(unreachable && !reachedProxy ? new ProxyUnreachableError(proxyName, unreachable) : err);
    });
    request.end();
  };
  attempt(undefined);
}

/** An http:// API server through a CONNECT proxy: the tunnel is the connection. */
class HttpTunnelAgent extends http.Agent {
  constructor(options: http.AgentOptions, private readonly proxy: URL) {
    super(options);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: Connected): undefined {
    openTunnel(this.proxy, options, this.keepAlive, (socket) => callback!(null, socket), (err) => callback!(err, undefined as never));
    return undefined;
  }

  declare keepAlive: boolean;
}

/** An https:// API server through a CONNECT proxy: TLS with the server inside the tunnel. */
class HttpsTunnelAgent extends https.Agent {
  constructor(options: https.AgentOptions, private readonly proxy: URL) {
    super(options);
  }

  override createConnection(options: https.RequestOptions, callback?: Connected): undefined {
    const tlsOverTunnel = (socket: net.Socket): void => callback!(null, super.createConnection({ ...options, socket } as https.RequestOptions, undefined)!);
    openTunnel(this.proxy, options, this.keepAlive, tlsOverTunnel, (err) => callback!(err, undefined as never));
    return undefined;
  }

  declare keepAlive: boolean;
}

/** The kubeconfig's client certificate and insecure-skip-tls-verify, which client-go applies to an https:// proxy too. */
function clientTls(target: https.RequestOptions): https.RequestOptions {
  return {
    ...(target.cert ? { cert: target.cert, key: target.key } : {}),
    ...(target.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
  };
}
