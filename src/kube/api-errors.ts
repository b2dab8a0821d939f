import { CliError, messageOf, UnreachableError } from '../errors.js';
import { ProxyTrustError, ProxyUnreachableError } from './proxy.js';
import { ApiError } from './rest.js';

/** HTTP status of a failed API call, or undefined when the server was never reached. */
export function statusCode(err: unknown): number | undefined {
  return err instanceof ApiError ? err.code : undefined;
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
export const isConflict = (err: unknown): boolean => statusCode(err) === 409;
/** A JSON patch `test` op that did not hold: the object changed under us. */
export const isFailedPatchTest = (err: unknown): boolean => statusCode(err) === 422;

/**
 * Turns a client-node failure into one line a user can act on. The server's own Status message
 * already names verb, resource and object ("jobs.batch is forbidden: User \"dev\" cannot create
 * resource \"jobs\" ..."), so it is kept verbatim; transport errors name the server.
 */
export function toCliError(err: unknown, server: string, doing: string): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ApiError) {
    const message = statusMessage(err.body) ?? `HTTP ${err.code}`;
    const hint = err.code === 403 ? ' (ask your cluster admin for that permission, or use another --context)' : '';
    return new CliError(`${doing}: ${message}${hint}`);
  }
  if (err instanceof ProxyTrustError) return new CliError(`cannot trust the proxy ${err.proxy}: ${proxyDistrust(err.code)}`);
  if (err instanceof ProxyUnreachableError) {
    return new UnreachableError(
      `cannot reach the proxy ${err.proxy} (${describeTransport(err.code)}) on the way to the Kubernetes API server at ${server}; check that the proxy is up, and proxy-url in your kubeconfig (or HTTPS_PROXY/NO_PROXY)`,
    );
  }
  const distrust = tlsDistrust(err);
  if (distrust) return new CliError(`cannot trust the Kubernetes API server at ${server}: ${distrust}`);
  const reason = transportReason(err);
  if (reason) {
    return new UnreachableError(
      `cannot reach the Kubernetes API server at ${server} (${reason}); check that the cluster is up and your --context/--kubeconfig`,
    );
  }
  return new CliError(`${doing}: ${oneLine(err)}`);
}

/** True when the API server was not reached at all (a raw transport error, or one already turned into a CliError). */
export function isUnreachable(err: unknown): boolean {
  return err instanceof UnreachableError || (!(err instanceof CliError) && transportReason(err) !== undefined);
}

function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() ? oneLine(body) : undefined;
    }
  }
  if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
    return oneLine(parsed.message);
  }
  return undefined;
}

const transportCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN',
  // the network itself went away or dropped the connection (a VPN reconnecting, a laptop resuming)
  'ENETUNREACH', 'ENETDOWN', 'EPIPE', 'EADDRNOTAVAIL', 'ECONNABORTED',
]);

/** TLS refusals: the server answered, but is not the one the kubeconfig (or the flags) trust. */
const TLS_DISTRUST: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is not signed by a certificate authority you trust',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate is not signed by a certificate authority you trust',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is not signed by a certificate authority you trust',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is not signed by a certificate authority you trust',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet (is your clock right?)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate does not name that address',
};

/** The https:// proxy's certificate: Node's CAs (or the API server's, as kubectl) must have signed it. */
function proxyDistrust(code: string): string {
  const what = TLS_DISTRUST[code] ?? 'its certificate was refused';
  const fix = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'check the proxy address (proxy-url or HTTPS_PROXY)' : 'give Node its certificate authority with NODE_EXTRA_CA_CERTS=<CA file>';
  return `${what} (${code}); ${fix}`;
}

function tlsDistrust(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !(code in TLS_DISTRUST)) return undefined;
  const what = TLS_DISTRUST[code]!;
  const fix = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'check --server, or name the one it has with --tls-server-name' : 'check certificate-authority in your kubeconfig, or pass --certificate-authority';
  return `${what} (${code}); ${fix}`;
}

function transportReason(err: unknown): string | undefined {
  const e = err as { code?: unknown; errno?: unknown; type?: unknown; cause?: { code?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.errno === 'string' ? e.errno : e?.cause?.code;
  if (typeof code === 'string' && transportCodes.has(code)) return describeTransport(code);
  if (e?.type === 'system' || e?.type === 'request-timeout') return oneLine(err);
  return undefined;
}

function describeTransport(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'timed out';
    default:
      return code;
  }
}

function oneLine(value: unknown): string {
  return messageOf(value).replace(/\s+/g, ' ').trim();
}
