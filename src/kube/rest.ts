import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { messageOf } from '../errors.js';
import type { Impersonation } from './config.js';
import { applyAccess, type AccessOptions, type ClusterAndUser } from './kubeconfig.js';
import { useConnectionsMadeAhead } from './connect-ahead.js';
import { createAgent, proxyFor } from './proxy.js';
import { applyCredential, NO_CREDENTIALS, type Credential, type CredentialSource } from './credentials.js';
import { keepOutOfLog, logRequestBody, logResponseBody, startRequestLog } from './request-log.js';
import { isTransientNetworkError, parseRetryAfter, pause, retryDelay, safeToRepeat } from './retry.js';

/** A non-2xx answer from the API server, with its decoded Status body. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    /** The Retry-After header's seconds, when the server sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`HTTP ${code}`);
    this.name = 'ApiError';
  }
}

/** How long one request may take unless the caller says otherwise. */
const REQUEST_TIMEOUT_MS = 30_000;

export type ContentType = 'application/json' | 'application/merge-patch+json' | 'application/json-patch+json';

/** Per request: `signal` abandons it (a renewal that must not outlive its lease). */
export interface RequestOptions {
  signal?: AbortSignal;
}

/** What `Cluster` needs of an HTTP client (RestClient; a fake in unit tests). */
export interface Transport {
  request<T = any>(method: string, path: string, body?: unknown, contentType?: ContentType, options?: RequestOptions): Promise<T>;
  watch(path: string, onEvent: (type: string, object: any) => void, onDone: (err: unknown) => void): () => void;
  serverNow(): Date;
  close(): void;
}

/**
 * Plain JSON requests. The typed client-node models drop fields they do not know (newer pod spec
 * fields), which would silently lose them in a copy or a write-back; raw JSON keeps every field.
 * One keep-alive agent per client, so a command pays for one TLS handshake.
 */
export class RestClient implements Transport {
  /** A promise: a socks agent is loaded on first use, and parallel first requests must share one. */
  private agent: Promise<http.Agent> | undefined;
  /** The client certificate and key the agent was made with (an exec plugin renews them). */
  private agentCertAndKey = '';
  /** Agents made for an exec plugin's earlier client certificate: their connections finish, then close(). */
  private readonly retiredAgents: Promise<http.Agent>[] = [];
  private readonly server: URL;
  /** The proxy every request goes through (proxy-url, else HTTPS_PROXY/HTTP_PROXY), if any. */
  private readonly proxy: URL | undefined;
  private readonly kubeConfig: ClusterAndUser;
  /**
   * How far the API server's clock is ahead of ours, from the latest response's `Date` header:
   * the server's time at the moment we received it is at least that date (it has whole seconds),
   * so this errs on the side of a server clock that is slightly behind.
   */
  private serverOffsetMs: number | undefined;

  constructor(
    kubeConfig: ClusterAndUser,
    private readonly timeoutMs: number = REQUEST_TIMEOUT_MS,
    private readonly impersonate?: Impersonation,
    private readonly credentials: CredentialSource = NO_CREDENTIALS,
  ) {
    const cluster = kubeConfig.getCurrentCluster()!;
    this.server = new URL(cluster.server);
    this.proxy = proxyFor(this.server, cluster.proxyUrl);
    this.kubeConfig = kubeConfig;
  }

  /** URL and options of a request to `path`, with the kubeconfig's credentials applied. */
  private async prepare(method: string, path: string, sent: { credential?: Credential } = {}): Promise<{ url: URL; options: https.RequestOptions; secure: boolean }> {
    const opts: AccessOptions = { headers: {} };
    await applyAccess(this.kubeConfig, opts);
    applyCredential(opts, (sent.credential = await this.credentials.get()));
    // A token (static or from an exec plugin) and a password go in headers, never logged; kept out of bodies too.
    keepOutOfLog(/^\S+\s+(\S+)$/.exec(String((opts.headers as Record<string, unknown>)?.Authorization ?? ''))?.[1]);
    keepOutOfLog(opts.auth?.split(':').slice(1).join(':'));
    const secure = this.server.protocol === 'https:';
    const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, servername: opts.servername, rejectUnauthorized: opts.rejectUnauthorized };
    // A renewed client certificate (exec plugin) is used by new connections: a new agent.
    const certAndKey = `${String(opts.cert)}\n${String(opts.key)}`;
    if (this.agent && this.agentCertAndKey !== certAndKey) {
      this.retiredAgents.push(this.agent);
      this.agent = undefined;
    }
    if (!this.agent) {
      this.agent = createAgent(this.server, tls, this.proxy);
      // Direct only: a connection opened ahead goes straight to the server, never through a proxy.
      if (secure && !this.proxy) this.agent = this.agent.then((agent) => (useConnectionsMadeAhead(agent as https.Agent), agent));
      this.agentCertAndKey = certAndKey;
    }
    const agent = await this.agent;
    const headers: Record<string, string | string[]> = { ...(opts.headers as Record<string, string>), Accept: 'application/json' };
    if (this.impersonate?.user) headers['Impersonate-User'] = this.impersonate.user;
    if (this.impersonate?.groups.length) headers['Impersonate-Group'] = this.impersonate.groups;
    if (this.impersonate?.uid) headers['Impersonate-Uid'] = this.impersonate.uid;
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    return { url, secure, options: { method, headers, agent, auth: opts.auth } };
  }

  /**
   * One API call, retried as client-go retries (see retry.ts). A repeated write whose first
   * answer was lost may then meet its own effect (409 AlreadyExists, 409 Conflict, 422 test
   * failed): the caller is told of the lost answer instead, which it handles as before.
   */
  async request<T = any>(method: string, path: string, body?: unknown, contentType: ContentType = 'application/json', options: RequestOptions = {}): Promise<T> {
    const repeatable = safeToRepeat(method, body, contentType);
    let lostAnswer: unknown;
    let renewed = false;
    let retry = 0;
    for (;;) {
      const sent: { credential?: Credential } = {};
      try {
        return await this.requestOnce<T>(method, path, body, contentType, options.signal, sent);
      } catch (err) {
        // A 401 with a credential that can be renewed (exec plugin, rotated token file): renew it, send once more.
        if (!renewed && err instanceof ApiError && err.code === 401 && sent.credential && (await this.credentials.renewAfterUnauthorized(sent.credential))) {
          renewed = true;
          continue;
        }
        if (lostAnswer !== undefined && err instanceof ApiError && (err.code === 409 || err.code === 422)) throw lostAnswer;
        const delay = options.signal?.aborted ? undefined : retryDelay(err, err instanceof ApiError ? { status: err.code, retryAfterSeconds: err.retryAfterSeconds } : {}, retry, repeatable);
        if (delay === undefined) throw err;
        if (method !== 'GET' && isTransientNetworkError(err)) lostAnswer ??= err;
        await pause(delay, options.signal);
        retry++;
      }
    }
  }

  private async requestOnce<T>(method: string, path: string, body: unknown, contentType: ContentType, signal: AbortSignal | undefined, sent: { credential?: Credential }): Promise<T> {
    const { url, options, secure } = await this.prepare(method, path, sent);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      const headers = options.headers as Record<string, string>;
      headers['Content-Type'] = contentType;
      // Node sends a DELETE body with neither length nor chunking unless told: the server would ignore it.
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const logged = startRequestLog(method, url);
    logRequestBody(body);
    return new Promise<T>((resolve, reject) => {
      const req = (secure ? https : http).request(url, options, (res) => {
        this.observeServerDate(res);
        readText(res).then((text) => {
          const status = res.statusCode ?? 0;
          logged(`${status} ${res.statusMessage ?? ''}`.trim());
          logResponseBody(text);
          const parsed = parseBody(text);
          if (status >= 200 && status < 300) resolve(parsed as T);
          else reject(new ApiError(status, parsed, parseRetryAfter(header(res, 'retry-after'))));
        }, reject);
      });
      req.on('error', (err) => {
        logged(`failed (${messageOf(err)})`);
        reject(err);
      });
      // An API server that stopped answering (a dropped VPN) must not hang a restore forever.
      if (Number.isFinite(this.timeoutMs)) {
        req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT', timedOutByClient: true })));
      }
      if (signal) {
        if (signal.aborted) req.destroy(signal.reason);
        else signal.addEventListener('abort', () => req.destroy(signal.reason), { once: true });
      }
      req.end(payload);
    });
  }

  /**
   * A watch: `GET path?watch=true`, one JSON event a line. `onDone` is called once: with nothing
   * when the server ends the stream, with the error otherwise (an ApiError for a refusal, an
   * AbortError after `stop`). Our own streaming request, not client-node's Watch: that one goes
   * through node-fetch 2, whose url.parse() makes Node >= 24 print DEP0169 on every watch.
   */
  watch(path: string, onEvent: (type: string, object: any) => void, onDone: (err: unknown) => void): () => void {
    let finished = false;
    let req: http.ClientRequest | undefined;
    const finish = (err: unknown) => {
      if (finished) return;
      finished = true;
      onDone(err);
    };
    let retryTimer: NodeJS.Timeout | undefined;
    const open = (retry: number) => this.prepare('GET', path).then(({ url, options, secure }) => {
      if (finished) return;
      // Both measured from the request: how long the watch took to open, and how long it lasted.
      const loggedOpen = startRequestLog('WATCH', url);
      const loggedEnd = startRequestLog('WATCH', url);
      const watchDone = onDone;
      onDone = (err) => {
        loggedEnd(err ? `ended (${messageOf(err)})` : 'ended by the server');
        watchDone(err);
      };
      req = (secure ? https : http).request(url, options, (res) => {
        const status = res.statusCode ?? 0;
        loggedOpen(`${status} ${res.statusMessage ?? ''} (open)`.trim());
        if (status !== 200) {
          readText(res).then((text) => {
            logResponseBody(text);
            const refusal = new ApiError(status, parseBody(text), parseRetryAfter(header(res, 'retry-after')));
            // "Too many requests, again in N s" before the watch opened: open it again then.
            const delay = retryDelay(refusal, { status, retryAfterSeconds: refusal.retryAfterSeconds }, retry, true);
            if (delay === undefined || finished) return finish(refusal);
            onDone = watchDone;
            retryTimer = setTimeout(() => void open(retry + 1), delay);
          }, finish);
          return;
        }
        // A silent connection is fine (no events); a dead one is noticed by TCP keep-alive.
        res.socket.setKeepAlive(true, 30_000);
        const lines = createInterface({ input: res, crlfDelay: Infinity });
        lines.on('line', (line) => {
          if (finished || !line.trim()) return;
          let event: { type: string; object: unknown };
          try {
            event = JSON.parse(line);
          } catch {
            return; // not an event: ignore it, as kubectl does
          }
          onEvent(event.type, event.object);
        });
        res.on('error', finish);
        lines.on('error', finish); // readline passes on the stream's errors (e.g. "aborted" after stop)
        res.on('close', () => finish(res.complete ? undefined : Object.assign(new Error('watch connection lost'), { code: 'ECONNRESET' })));
      });
      req.on('error', finish);
      req.end();
    }, finish);
    void open(0);
    return () => {
      clearTimeout(retryTimer);
      finish(Object.assign(new Error('watch stopped'), { name: 'AbortError' }));
      req?.destroy();
    };
  }

  private observeServerDate(res: http.IncomingMessage): void {
    const date = Date.parse(res.headers.date ?? '');
    if (!Number.isNaN(date)) this.serverOffsetMs = date - Date.now();
  }

  /**
   * The API server's current time (our clock until the first response). Leases are written and
   * judged on it, so two laptops whose clocks disagree still agree on whether a lease expired.
   */
  serverNow(): Date {
    return new Date(Date.now() + (this.serverOffsetMs ?? 0));
  }

  /** Ends keep-alive sockets so the process can exit promptly. */
  close(): void {
    for (const agent of [this.agent, ...this.retiredAgents]) void agent?.then((a) => a.destroy());
  }
}

function header(res: http.IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readText(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** A response body, parsed as JSON when it is JSON (an error path reports the text). */
function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}
