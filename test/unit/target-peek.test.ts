import { describe, expect, it } from 'vitest';
import { peekCommandLine } from '../../src/target/argv.js';

describe('peekCommandLine: what the command line says before the parser loads', () => {
  it('names the command word, or none for a copy, wherever flags and their values sit', () => {
    expect(peekCommandLine(['status', '-A']).command).toBe('status');
    expect(peekCommandLine(['-n', 'status', 'deploy/web']).command).toBeUndefined(); // "status" is -n's value
    expect(peekCommandLine(['--context', 'prod', 'delete', 'copy-web-x']).command).toBe('delete');
    expect(peekCommandLine(['deploy/web', 'status']).command).toBeUndefined(); // a copy whose command word is "status"
    expect(peekCommandLine(['__complete', 'copy-target', 'deploy/']).command).toBe('__complete');
    expect(peekCommandLine(['deploy/web', '--', 'status']).command).toBeUndefined();
  });

  it('reads the connection flags in both spellings, the last one winning, and only before --', () => {
    const { connection } = peekCommandLine([
      '--kubeconfig', '/a', '--kubeconfig=/b', '--context=prod', '-s', 'https://x:6443', '--tls-server-name', 'api',
      '--certificate-authority=/ca', '--client-certificate', '/crt', '--client-key', '/key', '--cluster', 'c', '--user', 'u',
      '--insecure-skip-tls-verify', 'deploy/web', '--', '--context', 'theirs',
    ]);
    expect(connection).toEqual({
      kubeconfig: '/b', context: 'prod', server: 'https://x:6443', tlsServerName: 'api', certificateAuthority: '/ca',
      clientCertificate: '/crt', clientKey: '/key', cluster: 'c', user: 'u', insecureSkipTlsVerify: true,
    });
    expect(peekCommandLine(['--insecure-skip-tls-verify=false', 'status']).connection).toEqual({ insecureSkipTlsVerify: false });
    expect(peekCommandLine(['-n', 'ns', '--token', 't', 'status']).connection).toEqual({});
  });

  it('sees a request for help, long or short', () => {
    expect(peekCommandLine(['status', '--help']).help).toBe(true);
    expect(peekCommandLine(['-h']).help).toBe(true);
    expect(peekCommandLine(['deploy/web', '--', 'cmd', '-h']).help).toBe(false);
  });
});
