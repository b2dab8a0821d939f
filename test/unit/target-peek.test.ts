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
    expect(peekCommandLine(['-A', '--wide', 'status']).command).toBe('status'); // flags without a value are no positional
    expect(peekCommandLine(['-n=shop', 'gc']).command).toBe('gc');
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
    expect(peekCommandLine(['--insecure-skip-tls-verify=false', 'status']).connection).toStrictEqual({ insecureSkipTlsVerify: false });
    expect(peekCommandLine(['--insecure-skip-tls-verify=true', 'status']).connection).toStrictEqual({ insecureSkipTlsVerify: true });
    expect(peekCommandLine(['--server', 'https://a', '-s=https://b', 'status']).connection).toStrictEqual({ server: 'https://b' });
    expect(peekCommandLine(['--server=https://a', 'status']).connection).toStrictEqual({ server: 'https://a' });
    expect(peekCommandLine(['-n', 'ns', '--token', 't', 'status']).connection).toStrictEqual({});
    expect(peekCommandLine(['status', '--context']).connection).toStrictEqual({}); // a flag missing its value sets nothing
  });

  it('sees a request for help, long or short', () => {
    expect(peekCommandLine(['status', '--help']).help).toBe(true);
    expect(peekCommandLine(['-h']).help).toBe(true);
    expect(peekCommandLine(['deploy/web', '--', 'cmd', '-h']).help).toBe(false);
  });
});
