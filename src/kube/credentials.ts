import { readFileSync, statSync } from 'node:fs';
import type https from 'node:https';
import { CliError } from '../errors.js';

/** What one request authenticates with (besides a kubeconfig's static client certificate). */
export interface Credential {
  token?: string;
  username?: string;
  password?: string;
  /** PEM, from an exec plugin. */
  cert?: string;
  key?: string;
}

/** Where a user's credential comes from: fixed, a token file, an exec plugin. */
export interface CredentialSource {
  /** The credential for the next request. */
  get(): Promise<Credential>;
  /**
   * After a 401 of a request sent with `sent` (an object get() returned): renews it unless that
   * happened already; true when a retry may succeed.
   */
  renewAfterUnauthorized(sent: Credential): Promise<boolean>;
}

export const NO_CREDENTIALS: CredentialSource = { get: async () => ({}), renewAfterUnauthorized: async () => false };

export function fixedCredential(credential: Credential): CredentialSource {
  return { get: async () => credential, renewAfterUnauthorized: async () => false };
}

/**
 * A bearer token read from a file as client-go reads it: trimmed, read again whenever the file
 * changed (a projected service-account token rotates) and after a 401. `fallback` (the
 * kubeconfig's `token`) is used only while the file cannot be read.
 */
export class TokenFileSource implements CredentialSource {
  private credential: Credential | undefined;
  private stamp = '';

  constructor(
    private readonly path: string,
    private readonly userName: string,
    private readonly fallback?: string,
  ) {}

  async get(): Promise<Credential> {
    this.read(false);
    return this.credential!;
  }

  async renewAfterUnauthorized(sent: Credential): Promise<boolean> {
    if (sent !== this.credential) return true;
    return this.read(true);
  }

  /** Reads the file if it changed (or `force`); true when the token changed. */
  private read(force: boolean): boolean {
    let stamp: string;
    let token: string;
    try {
      const s = statSync(this.path);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
      if (!force && stamp === this.stamp && this.credential) return false;
      token = readFileSync(this.path, 'utf8').trim();
    } catch (err) {
      // A rotation in progress: keep what we had.
      if (this.credential) return false;
      if (this.fallback) {
        this.credential = { token: this.fallback };
        return false;
      }
      const code = (err as { code?: string }).code ?? 'unreadable';
      throw new CliError(`cannot read the token file ${this.path} of user "${this.userName}" (${code}); fix tokenFile in your kubeconfig`);
    }
    if (!token) throw new CliError(`the token file ${this.path} of user "${this.userName}" is empty; fix tokenFile in your kubeconfig`);
    this.stamp = stamp;
    const changed = token !== this.credential?.token;
    if (changed) this.credential = { token };
    return changed;
  }
}

/** Puts `credential` on a request's options (after the kubeconfig's TLS settings). */
export function applyCredential(opts: https.RequestOptions, credential: Credential): void {
  const headers = (opts.headers ??= {}) as Record<string, string>;
  if (credential.token) headers.Authorization = `Bearer ${credential.token}`;
  else if (credential.username !== undefined) opts.auth = `${credential.username}:${credential.password ?? ''}`;
  if (credential.cert && credential.key) {
    opts.cert = credential.cert;
    opts.key = credential.key;
  }
}
