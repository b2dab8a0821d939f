/**
 * kubectl's -v for what the plugin does on the wire. -v=6: each API request (method, URL, status,
 * milliseconds) and each watch opening and ending. -v=8 and up: request and response bodies too,
 * redacted (see redact.ts) and cut as kubectl cuts them. The CLI installs the sink; unset, nothing
 * is measured or logged. URLs carry no credentials; headers are never logged.
 */
import { bodyForLog, REDACTED } from './redact.js';

type Sink = (line: string) => void;

let sink: Sink | undefined;
/** How many characters of a body to show; 0: no bodies. */
let bodyLimit = 0;
/** The credentials this process sends (its bearer token, basic password): never shown, even quoted back by a server. */
const credentials = new Set<string>();

/** kubectl's cut of a logged body at each level: 1024 characters at -v=8, 10240 at -v=9, all from -v=10. */
export function bodyLimitFor(level: number): number {
  if (level >= 10) return Number.POSITIVE_INFINITY;
  if (level >= 9) return 10240;
  if (level >= 8) return 1024;
  return 0;
}

export function setRequestLogger(log: Sink | undefined, limit = 0): void {
  sink = log;
  bodyLimit = limit;
}

/** A credential the transport sends, kept out of every logged line whatever body quotes it. */
export function keepOutOfLog(credential: string | undefined): void {
  // Remembered whether or not a logger is installed yet. Too short to search for safely (it would
  // blank out ordinary words); such a credential is no secret anyway.
  if (credential && credential.length >= 8) credentials.add(credential);
}

function emit(log: Sink, line: string): void {
  let safe = line;
  for (const credential of credentials) safe = safe.split(credential).join(REDACTED);
  log(safe);
}

/** Starts timing a request; the returned function logs its outcome (a status, or what failed). */
export function startRequestLog(method: string, url: URL): (outcome: string) => void {
  if (!sink) return () => undefined;
  const started = performance.now();
  const log = sink;
  return (outcome) => emit(log, `${method} ${url.href} ${outcome} in ${Math.round(performance.now() - started)} milliseconds`);
}

/** -v=8 and up: a request's body, as sent (JSON text or an object). */
export function logRequestBody(body: unknown): void {
  if (sink && bodyLimit > 0 && body !== undefined) emit(sink, `Request Body: ${bodyForLog(body, bodyLimit)}`);
}

/** -v=8 and up: a response's body, as received. */
export function logResponseBody(body: string): void {
  if (sink && bodyLimit > 0 && body !== '') emit(sink, `Response Body: ${bodyForLog(body, bodyLimit)}`);
}
