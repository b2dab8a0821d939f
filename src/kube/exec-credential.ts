import { spawn } from 'node:child_process';
import { isatty } from 'node:tty';
import { CliError } from '../errors.js';
import type { Credential, CredentialSource } from './credentials.js';

/** A kubeconfig user's `exec` entry (client.authentication.k8s.io). */
export interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
}

/** What KUBERNETES_EXEC_INFO carries of the cluster with provideClusterInfo (client-go's field names). */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  config?: unknown;
}

/**
 * Called before an interactive plugin runs, with the terminal handed over to it; returns what to
 * call after. cli.ts sets it so the spinner does not draw over the plugin's prompt.
 */
let onInteractive: () => () => void = () => () => undefined;
export function setInteractiveCredentialHook(hook: () => () => void): void {
  onInteractive = hook;
}

const SOURCES = new Map<string, ExecCredentialSource>();

/** One source per plugin and cluster in the process, as client-go caches its authenticators. */
export function execCredentialSource(exec: ExecConfig, userName: string, cluster: ExecClusterInfo): ExecCredentialSource {
  const key = JSON.stringify([exec, userName, exec.provideClusterInfo ? cluster : undefined]);
  let source = SOURCES.get(key);
  if (!source) SOURCES.set(key, (source = new ExecCredentialSource(exec, userName, cluster)));
  return source;
}

/**
 * Runs an exec credential plugin as client-go does: once for all requests waiting on it, again
 * when its credential expires (expirationTimestamp) or after a 401. KUBERNETES_EXEC_INFO tells it
 * whether it may talk to the user and, with provideClusterInfo, which cluster. An interactive
 * plugin gets the terminal's stdin and writes its prompts to our stderr.
 */
export class ExecCredentialSource implements CredentialSource {
  private cached: { credential: Credential; expiresAt?: number } | undefined;
  private running: Promise<Credential> | undefined;

  constructor(
    private readonly exec: ExecConfig,
    private readonly userName: string,
    private readonly cluster: ExecClusterInfo,
    private readonly stdinIsTerminal: () => boolean = () => isatty(0),
  ) {}

  async get(): Promise<Credential> {
    if (this.cached && (this.cached.expiresAt === undefined || this.cached.expiresAt > Date.now())) return this.cached.credential;
    return this.run();
  }

  async renewAfterUnauthorized(sent: Credential): Promise<boolean> {
    if (sent !== this.cached?.credential) return true; // renewed since that request was sent
    this.cached = undefined;
    await this.run();
    return true;
  }

  private run(): Promise<Credential> {
    this.running ??= this.runPlugin().finally(() => (this.running = undefined));
    return this.running;
  }

  private describe(): string {
    return `the credential plugin "${this.exec.command}" of user "${this.userName}"`;
  }

  private interactive(): boolean {
    const mode = this.exec.interactiveMode ?? 'IfAvailable';
    if (mode === 'Never') return false;
    const terminal = this.stdinIsTerminal();
    if (mode === 'Always' && !terminal) {
      throw new CliError(`${this.describe()} needs a terminal (interactiveMode: Always), and standard input is not one; run the command in a terminal`);
    }
    return terminal;
  }

  private async runPlugin(): Promise<Credential> {
    const interactive = this.interactive();
    const apiVersion = this.exec.apiVersion ?? 'client.authentication.k8s.io/v1';
    const info = { apiVersion, kind: 'ExecCredential', spec: { ...(this.exec.provideClusterInfo ? { cluster: this.cluster } : {}), interactive } };
    const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
    for (const e of this.exec.env ?? []) env[e.name] = e.value;
    const release = interactive ? onInteractive() : () => undefined;
    let result: { code: number | null; stdout: string; stderr: string };
    try {
      result = await new Promise((resolve, reject) => {
        const child = spawn(this.exec.command, this.exec.args ?? [], { env, stdio: [interactive ? 'inherit' : 'ignore', 'pipe', interactive ? 'inherit' : 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT') {
        const hint = this.exec.installHint?.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
        throw new CliError(`${this.describe()} is not installed (not found on PATH)${hint ? `: ${hint}` : '; install it, or fix exec.command in your kubeconfig'}`);
      }
      throw new CliError(`${this.describe()} could not be run (${code ?? String(err)})`);
    } finally {
      release();
    }
    if (result.code !== 0) {
      const last = result.stderr.split('\n').map((l) => l.trim()).filter(Boolean).at(-1);
      throw new CliError(`${this.describe()} failed (exit code ${result.code})${last ? `: ${last}` : interactive ? '; see its output above' : ''}`);
    }
    return this.parse(result.stdout, apiVersion);
  }

  private parse(stdout: string, apiVersion: string): Credential {
    const bad = (why: string) => new CliError(`${this.describe()} printed no usable ExecCredential (${why})`);
    let out: any;
    try {
      out = JSON.parse(stdout);
    } catch {
      throw bad('not JSON');
    }
    if (out?.apiVersion !== apiVersion) throw bad(`apiVersion ${JSON.stringify(out?.apiVersion)}, expected ${apiVersion}`);
    const status = out.status;
    if (!status || (!status.token && !status.clientCertificateData)) throw bad('no token or client certificate in status');
    if (Boolean(status.clientCertificateData) !== Boolean(status.clientKeyData)) throw bad('a client certificate without its key, or a key without its certificate');
    const credential: Credential = { token: status.token || undefined, cert: status.clientCertificateData || undefined, key: status.clientKeyData || undefined };
    const expiresAt = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : undefined;
    this.cached = { credential, expiresAt: Number.isNaN(expiresAt) ? undefined : expiresAt };
    return credential;
  }
}
