/**
 * Connections to the API server opened while the rest of the plugin loads. A Node process spends
 * ~100 ms loading before its first request; at a real round-trip time the TCP handshake (and, once
 * the event loop turns, the TLS one) then happen meanwhile instead of after. Only for a direct
 * https:// server: through a proxy nothing is opened ahead.
 *
 * A connection made ahead is used only by an agent whose server and TLS settings are the same
 * (compared field by field when the agent asks for a connection): a wrong guess costs an unused
 * connection, never a request sent with other settings than the parsed flags give.
 */
import net from 'node:net';
import tls from 'node:tls';
import type https from 'node:https';
import type { Duplex } from 'node:stream';
import { loadConnection, type ConnectionFlags } from './config.js';
import { serverTls } from './kubeconfig.js';
import { proxyFor } from './proxy.js';

type Tls = ReturnType<typeof serverTls>;

interface Ahead {
  socket: tls.TLSSocket;
  host: string;
  port: number;
  tls: Tls;
}

const ahead: Ahead[] = [];

const hostOf = (server: URL): string => server.hostname.replace(/^\[|\]$/g, '');
const portOf = (server: URL): number => Number(server.port || 443);
/** The name sent in SNI: Node's default is the host unless it is an address. */
const sniOf = (servername: string | undefined, host: string): string => servername || (net.isIP(host) ? '' : host);

/** Opens `count` connections to the server the flags lead to, if that is the plain case. Never throws. */
export function connectAhead(flags: ConnectionFlags, count: number): void {
  if (count <= 0) return;
  try {
    const connection = loadConnection(flags);
    const cluster = connection.kubeConfig.getCurrentCluster();
    if (!cluster) return;
    const server = new URL(cluster.server);
    if (server.protocol !== 'https:' || proxyFor(server, cluster.proxyUrl)) return;
    const settings = serverTls(connection.kubeConfig);
    const host = hostOf(server);
    const port = portOf(server);
    for (let i = 0; i < count; i++) {
      const socket = tls.connect({ host, port, ...settings, servername: sniOf(settings.servername, host) || undefined });
      // Unused, it must neither keep the process alive nor fail it: its owner reports errors.
      socket.on('error', () => undefined);
      socket.unref();
      ahead.push({ socket, host, port, tls: settings });
    }
  } catch {
    // Whatever is wrong with the kubeconfig is said by the command itself, with its own message.
  }
}

const sameBuffer = (a: unknown, b: unknown): boolean =>
  a === undefined || b === undefined ? a === b : Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);

function matches(made: Ahead, options: https.RequestOptions & { servername?: string }): boolean {
  const host = String(options.host ?? options.hostname ?? '');
  return (
    made.host === host &&
    made.port === Number(options.port) &&
    sameBuffer(made.tls.ca, options.ca) &&
    sameBuffer(made.tls.cert, options.cert) &&
    sameBuffer(made.tls.key, options.key) &&
    (made.tls.rejectUnauthorized ?? true) === (options.rejectUnauthorized ?? true) &&
    sniOf(made.tls.servername, made.host) === sniOf(options.servername, host)
  );
}

/** Lets `agent` take a connection opened ahead (one that is still usable and made as it would make it) before it opens one. */
export function useConnectionsMadeAhead(agent: https.Agent): void {
  if (ahead.length === 0) return;
  const open = agent.createConnection.bind(agent);
  agent.createConnection = ((options: https.RequestOptions, done: (err: Error | null, stream: Duplex) => void) => {
    for (let i = 0; i < ahead.length; i++) {
      const made = ahead[i]!;
      if (made.socket.destroyed || !matches(made, options)) continue;
      ahead.splice(i, 1);
      made.socket.ref();
      return made.socket;
    }
    return open(options, done);
  }) as typeof agent.createConnection;
}
