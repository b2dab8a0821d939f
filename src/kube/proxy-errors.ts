/** Failures of a proxy to the API server, named as the proxy's (api-errors.ts words them). */

/** The https:// proxy's certificate was refused (`code`: Node's TLS code); `proxy` is its address without credentials. */
export class ProxyTrustError extends Error {
  constructor(
    readonly proxy: string,
    readonly code: string,
  ) {
    super(`cannot trust the proxy ${proxy} (${code})`);
  }
}

/**
 * The proxy itself could not be reached (refused, unresolved, timed out): `code` is Node's, so the
 * failure still counts as a network one (retried like an unreachable API server); `proxy` is its
 * address without credentials.
 */
export class ProxyUnreachableError extends Error {
  constructor(
    readonly proxy: string,
    readonly code: string,
  ) {
    super(`cannot reach the proxy ${proxy} (${code})`);
  }
}

/** Node's code of a failure to connect to the proxy itself (before any answer from it). */
export function connectCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code) && !code.startsWith('ERR_') ? code : undefined;
}
