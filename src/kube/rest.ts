import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** A non-2xx answer from the API server, with its decoded Status body. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${code}`);
    this.name = 'ApiError';
  }
}

/** How long one request may take unless the caller says otherwise. */
export const REQUEST_TIMEOUT_MS = 30_000;

export type ContentType = 'application/json' | 'application/merge-patch+json' | 'application/json-patch+json';

/**
 * Plain JSON requests. The typed client-node models drop fields they do not know (newer pod spec
 * fields), which would silently lose them in a copy or a write-back; raw JSON keeps every field.
 * One keep-alive agent per client, so a command pays for one TLS handshake.
 */
export class RestClient {
  private agent: https.Agent | undefined;
  private readonly server: URL;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly timeoutMs: number = REQUEST_TIMEOUT_MS,
  ) {
    this.server = new URL(kubeConfig.getCurrentCluster()!.server);
  }

  async request<T = any>(method: string, path: string, body?: unknown, contentType: ContentType = 'application/json'): Promise<T> {
    const opts: https.RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const secure = this.server.protocol === 'https:';
    if (secure) {
      this.agent ??= new https.Agent({
        keepAlive: true,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        servername: opts.servername,
        rejectUnauthorized: opts.rejectUnauthorized,
      });
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string>), Accept: 'application/json' };
    if (payload !== undefined) headers['Content-Type'] = contentType;
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    return new Promise<T>((resolve, reject) => {
      const req = (secure ? https : http).request(
        url,
        { method, headers, agent: secure ? this.agent : undefined, auth: opts.auth },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // keep the text: the error path reports it
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(parsed as T);
            else reject(new ApiError(status, parsed));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      // An API server that stopped answering (a dropped VPN) must not hang a restore forever.
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      req.end(payload);
    });
  }

  /** Ends keep-alive sockets so the process can exit promptly. */
  close(): void {
    this.agent?.destroy();
  }
}
