import { afterEach, describe, expect, it, vi } from 'vitest';
import { bodyLimitFor, keepOutOfLog, logRequestBody, logResponseBody, setRequestLogger, startRequestLog } from '../../src/kube/request-log.js';

// What `kubectl copy-target ... -v=N` writes about each API request, as the CLI installs it: one
// line per request at -v=6, bodies from -v=8. Every secret below must never reach a line.

const lines: string[] = [];
function verbosity(level: number): void {
  lines.length = 0;
  setRequestLogger((line) => lines.push(line), bodyLimitFor(level));
}
const log = () => lines.join('\n');

afterEach(() => {
  setRequestLogger(undefined);
  vi.useRealTimers();
});

const URL_PODS = new URL('https://127.0.0.1:6443/api/v1/namespaces/shop/pods?limit=500');

describe('-v=6: one line per request, no bodies', () => {
  it('says the method, URL, status and how long the request took', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    vi.advanceTimersByTime(5000); // the process has been running a while
    verbosity(6);
    const done = startRequestLog('GET', URL_PODS);
    vi.advanceTimersByTime(42);
    done('200 OK');
    expect(lines).toEqual(['GET https://127.0.0.1:6443/api/v1/namespaces/shop/pods?limit=500 200 OK in 42 milliseconds']);
  });

  it('logs no body below -v=8', () => {
    for (const level of [6, 7]) {
      verbosity(level);
      logRequestBody({ kind: 'Job' });
      logResponseBody('{"kind":"JobList"}');
      expect(lines).toEqual([]);
    }
  });

  it('logs nothing at all without -v (no logger installed)', () => {
    lines.length = 0;
    setRequestLogger(undefined, 1024);
    startRequestLog('GET', URL_PODS)('200 OK');
    logRequestBody({ kind: 'Job' });
    logResponseBody('{"kind":"JobList"}');
    expect(lines).toEqual([]);
  });
});

describe('-v=8 and up: request and response bodies, cut as kubectl cuts them', () => {
  const big = JSON.stringify({ kind: 'JobList', items: 'x'.repeat(20_000) });

  it('-v=8 shows 1024 characters of a body, -v=9 10240, -v=10 all of it', () => {
    const shown = (level: number) => {
      verbosity(level);
      logResponseBody(big);
      return lines[0]!;
    };
    expect(shown(8)).toBe(`Response Body: ${big.slice(0, 1024)} [truncated ${big.length - 1024} chars]`);
    expect(shown(9)).toBe(`Response Body: ${big.slice(0, 10240)} [truncated ${big.length - 10240} chars]`);
    expect(shown(10)).toBe(`Response Body: ${big}`);
    expect(shown(11)).toBe(`Response Body: ${big}`);
  });

  it('shows the body sent and the body received; a request without a body or an empty response adds no line', () => {
    verbosity(8);
    logRequestBody({ apiVersion: 'batch/v1', kind: 'Job' });
    logRequestBody(undefined);
    logResponseBody('');
    logResponseBody('{"kind":"Status","code":404}');
    expect(lines).toEqual(['Request Body: {"apiVersion":"batch/v1","kind":"Job"}', 'Response Body: {"kind":"Status","code":404}']);
  });
});

describe('no credential in any logged line', () => {
  it('the token or password this process sends is blanked wherever a line quotes it, URL or body', () => {
    verbosity(9);
    keepOutOfLog('sent-token-0123456789');
    keepOutOfLog('pa55word-of-the-user');
    startRequestLog('GET', new URL('https://127.0.0.1:6443/api/v1/namespaces/sent-token-0123456789'))('404 Not Found');
    logResponseBody('{"kind":"Status","message":"user with pa55word-of-the-user and sent-token-0123456789 denied"}');
    logRequestBody('plain text sent-token-0123456789');
    expect(log()).not.toMatch(/sent-token-0123456789|pa55word-of-the-user/);
    expect(lines[0]).toMatch(/^GET https:\/\/127\.0\.0\.1:6443\/api\/v1\/namespaces\/REDACTED 404 Not Found in \d+ milliseconds$/);
    expect(lines[1]).toBe('Response Body: {"kind":"Status","message":"user with REDACTED and REDACTED denied"}');
  });

  it('a credential too short to search for safely does not blank ordinary words', () => {
    verbosity(8);
    keepOutOfLog('Status');
    keepOutOfLog(undefined);
    keepOutOfLog('');
    logResponseBody('{"kind":"Status"}');
    expect(lines).toEqual(['Response Body: {"kind":"Status"}']);
  });

  it('a credential of 8 characters is long enough to blank', () => {
    verbosity(8);
    keepOutOfLog('8charsXY');
    logResponseBody('{"message":"8charsXY"}');
    expect(lines).toEqual(['Response Body: {"message":"REDACTED"}']);
  });

  it('a credential remembered before the logger is installed is blanked too', () => {
    setRequestLogger(undefined);
    keepOutOfLog('early-credential-42');
    verbosity(8);
    logResponseBody('{"message":"early-credential-42"}');
    expect(lines).toEqual(['Response Body: {"message":"REDACTED"}']);
  });
});
